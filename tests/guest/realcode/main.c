/* A program written for -std=gnu89 -w, built without editing it through its
 * capsule.py: sources in subdirectories, an include directory, defines, a
 * source from outside the app, and a header of its own named stdlib.h that
 * must not hide newlib's. */
#include <stdio.h>
#include "stdlib.h"     /* the app's own: includes newlib's <stdlib.h>, adds app_stdlib_marker */
#include <realcode.h>   /* from include/, CPPPATH */

/* gnu89 inline: this definition is also an external one, so taking the
 * address links.  Under C99 and later it would not (an undefined reference). */
inline int twice(x)
    int x;
{
    return 2 * x;
}

static count;       /* implicit int */

main(argc, argv)
    char **argv;
{
    int (*volatile f)(int) = twice;     /* volatile: a real call, an external reference */
    char *copy = malloc(16);        /* newlib's malloc, declared by newlib's <stdlib.h> */
    count = argc;
    printf("realcode: %s\n", REALCODE_GREETING);
#ifdef REALCODE_FEATURE
    printf("realcode: feature define seen\n");
#endif
    printf("realcode: twice(21) through a pointer = %d\n", f(21));
    printf("realcode: app stdlib.h marker %d, newlib EXIT_FAILURE %d, malloc %s\n",
           app_stdlib_marker(), EXIT_FAILURE, copy ? "ok" : "failed");
    printf("realcode: words in \"one two  three\" = %d\n", text_count_words("one two  three"));
    printf("realcode: shared counter %d\n", shared_counter_next() + shared_counter_next());
    free(copy);
    return count - 1;
}
