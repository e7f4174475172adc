/* A NULL dereference in the app must end it with a fault report naming the
 * NULL access, a symbolized backtrace, and exit status 139. */
#include <stdio.h>

__attribute__((noinline)) static int read_through(volatile int *p)
{
    return *p;
}

__attribute__((noinline)) int deref_caller(volatile int *p)
{
    return read_through(p) + 1;
}

int main(void)
{
    printf("about to dereference NULL\n");
    fflush(stdout);
    int v = deref_caller((volatile int *)0);
    printf("still alive: %d\n", v);     /* must not be reached */
    return 0;
}
