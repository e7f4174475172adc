/* <sys/dirent.h>, which newlib's <dirent.h> includes and leaves to the
 * system (newlib's own stops the build with "not supported"): struct dirent
 * as Linux's, and the DIR that opendir gives (libc_glue/dirent.c). */
#ifndef CAPSULE_SYS_DIRENT_H
#define CAPSULE_SYS_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN  0
#define DT_FIFO     1
#define DT_CHR      2
#define DT_DIR      4
#define DT_BLK      6
#define DT_REG      8
#define DT_LNK      10
#define DT_SOCK     12

struct dirent {
    ino_t           d_ino;
    off_t           d_off;          /* the position of the next entry (telldir's) */
    unsigned short  d_reclen;
    unsigned char   d_type;         /* DT_DIR or DT_REG */
    char            d_name[256];
};

typedef struct capsule_dir DIR;

#endif
