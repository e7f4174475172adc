/* Executing from the direct map of RAM must fault (RW, never X): a page of
 * kalloc'd memory holding a valid "ret" is jumped to and must not run. */
#include <stdio.h>

#include <mm/kalloc.h>

#define RISCV_RET 0x00008067u   /* jalr x0, 0(ra) */

int main(void)
{
    unsigned int *code = kalloc(4096);
    code[0] = RISCV_RET;
    printf("jumping to the direct map at %p\n", (void *)code);
    fflush(stdout);
    ((void (*)(void))code)();
    printf("the direct map is executable!\n");
    return 0;
}
