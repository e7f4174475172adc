/* <sys/resource.h> for Capsule: newlib 3.3's struct rusage has only the two
 * times, so this header replaces it (same include guard) with Linux's
 * layout, where programs find ru_maxrss (the peak resident memory, KiB). */
#ifndef _SYS_RESOURCE_H_
#define _SYS_RESOURCE_H_

#include <sys/time.h>

#define RUSAGE_SELF     0       /* the calling process */
#define RUSAGE_CHILDREN (-1)    /* its terminated children (none yet: zeros) */

struct rusage {
    struct timeval ru_utime;    /* user CPU time: time the hart was not idle */
    struct timeval ru_stime;    /* system CPU time: 0 (not told apart) */
    long ru_maxrss;             /* peak resident memory, KiB */
    long ru_ixrss;              /* the rest: 0, as on Linux */
    long ru_idrss;
    long ru_isrss;
    long ru_minflt;
    long ru_majflt;
    long ru_nswap;
    long ru_inblock;
    long ru_oublock;
    long ru_msgsnd;
    long ru_msgrcv;
    long ru_nsignals;
    long ru_nvcsw;
    long ru_nivcsw;
};

int getrusage(int who, struct rusage *usage);

#endif
