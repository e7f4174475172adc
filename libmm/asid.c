/* ASIDs for address spaces (mm/space.h): each address space gets an ASID
 * when it first runs, so switching to it needs no TLB flush.  ASIDs are
 * handed out in order; a fresh one flushes the whole TLB once (entries of
 * an earlier owner of that number may linger), and when they run out a new
 * generation starts: every space gets a new ASID on its next switch.  With
 * no ASID bits every switch flushes.
 *
 * Locking: one hart; called by the scheduler with interrupts off. */
#include <arch/mmu.h>

#include <mm/space.h>

#include "mm_internal.h"
#include "vm_internal.h"

#define ASID_NUMBER_MASK    ((U64(1) << SATP_ASID_BITS) - 1)

/* Set once at boot by mm_asid_init; then changed only by mm_satp. */
static uint64 asid_max;             /* the largest ASID; 0: none */
static uint64 asid_generation = 1;
static uint64 asid_next = 1;        /* ASID 0 is the boot table's */

/* Contract in mm/space.h. */
void mm_asid_init(unsigned bits)
{
    asid_max = bits ? (U64(1) << (bits > SATP_ASID_BITS ? SATP_ASID_BITS : bits)) - 1 : 0;
}

/* A new ASID for mm in this generation (starting a new one when they ran
 * out). */
static void asid_assign(struct mm *mm)
{
    if (asid_next > asid_max) {
        asid_generation++;
        asid_next = 1;
    }
    mm->asid = (asid_generation << SATP_ASID_BITS) | asid_next++;
}

/* Contract in mm/space.h.  The satp value is kept in mm while its ASID
 * is of the current generation. */
uint64 mm_satp(struct mm *mm, int *flush)
{
    if (asid_max == 0) {
        *flush = 1;
        return MAKE_SATP(virt_to_phys((uint64)mm->pt));
    }
    *flush = 0;
    if (mm->asid >> SATP_ASID_BITS != asid_generation) {
        asid_assign(mm);
        mm->satp = MAKE_SATP_ASID(virt_to_phys((uint64)mm->pt), mm->asid & ASID_NUMBER_MASK);
        *flush = 1;
    }
    return mm->satp;
}
