/* RISC-V semihosting: a call the host (QEMU with -semihosting-config
 * enable=on,target=native) carries out on the guest's behalf, such as
 * writing a host file.  Only valid when the runner enabled it: otherwise the
 * call's ebreak is a breakpoint trap that ends the run. */
#ifndef ARCH_SEMIHOST_H
#define ARCH_SEMIHOST_H

#include <stdint.h>

/* Semihosting operations (the Arm/RISC-V semihosting specification). */
#define SEMIHOST_SYS_OPEN   0x01
#define SEMIHOST_SYS_CLOSE  0x02
#define SEMIHOST_SYS_WRITE  0x05

/* SYS_OPEN's modes: fopen's "wb" (create or truncate, binary). */
#define SEMIHOST_OPEN_WB    5

/* Operation op with its argument block at args (an array of words, as the
 * operation defines); returns what the host put in a0 (SYS_OPEN: a handle
 * or -1; SYS_WRITE: the bytes NOT written; SYS_CLOSE: 0 or -1). */
long arch_semihost(long op, const uint64_t *args);

#endif
