/* Exit status reaches the host: "exit N" calls exit(N), "return N" returns N
 * from main, "atexit" checks that atexit handlers run before the exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bye(void)
{
    printf("atexit handler ran\n");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: exit_code exit|return|atexit N\n");
        return 2;
    }
    int code = atoi(argv[2]);
    atexit(bye);
    printf("leaving with %s %d\n", argv[1], code);
    if (strcmp(argv[1], "exit") == 0)
        exit(code);
    return code;
}
