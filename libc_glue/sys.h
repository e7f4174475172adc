/* Not public: the libOS side of every system call.  Each body is a plain
 * function with Linux's name and argument order that returns its result or
 * a negative errno (newlib's numbering, which is Linux's for every errno a
 * body returns), and takes app pointers only through user.h's checked
 * copies.  The newlib-facing entry points (wrap/) are thin wrappers: they
 * call a body directly in priv=supervisor and through the syscall table
 * (syscall.c, numbers in sysnum.h) by ecall in priv=user. */
#ifndef LIBC_GLUE_SYS_H
#define LIBC_GLUE_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stat;
struct timespec;
struct timeval;
struct tms;
struct rusage;

/* descriptors (syscalls.c, fd.c; openat, unlinkat, linkat, newfstatat: fs_calls.c) */
long sys_read(int fd, void *buf, size_t n);
long sys_write(int fd, const void *buf, size_t n);
long sys_close(int fd);
long sys_dup(int oldfd);
long sys_dup3(int oldfd, int newfd, int flags);
long sys_pipe2(int *fds, int flags);
long sys_fstat(int fd, struct stat *st);
long sys_lseek(int fd, off_t offset, int whence);
long sys_openat(int dirfd, const char *path, int flags, int mode);
long sys_unlinkat(int dirfd, const char *path, int flags);
long sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
long sys_newfstatat(int dirfd, const char *path, struct stat *st, int flags);
long sys_capsule_isatty(int fd);
long sys_fcntl(int fd, int cmd, long arg);

/* the file system (fs_calls.c; docs/files.md) */
long sys_pread64(int fd, void *buf, size_t len, off_t off);
long sys_pwrite64(int fd, const void *buf, size_t len, off_t off);
long sys_faccessat(int dirfd, const char *path, int amode, int flags);
long sys_mkdirat(int dirfd, const char *path, mode_t mode);
long sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);
long sys_truncate(const char *path, off_t length);
long sys_ftruncate(int fd, off_t length);
long sys_fsync(int fd);
long sys_fdatasync(int fd);
long sys_chdir(const char *path);
long sys_fchdir(int fd);
long sys_getcwd(char *buf, size_t size);
long sys_umask(mode_t mask);
long sys_getdents64(int fd, void *buf, size_t len);

/* memory (syscalls.c, mman.c) */
long sys_brk(unsigned long addr);
long sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
long sys_munmap(void *addr, size_t length);
long sys_mprotect(void *addr, size_t length, int prot);
long sys_madvise(void *addr, size_t length, int advice);
long sys_msync(void *addr, size_t length, int flags);
long sys_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address);

/* processes (process.c, signal.c, sched.c) */
long sys_exit(int status) __attribute__((noreturn));
long sys_exit_group(int status) __attribute__((noreturn));
long sys_clone(unsigned long flags, void *stack, void *parent_tid, void *tls, void *child_tid);
long sys_wait4(pid_t pid, int *status, int options, struct rusage *ru);
long sys_getpid(void);
long sys_getppid(void);
long sys_kill(pid_t pid, int sig);
long sys_sched_yield(void);

/* time (time.c) */
long sys_clock_gettime(clockid_t id, struct timespec *tp);
long sys_clock_getres(clockid_t id, struct timespec *res);
long sys_clock_settime(clockid_t id, const struct timespec *tp);
long sys_gettimeofday(struct timeval *tv, void *tz);
long sys_times(struct tms *buf);
long sys_getrusage(int who, struct rusage *usage);
long sys_nanosleep(const struct timespec *req, struct timespec *rem);
long sys_clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem);
long sys_capsule_alarm(unsigned seconds);
long sys_capsule_pause(void);

/* the system (sysconf.c, syscall.c) */
long sys_capsule_sysconf(int name);
long sys_capsule_report(const char *message, size_t len, int status);
long sys_capsule_info(int what);
long sys_capsule_readable(const void *addr);
long sys_capsule_commit_ok(size_t bytes);

/* sys_capsule_info's questions (tests and examples read the system). */
#define CAPSULE_INFO_FREE_FRAMES    0   /* free frames, caches drained */
#define CAPSULE_INFO_ICOUNT         1   /* capsule/measure.h's capsule_icount() */
#define CAPSULE_INFO_MM_INIT_INSTRET 2  /* capsule/boot.h's capsule_mm_init_instret() */
#define CAPSULE_INFO_PEAK_RSS_RESET 3   /* capsule/measure.h's capsule_peak_rss_reset(): 0 */
#define CAPSULE_INFO_FREE_FRAMES_NOW 4  /* free frames, caches as they are */

#endif
