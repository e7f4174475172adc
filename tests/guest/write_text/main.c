/* A write to the app's own code must fault (text is mapped r-x), end the app
 * with a report naming the read-only region, and exit 139. */
#include <stdio.h>

int victim(int x)
{
    return x + 1;
}

int main(void)
{
    printf("writing to the text of victim at %p\n", (void *)victim);
    fflush(stdout);
    *(volatile unsigned int *)(void *)victim = 0;
    printf("text was writable!\n");
    return 0;
}
