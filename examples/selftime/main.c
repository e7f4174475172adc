/* A program that measures itself: reads n from stdin, counts the primes up
 * to n, and prints the time it took, its CPU time and its peak memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

int main(void)
{
    int n;
    if (scanf("%d", &n) != 1)           /* from stdin: printf '200000\n' | scons app=... run */
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *sieve = calloc(n + 1, 1);
    int primes = 0;
    for (long i = 2; i <= n; i++)
        if (!sieve[i] && ++primes)
            for (long j = i * i; j <= n; j += i)
                sieve[j] = 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%d primes up to %d in %.3f ms, CPU %.3f s, peak memory %ld KiB\n", primes, n,
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
           clock() / (double)CLOCKS_PER_SEC, ru.ru_maxrss);
    return 0;
}
