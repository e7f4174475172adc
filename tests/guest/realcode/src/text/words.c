/* A source in a subdirectory, K&R style. */
#include <ctype.h>
#include <realcode.h>
#include "../../stdlib.h"

int text_count_words(s)
    char *s;
{
    int n = 0, in = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s))
            in = 0;
        else if (!in)
            in = 1, n++;
    }
    return n;
}

int app_stdlib_marker()
{
    return 42;
}
