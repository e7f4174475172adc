"""`scons bench`: benchmark images under qemu -icount shift=0, where rdinstret
counts retired instructions exactly.  Each figure is printed beside its
reference from the same run and its target from DESIGN.md, with a status.
Results go to build/bench/ (OUTPUTS: results.{md,csv} and the plots);
`scons bench-docs` copies results.md's table into docs/benchmarks.md."""
import csv
import math
import os
import re
import time

from capsule import qemu

BENCH_RE = re.compile(r'^BENCH (\S+) (\d+)\s*$', re.M)
RAM_SIZES = ['128M', '1G', '4G']
RUN_TIMES = 11          # whole-process runs of each image, interleaved, for wall time (median)
# -icount shift=0 with sleep=off: an idle hart does not let real time into the
# virtual clock (it jumps to the next timer deadline), so every count --
# OpenSBI's boot included -- is the same in every run.
ICOUNT = 'shift=0,sleep=off'
KALLOC_SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384]
MMAP_VMAS = [10, 100, 1000, 10000]
PROC_MEM = '3G'         # the process bench touches 1 GiB and copies it eagerly beside
PROC_SIZES = [('1m', '1 MiB'), ('64m', '64 MiB'), ('1g', '1 GiB')]
FILES_MEM = '256M'      # the file bench holds a 16 MiB file and two 16 MiB buffers
MALLOC_WORKLOADS = ['churn', 'many_small', 'realloc_growth', 'producer_consumer']
# Real programs (tests/bench/<name>, program.h), each linked with both mallocs.
PROGRAMS = [('bigcalc', 'big-integer expression evaluator'),
            ('treemap', 'treap symbol table and graph, non-LIFO frees'),
            ('textproc', 'text processor growing strings with realloc')]
MALLOCS = ('libmm', 'newlib')
PLOTS = ['kalloc_by_size.png', 'mm_init_by_ram.png', 'mmap_by_vmas.png']
OUTPUTS = ['results.md', 'results.csv'] + PLOTS     # every file a run writes, in build/bench/
DOCS_MARKER = '<!-- results -->'


def _boot(elf, mem='128M', timeout=120, args='', output=None):
    """Boot a benchmark image under -icount; returns its BENCH figures and wall
    time (and appends its console output to the list output, when given)."""
    cmd = qemu.command(elf=elf, mem=mem, icount=ICOUNT, args=args)
    status, out, secs = qemu.run(cmd, elf=elf, timeout=timeout, echo=False)
    if status != 0:
        raise RuntimeError('benchmark %s exited %d:\n%s' % (elf, status, out[-3000:]))
    if output is not None:
        output.append(out)
    return {k: int(v) for k, v in BENCH_RE.findall(out)}, secs


def _program_output(name, out):
    """A real program's lines between '<name>: begin' and '<name>: end'."""
    m = re.search(r'^%s: begin\s*$(.*?)^%s: end\s*$' % (name, name), out, re.M | re.S)
    return m.group(1).strip().splitlines() if m else None


def _measure_programs(images, f, wall):
    """Boot each real program twice with each malloc; returns whether the
    counts were identical.  f gets <malloc>_<name>_{instr,peak_kib} and
    <name>_same_output (1 when both mallocs printed the same lines)."""
    repeatable = True
    for name, _ in PROGRAMS:
        lines = {}
        for m in MALLOCS:
            key = 'prog_%s_%s' % (name, m)
            outs = []
            first, wall[key] = _boot(images[key], output=outs)
            second, _ = _boot(images[key])
            repeatable &= first == second
            f.update({'%s_%s' % (m, k): v for k, v in first.items()})
            lines[m] = _program_output(name, outs[0])
        f['%s_same_output' % name] = int(lines['libmm'] is not None and lines['libmm'] == lines['newlib'])
    return repeatable


