/* Not public: the system-call numbers, Linux's for RISC-V (the asm-generic
 * table, include/uapi/asm-generic/unistd.h), so the ABI is the familiar
 * one: number in a7, arguments in a0..a5, result in a0 (a negative errno on
 * failure).  Shared by the table (syscall.c) and the wrappers (wrap/).
 * SYS_capsule_* are Capsule's own, from 500 (above every number Linux gives RISC-V). */
#ifndef LIBC_GLUE_SYSNUM_H
#define LIBC_GLUE_SYSNUM_H

#define SYS_getcwd              17
#define SYS_dup                 23
#define SYS_dup3                24
#define SYS_fcntl               25
#define SYS_mkdirat             34
#define SYS_unlinkat            35
#define SYS_linkat              37
#define SYS_truncate            45
#define SYS_ftruncate           46
#define SYS_faccessat           48
#define SYS_chdir               49
#define SYS_fchdir              50
#define SYS_openat              56
#define SYS_close               57
#define SYS_pipe2               59
#define SYS_lseek               62
#define SYS_getdents64          61
#define SYS_read                63
#define SYS_write               64
#define SYS_pread64             67
#define SYS_pwrite64            68
#define SYS_newfstatat          79
#define SYS_fstat               80
#define SYS_fsync               82
#define SYS_fdatasync           83
#define SYS_exit                93
#define SYS_exit_group          94
#define SYS_nanosleep           101
#define SYS_clock_settime       112
#define SYS_clock_gettime       113
#define SYS_clock_getres        114
#define SYS_clock_nanosleep     115
#define SYS_sched_yield         124
#define SYS_kill                129
#define SYS_times               153
#define SYS_getrusage           165
#define SYS_umask               166
#define SYS_gettimeofday        169
#define SYS_getpid              172
#define SYS_getppid             173
#define SYS_brk                 214
#define SYS_munmap              215
#define SYS_mremap              216
#define SYS_clone               220
#define SYS_mmap                222
#define SYS_mprotect            226
#define SYS_msync               227
#define SYS_madvise             233
#define SYS_wait4               260
#define SYS_renameat2           276
/* Capsule's own: the app side's questions to the libOS. */
#define SYS_capsule_isatty      500     /* (fd): 1, or -ENOTTY / -EBADF */
#define SYS_capsule_alarm       501     /* (seconds): the seconds left of the previous alarm */
#define SYS_capsule_sysconf     502     /* (name): sysconf's answer, or -EINVAL */
#define SYS_capsule_pause       503     /* (): waits for a signal handler: -EINTR */
#define SYS_capsule_report      504     /* (message, len, status): a report, then the end */
#define SYS_capsule_info        505     /* (what): a number for tests (free frames, ...) */
#define SYS_capsule_readable    506     /* (addr): whether the app may read the word there */
#define SYS_capsule_commit_ok   507     /* (bytes): whether the heap may take that much more */
#define NR_SYSCALLS             508

#endif
