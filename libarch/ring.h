/* Not public: a byte ring with one producer (an interrupt handler) and one
 * consumer (code that runs with interrupts on).  Each side writes only its
 * own index; indices run freely and wrap modulo 2^32, the size is a power
 * of two.  Portable (the host tests include it). */
#ifndef ARCH_RING_H
#define ARCH_RING_H

#include <stdint.h>

#define RING_BYTES  4096u       /* power of two */

struct ring {
    volatile uint32_t head;     /* next byte to write: the producer's */
    volatile uint32_t tail;     /* next byte to read: the consumer's */
    uint8_t           buf[RING_BYTES];
};

static inline uint32_t ring_used(const struct ring *r)
{
    return r->head - r->tail;
}

static inline int ring_full(const struct ring *r)
{
    return ring_used(r) == RING_BYTES;
}

/* Append c; returns 0, or -1 when full (nothing changes). */
static inline int ring_put(struct ring *r, uint8_t c)
{
    if (ring_full(r))
        return -1;
    r->buf[r->head % RING_BYTES] = c;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    r->head = r->head + 1;
    return 0;
}

/* The oldest byte, or -1 when empty. */
static inline int ring_get(struct ring *r)
{
    if (ring_used(r) == 0)
        return -1;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    int c = r->buf[r->tail % RING_BYTES];
    r->tail = r->tail + 1;
    return c;
}

#endif
