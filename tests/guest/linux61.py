"""Where the reference Linux (Debian's 6.1, docs/linux.md) answers a
differential case's row differently from the newer Linux Capsule follows
(the host's, against which the rows were written): for each case's app,
(the row as riscv64 Linux 6.1 prints it, the row as the newer Linux prints
it, why).  `scons test os=both` accepts exactly these rows from 6.1 in the
newer form; any other difference fails the case."""

LINUX61_ROWS = {
    'tests/guest/posix_mman': [
        ('mremap grow to 2^62 bytes: MAP_FAILED ENOMEM',
         'mremap grow to 2^62 bytes: MAP_FAILED EINVAL',
         'newer kernels refuse a length beyond the user address space (EINVAL); 6.1 does not check it and fails to grow (ENOMEM)'),
        ('mremap grow to 2^62 bytes in place: MAP_FAILED ENOMEM',
         'mremap grow to 2^62 bytes in place: MAP_FAILED EINVAL',
         'the same check, without MREMAP_MAYMOVE'),
        ('mremap of the grown mapping and its neighbour as one (10 pages to 12): MAP_FAILED EFAULT',
         'mremap of the grown mapping and its neighbour as one (10 pages to 12): ok',
         'newer kernels resize a range that spans two adjacent VMAs; 6.1 requires one VMA (EFAULT)'),
    ],
}
Return('LINUX61_ROWS')
