/* The fuzzers' stand-in for <cmocka.h>: the host support files
 * (tests/host/support) use only assert_int_equal, which here aborts; an
 * abort is a crash, which is what libFuzzer reports. */
#ifndef FUZZ_CMOCKA_SHIM_H
#define FUZZ_CMOCKA_SHIM_H

#include <stdio.h>
#include <stdlib.h>

#define assert_int_equal(a, b) do {                                                     \
        unsigned long a_ = (unsigned long)(a), b_ = (unsigned long)(b);                 \
        if (a_ != b_) {                                                                 \
            fprintf(stderr, "%s:%d: %s == %#lx, want %#lx\n", __FILE__, __LINE__, #a, a_, b_); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#endif
