/* Not public: helpers shared by libc_glue's files. */
#ifndef LIBC_GLUE_GLUE_H
#define LIBC_GLUE_GLUE_H

/* The newlib errno for a libmm error number (MM_E*, positive). */
int errno_from_mm(int mm_error);

#endif
