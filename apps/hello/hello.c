/* The smallest Capsule app: print a greeting and exit 0. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello from Capsule! (%s, %d argument%s)\n", argv[0], argc - 1, argc == 2 ? "" : "s");
    return 0;
}
