/* Differential: the time, sleep, rusage and input calls' error rows print
 * what Linux prints: bad arguments (EINVAL), bad pointers (EFAULT: a
 * kernel address, an address past the user half), NULL where Linux allows
 * it.  Left out where Linux itself crashes (glibc's vDSO clock_gettime,
 * gettimeofday, time and clock_getres store in user space: through a bad pointer the host
 * run would die; Capsule gives EFAULT, checked by the clocks case). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case ENOTSUP: return "ENOTSUP";
    default: return "other";
    }
}

#define TRY(label, expr) do { errno = 0; int r_ = (int)(expr); \
    printf("%s: %s %s\n", label, r_ == -1 ? "-1" : (r_ == 0 ? "0" : "value"), ename(errno)); } while (0)
#define TRY_RET(label, expr) do { int e_ = (expr); printf("%s: returns %s\n", label, ename(e_)); } while (0)

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    void *volatile kernel = (void *)(uintptr_t)0xffffffc080000000ull;
    /* past every 64-bit user half: x86-64's 47 bits, Sv39's 38 (Capsule),
     * Sv57's 56 (riscv64 Linux on QEMU's default CPU) */
    void *volatile past_user = (void *)(uintptr_t)0x0100000000000000ull;
    struct timespec ok = { 0, 1000 }, bad_ns = { 0, 1000000000 }, neg = { -1, 0 }, ts;
    printf("posix_time: begin\n");
    TRY("clock_getres(CLOCK_MONOTONIC, NULL)", clock_getres(CLOCK_MONOTONIC, NULL));
    TRY("clock_getres(12345, &ts)", clock_getres((clockid_t)12345, &ts));
    TRY("clock_gettime(12345, &ts)", clock_gettime((clockid_t)12345, &ts));
    TRY("nanosleep(NULL, NULL)", nanosleep(NULL, NULL));
    TRY("nanosleep(kernel address, NULL)", nanosleep(kernel, NULL));
    TRY("nanosleep(past the user half, NULL)", nanosleep(past_user, NULL));
    TRY("nanosleep(tv_nsec 1e9)", nanosleep(&bad_ns, NULL));
    TRY("nanosleep(tv_sec -1)", nanosleep(&neg, NULL));
    TRY("nanosleep(1 us, kernel address rem)", nanosleep(&ok, kernel));
    TRY_RET("clock_nanosleep(CLOCK_MONOTONIC, 0, kernel address)", clock_nanosleep(CLOCK_MONOTONIC, 0, kernel, NULL));
    TRY_RET("clock_nanosleep(CLOCK_MONOTONIC, 0, tv_nsec 1e9)", clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_ns, NULL));
    TRY_RET("clock_nanosleep(12345, 0, 1 us)", clock_nanosleep((clockid_t)12345, 0, &ok, NULL));
    TRY_RET("clock_nanosleep(CLOCK_MONOTONIC, 0, 1 us)", clock_nanosleep(CLOCK_MONOTONIC, 0, &ok, NULL));
    TRY("getrusage(RUSAGE_SELF, kernel address)", getrusage(RUSAGE_SELF, kernel));
    TRY("getrusage(RUSAGE_SELF, past the user half)", getrusage(RUSAGE_SELF, past_user));
    TRY("getrusage(5, &ru)", getrusage(5, &(struct rusage){ 0 }));
    struct rusage ru;
    TRY("getrusage(RUSAGE_CHILDREN, &ru)", getrusage(RUSAGE_CHILDREN, &ru));
    printf("children's ru_maxrss: %ld\n", ru.ru_maxrss);
    TRY("usleep(0)", usleep(0));
    TRY("sleep(0)", sleep(0));
    TRY("alarm(0) with none pending", alarm(0));
    TRY("read(0, kernel address, 8)", read(0, kernel, 8));
    TRY("read(0, past the user half, 8)", read(0, past_user, 8));
    char buf[8];
    TRY("read(0, buf, 8) at end of input", read(0, buf, 8));
    TRY("read(5, buf, 8)", read(5, buf, 8));
    printf("isatty(0) with input from /dev/null or a pipe: %d\n", isatty(0));
    printf("posix_time: end\n");
    return 0;
}
