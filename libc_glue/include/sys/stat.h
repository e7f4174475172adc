/* newlib 3.3's <sys/stat.h>, plus what programs written for Linux find
 * there and newlib declares only for some systems: lstat() (Capsule's file
 * system has no symbolic links, so it is stat()). */
#ifndef CAPSULE_SYS_STAT_H
#define CAPSULE_SYS_STAT_H

#include_next <sys/stat.h>

int lstat(const char *__restrict path, struct stat *__restrict buf);

#endif
