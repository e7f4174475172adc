/* arch_semihost (arch/semihost.h): the semihosting trap.  The host
 * recognises an ebreak between "slli zero, zero, 0x1f" and "srai zero, zero,
 * 7", uncompressed and in one page: the three sit 16-byte aligned. */
    .section .text.arch_semihost, "ax"
    .globl arch_semihost
    .balign 16
    .option push
    .option norvc
arch_semihost:
    slli    zero, zero, 0x1f
    ebreak
    srai    zero, zero, 7
    ret
    .option pop