def _wall_interleaved(cmds, runs=RUN_TIMES):
    """Wall times of whole QEMU processes (not under -icount), the commands
    run in turn runs times (so a busy moment of the machine hits both):
    {name: sorted list of seconds}."""
    times = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            status, out, secs = qemu.run(cmd, timeout=60, echo=False)
            if status != 0:
                raise RuntimeError('%s exited %d' % (' '.join(cmd), status))
            times[name].append(secs)
    return {name: sorted(t) for name, t in times.items()}


def _median(xs):
    return xs[len(xs) // 2]


def measure(images, empty_payload):
    """Run every benchmark; returns (figures dict, wall-clock dict)."""
    f, wall = {}, {}
    repeatable = True
    runs = [('alloc', '', ''), ('vm', '', ''), ('time', '', '')]
    runs += [('malloc_' + m, m + '_', '%s %s' % (w, kind))
             for m in ('libmm', 'newlib') for w in MALLOC_WORKLOADS for kind in ('instr', 'peak')]
    runs += [('syscall', 'supervisor_', ''), ('syscall_user', 'user_', '')]
    runs += [('malloc_libmm_user', 'user_libmm_', '%s instr' % w) for w in MALLOC_WORKLOADS]
    for name, prefix, args in runs:
        first, secs = _boot(images[name], args=args)
        second, _ = _boot(images[name], args=args)
        wall[name] = wall.get(name, 0) + secs
        repeatable &= first == second
        f.update({prefix + k: v for k, v in first.items()})
    repeatable &= _measure_programs(images, f, wall)
    first, wall['proc'] = _boot(images['proc'], mem=PROC_MEM, timeout=600)
    second, _ = _boot(images['proc'], mem=PROC_MEM, timeout=600)
    repeatable &= first == second
    f.update({'proc_' + k: v for k, v in first.items()})
    first, wall['files'] = _boot(images['files'], mem=FILES_MEM)
    second, _ = _boot(images['files'], mem=FILES_MEM)
    repeatable &= first == second
    f.update({'files_' + k: v for k, v in first.items()})
    for mem in RAM_SIZES:
        got, wall['boot_' + mem] = _boot(images['boot'], mem=mem)
        again, _ = _boot(images['boot'], mem=mem)
        repeatable &= got == again
        f['mm_init_' + mem] = got['mm_init']
        f['firmware_boot_' + mem] = got['firmware_boot']
    f['repeatable'] = int(repeatable)
    f['hello_bin_bytes'] = os.path.getsize(images['hello_bin'])
    runs = _wall_interleaved({'hello': qemu.command(elf=images['hello']),
                              'empty': qemu.command(elf=empty_payload)})
    f['wall_runs'] = runs
    wall['hello_run'], wall['empty_run'] = _median(runs['hello']), _median(runs['empty'])
    return f, wall


def rows(f, wall):
    """(figure, value, reference, reference value, target, met?) rows."""
    fast = max(f['kalloc_pair_%d' % s] for s in (16, 32, 64, 128, 256))
    r = [
        ('order-0 page alloc+free, warm (instr.)', f['page_order0_pair'], 'xv6-style free list + lock',
         f['xv6_freelist_pair'], '<= 40', f['page_order0_pair'] <= 40),
        ('  of which: page_alloc(0) alone, page_free alone (the rest: the calls and the loop)',
         f['page_order0_alloc'], 'page_free', f['page_order0_free'], '-', None),
        ('order-9 (2 MiB) alloc+free (instr.)', f['page_order9_pair'], 'xv6-style free list + lock (one page)',
         f['xv6_freelist_pair'], '-', None),
        ('kalloc+kfree 16..256 B, fast path, max (instr.)', fast, '-', '', '<= 30', fast <= 30),
        ('  of which: kalloc(64) alone, kfree alone (the rest: the calls and the loop)', f['kalloc_64'],
         'kfree', f['kfree_64'], '-', None),
        ('kalloc+kfree worst case after fragmentation (instr.)', f['kalloc_fragmented_worst'],
         'fast path', fast, '<= 3x fast path (%d)' % (3 * fast), f['kalloc_fragmented_worst'] <= 3 * fast),
    ]
    for s in KALLOC_SIZES:
        r.append(('kalloc+kfree %d B (instr.)' % s, f['kalloc_pair_%d' % s], '-', '', '-', None))
    for mem in RAM_SIZES:
        r.append(('libmm init, %s RAM (instr.)' % mem, f['mm_init_' + mem], "OpenSBI's own boot",
                  f['firmware_boot_' + mem], '<= 250000', f['mm_init_' + mem] <= 250000))
    r.append(('hello image .bin (bytes)', f['hello_bin_bytes'], '-', '', '<= 131072',
              f['hello_bin_bytes'] <= 131072))
    runs = f['wall_runs']
    ratio = wall['hello_run'] / wall['empty_run']
    spread = lambda xs: '%.3f (%.3f..%.3f)' % (_median(xs), xs[0], xs[-1])    # noqa: E731
    r.append(('hello: whole QEMU run (s, median (min..max) of %d, interleaved; not exact: wall time)' % RUN_TIMES,
              spread(runs['hello']), 'empty payload', spread(runs['empty']), '<= 1.2x (%.2fx)' % ratio,
              ratio <= 1.2))
    r.append(('instruction counts identical in two runs (every count in this table, OpenSBI\'s boot included; '
              'not the wall times)', 'yes' if f['repeatable'] else 'NO', '-', '', 'yes', bool(f['repeatable'])))
    r += _vm_rows(f) + _proc_rows(f) + _files_rows(f) + _time_rows(f) + _malloc_rows(f) + _program_rows(f) + _priv_rows(f)
    return r


def _proc_rows(f):
    """tests/bench/proc: fork+exit+wait beside an eager (xv6-style) copy of the
    same memory, pipe ping-pong, context switches."""
    p = lambda k: f['proc_' + k]
    r = [('fork + child _exit + waitpid, minimal process (instr.)', p('fork_exit_wait_min'), '-', '',
          '<= 30000', p('fork_exit_wait_min') <= 30000)]
    for key, size in PROC_SIZES:
        eager = p('eager_copy_%s_4k' % key)
        for leaf, label in (('4k', '4 KiB pages'), ('2m', '2 MiB leaves')):
            if 'fork_exit_wait_%s_%s' % (key, leaf) not in {k[5:] for k in f if k.startswith('proc_')}:
                continue
            per = p('fork_per_%s_%s' % ('4k_pte' if leaf == '4k' else '2m_leaf', key))
            r.append(('fork + _exit + waitpid, parent touched %s (%s; %d per %s)' %
                      (size, label, per, 'PTE' if leaf == '4k' else 'leaf'),
                      p('fork_exit_wait_%s_%s' % (key, leaf)), 'eager copy of the same memory (xv6 fork)',
                      eager, '-', None))
    r += [
        ('pipe ping-pong round trip, two processes (instr.)', p('pipe_pingpong'), '-', '', '<= 1500',
         p('pipe_pingpong') <= 1500),
        ('context switch (sched_yield), ASIDs (%d bits), no TLB flush' % p('asid_bits'), p('switch_no_flush'),
         'with a full TLB flush', p('switch_flush'), '-', None),
    ]
    return r


def _files_rows(f):
    """tests/bench/files: read() of 16 MiB beside memcpy of 16 MiB (the
    limit), and the first touch of a file mapping's page beside the
    anonymous demand-zero fault of the same run (docs/files.md)."""
    g = lambda k: f['files_' + k]
    zero = g('fault_anon_demand_zero')
    return [
        ('read() of a 16 MiB file into a buffer (instr.)', g('file_read_16m'), 'memcpy of 16 MiB',
         g('memcpy_16m'), '-', None),
        ('write() of 16 MiB over a file (instr.)', g('file_write_16m'), 'memcpy of 16 MiB',
         g('memcpy_16m'), '-', None),
        ('file mapping fault, MAP_SHARED read (page in the cache)', g('fault_file_shared_read'),
         'anonymous demand-zero fault', zero, '-', None),
        ('file mapping fault, MAP_SHARED write', g('fault_file_shared_write'), 'anonymous demand-zero fault',
         zero, '-', None),
        ('file mapping fault, MAP_PRIVATE write (copies the page)', g('fault_file_private_write'),
         'anonymous demand-zero fault', zero, '-', None),
    ]


def _time_rows(f):
    how = 'Sstc stimecmp' if f['timer_has_sstc'] else 'SBI set_timer'
    return [
        ('clock_gettime(CLOCK_MONOTONIC) (instr., no trap)', f['clock_gettime_monotonic'], 'trap round trip',
         f['trap_roundtrip'], '<= 50', f['clock_gettime_monotonic'] <= 50),
        ('clock_gettime(CLOCK_REALTIME) (instr.)', f['clock_gettime_realtime'], 'trap round trip',
         f['trap_roundtrip'], '<= 50', f['clock_gettime_realtime'] <= 50),
        ('timer interrupt round trip: program a due deadline, take the interrupt, run the event (%s)' % how,
         f['timer_interrupt_roundtrip'], 'program + cancel a far deadline, no interrupt',
         f['timer_program_cancel'], '-', None),
    ]


def _vm_rows(f):
    ref = f['trap_roundtrip'] + f['page_zero_4k']
    ref_name = 'trap round trip %d + 4 KiB zero %d' % (f['trap_roundtrip'], f['page_zero_4k'])
    r = [
        ('demand-zero fault (write to an untouched page)', f['fault_demand_zero'], ref_name, ref,
         '<= 900', f['fault_demand_zero'] <= 900),
        ('read fault mapping the shared zero page', f['fault_zero_page_read'], 'trap round trip',
         f['trap_roundtrip'], '-', None),
        ('copy-on-write fault of the zero page (first write after a read)',
         f['fault_zero_page_first_write'], ref_name, ref, '<= 1550', f['fault_zero_page_first_write'] <= 1550),
    ]
    cow_ref = f['trap_roundtrip'] + f['page_alloc_free'] + f['page_copy_4k']
    r += [
        ('copy-on-write fault copying a page shared by uvmcopy', f['fault_cow_copy'],
         'trap %d + page alloc/free %d + 4 KiB copy %d' % (f['trap_roundtrip'], f['page_alloc_free'],
                                                          f['page_copy_4k']),
         cow_ref, '<= 1550', f['fault_cow_copy'] <= 1550),
        ('copy-on-write fault, sole owner (frame reused)', f['fault_cow_reuse'], 'trap round trip',
         f['trap_roundtrip'], '<= 250', f['fault_cow_reuse'] <= 250),
        ('uvmcopy (fork page-table copy) per 4 KiB PTE', f['uvmcopy_per_4k_pte'], '-', '', '<= 8',
         f['uvmcopy_per_4k_pte'] <= 8),
        ('uvmcopy per 2 MiB leaf', f['uvmcopy_per_2m_leaf'], '-', '', '<= 20', f['uvmcopy_per_2m_leaf'] <= 20),
    ]
    base = f['mmap_munmap_64k_at_10']
    for n in MMAP_VMAS:
        v = f['mmap_munmap_64k_at_%d' % n]
        if n == 10:
            r.append(('mmap+munmap 64 KiB, %d VMAs' % n, v, '-', '', '<= 400', v <= 400))
            r.append(('  of which: mmap alone, munmap alone (the rest: the calls and the loop)',
                      f['mmap_64k_at_10'], 'munmap', f['munmap_64k_at_10'], '-', None))
        else:
            per = (v - base) / math.log2(n / 10)
            r.append(('mmap+munmap 64 KiB, %d VMAs' % n, v, '10 VMAs', base,
                      '<= +40 per doubling (%+.0f)' % per, per <= 40))
    for k in (1, 16, 512):
        v = f['sfence_per_munmap_%d' % k]
        r.append(('sfence.vma per munmap of %d touched pages' % k, v, '-', '', '<= 1', v <= 1))
    return r


def _malloc_rows(f):
    r = []
    for w in MALLOC_WORKLOADS:
        mine, theirs = f['libmm_malloc_%s_instr' % w], f['newlib_malloc_%s_instr' % w]
        ratio = theirs / mine
        r.append(('malloc %s: instructions, malloc=libmm' % w, mine, 'malloc=newlib', theirs,
                  '>= 1.5x fewer (%.2fx)' % ratio, ratio >= 1.5))
        mine, theirs = f['libmm_malloc_%s_peak_kib' % w], f['newlib_malloc_%s_peak_kib' % w]
        ratio = mine / theirs if theirs else float('inf')
        r.append(('malloc %s: peak memory KiB, malloc=libmm' % w, mine, 'malloc=newlib', theirs,
                  '<= 1.1x (%.2fx)' % ratio, ratio <= 1.1))
    return r


def _priv_rows(f):
    """priv=user beside priv=supervisor: the same POSIX code (tests/bench/
    syscall, tests/bench/malloc) built both ways."""
    call = f['user_null_syscall_getpid']
    r = [('null system call (getpid) round trip, priv=user (instr.)', call, 'priv=supervisor (a call)',
          f['supervisor_null_syscall_getpid'], '<= 150', call <= 150)]
    for key, what in (('clock_gettime', 'clock_gettime(CLOCK_MONOTONIC)'),
                      ('fault_demand_zero', 'demand-zero fault taken by the app'),
                      ('mmap_munmap_64k', 'mmap+munmap 64 KiB')):
        r.append(('%s, priv=user (instr.)' % what, f['user_' + key], 'priv=supervisor',
                  f['supervisor_' + key], '-', None))
    for w in MALLOC_WORKLOADS:
        mine, theirs = f['user_libmm_malloc_%s_instr' % w], f['libmm_malloc_%s_instr' % w]
        ratio = mine / theirs
        r.append(('malloc %s: instructions, priv=user' % w, mine, 'priv=supervisor', theirs,
                  '<= 1.05x (%.3fx)' % ratio, ratio <= 1.05))
    return r


def _program_rows(f):
    """The real programs: instructions and peak resident memory with each
    malloc, and whether both printed the same."""
    r = []
    for name, what in PROGRAMS:
        mine, theirs = f['libmm_%s_instr' % name], f['newlib_%s_instr' % name]
        ratio = theirs / mine
        r.append(('%s (%s): instructions, malloc=libmm' % (name, what), mine, 'malloc=newlib', theirs,
                  '>= 1.3x fewer (%.2fx)' % ratio, ratio >= 1.3))
        a_mine, a_theirs = f['libmm_%s_alloc_instr' % name], f['newlib_%s_alloc_instr' % name]
        r.append(('%s: of those, inside malloc/realloc/free, malloc=libmm' % name, a_mine, 'malloc=newlib',
                  a_theirs, '- (%.2fx; %.0f%% of the run with newlib)' % (a_theirs / a_mine, 100.0 * a_theirs / theirs),
                  None))
        mine, theirs = f['libmm_%s_peak_kib' % name], f['newlib_%s_peak_kib' % name]
        ratio = mine / theirs if theirs else float('inf')
        r.append(('%s: peak resident KiB, malloc=libmm' % name, mine, 'malloc=newlib', theirs,
                  '<= 1.1x (%.2fx)' % ratio, ratio <= 1.1))
        mine, theirs = f['libmm_%s_held_kib' % name], f['newlib_%s_held_kib' % name]
        r.append(('%s: resident KiB after freeing everything, malloc=libmm' % name, mine, 'malloc=newlib', theirs,
                  '<= +16 KiB (%+d)' % (mine - theirs), mine - theirs <= 16))
        same = f['%s_same_output' % name]
        r.append(('%s: output with malloc=libmm' % name, 'same' if same else 'DIFFERENT', 'malloc=newlib', '',
                  'same', bool(same)))
    return r


def _status(met):
    return '-' if met is None else ('met' if met else 'not yet')


def write(rows_, wall, outdir):
    """results.csv and results.md (the table) in outdir; returns the table."""
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'results.csv'), 'w', newline='') as fh:
        w = csv.writer(fh)
        w.writerow(['figure', 'value', 'reference', 'reference value', 'target', 'status'])
        for row in rows_:
            w.writerow(list(row[:5]) + [_status(row[5])])
    lines = ['| figure | value | reference | reference value | target | status |',
             '|---|---|---|---|---|---|']
    lines += ['| %s | %s | %s | %s | %s | %s |' % (tuple(row[:5]) + (_status(row[5]),)) for row in rows_]
    lines += ['', 'Wall time of each benchmark QEMU run (s; not exact, the machine is shared): ' +
              ', '.join('%s %.2f' % (k, v) for k, v in sorted(wall.items()))]
    table = '\n'.join(lines) + '\n'
    with open(os.path.join(outdir, 'results.md'), 'w') as fh:
        fh.write(table)
    return table


def update_docs(results_md, docs_path):
    """Replace what follows DOCS_MARKER in docs_path with the table in
    results_md; returns False when docs_path has no marker."""
    with open(results_md) as fh:
        table = fh.read()
    with open(docs_path) as fh:
        doc = fh.read()
    if DOCS_MARKER not in doc:
        return False
    doc = doc[:doc.index(DOCS_MARKER) + len(DOCS_MARKER)] + '\n' + table
    with open(docs_path, 'w') as fh:
        fh.write(doc)
    return True


def _line_plot(plt, path, xs, ys, label, target, target_label, xlabel, ylabel, title, xscale=None):
    """One PNG: a measured curve over xs, its target curve (a value per x),
    the y axis from 0."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(xs, ys, marker='o', label=label)
    ax.plot(xs, target, color='gray', linestyle='--', label=target_label)
    if xscale:
        ax.set_xscale(**xscale)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot(f, outdir):
    """PNG plots of the scaling curves: kalloc by size, libmm init by RAM size,
    mmap+munmap by VMA count."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    _line_plot(plt, os.path.join(outdir, PLOTS[0]), KALLOC_SIZES,
               [f['kalloc_pair_%d' % s] for s in KALLOC_SIZES], 'kalloc+kfree',
               [30] * len(KALLOC_SIZES), 'target for 16..256 B (30)', 'allocation size (bytes)',
               'instructions per pair', 'kalloc+kfree cost by size (qemu -icount)', {'value': 'log', 'base': 2})
    _line_plot(plt, os.path.join(outdir, PLOTS[1]), RAM_SIZES,
               [f['mm_init_' + m] for m in RAM_SIZES], 'libmm init', [250000] * len(RAM_SIZES),
               'target (250k)', 'guest RAM', 'instructions', 'libmm initialisation by RAM size')
    _line_plot(plt, os.path.join(outdir, PLOTS[2]), MMAP_VMAS,
               [f['mmap_munmap_64k_at_%d' % n] for n in MMAP_VMAS], 'mmap+munmap 64 KiB',
               [400 + 40 * math.log2(n / 10) for n in MMAP_VMAS], 'target (400 at 10, +40 per doubling)',
               'VMAs in the address space', 'instructions per pair',
               'mmap+munmap cost by VMA count (qemu -icount)', {'value': 'log'})
