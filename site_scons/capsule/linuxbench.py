"""`scons bench os=linux|both`: the POSIX forms of the benchmark figures on
Capsule and on the reference Linux (docs/linux.md) in the same run, with
the same programs under the same QEMU -icount shift=0: tests/bench/posix
(faults, mmap, munmap, fork, pipe, a null system call, malloc + free),
tests/bench/malloc's workloads and the bench's real programs (bench.PROGRAMS)
(glibc's malloc on Linux, libmm's on Capsule).  Linux runs each program twice: a figure that differs between
its two runs had a timer tick (or other kernel work) land in some samples,
and is marked so.  Writes build/bench/linux.md and linux.csv."""
import csv
import os

from capsule import bench, linux, linuxboot, qemu

OUTPUTS = ['linux.md', 'linux.csv']
MEM = '512M'            # fork of a 64 MiB parent, on both systems
# (key, figure): the rows, in the order they are printed
ROWS = [
    ('null_syscall_getppid', 'null system call (getppid)'),
    ('fault_demand_zero', 'demand-zero fault (write to an untouched page)'),
    ('fault_zero_page_read', 'read fault mapping the shared zero page'),
    ('fault_zero_page_first_write', 'first write after the zero-page read (copy of the zero page)'),
    ('fault_cow_fork', 'copy-on-write fault, page shared with a forked child'),
    ('mmap_munmap_64k', 'mmap + munmap 64 KiB'),
    ('munmap_touched_1', 'munmap of 1 touched page'),
    ('munmap_touched_16', 'munmap of 16 touched pages'),
    ('munmap_touched_512', 'munmap of 512 touched pages'),
    ('fork_exit_wait_min', 'fork + _exit + waitpid, minimal process'),
    ('fork_exit_wait_1m', 'fork + _exit + waitpid, parent touched 1 MiB'),
    ('fork_exit_wait_64m', 'fork + _exit + waitpid, parent touched 64 MiB'),
    ('fork_per_page_64m', 'fork + _exit + waitpid: per 4 KiB the parent touched (64 MiB)'),
    ('pipe_pingpong', 'pipe round trip between two processes'),
    ('malloc_free_32', 'malloc + free 32 B, warm'),
    ('malloc_free_1024', 'malloc + free 1 KiB, warm'),
] + [('malloc_%s_instr' % w, 'malloc workload %s (instructions)' % w) for w in bench.MALLOC_WORKLOADS] \
  + [('%s_instr' % name, 'program %s: %s (instructions)' % (name, what)) for name, what in bench.PROGRAMS]


def declare(env, cross, libs):
    """The nodes the comparison needs, or None for os=capsule: the Capsule
    images of tests/bench/posix and tests/bench/malloc, the same sources
    built for Linux (with tools/linux/shim), the kernel and the init."""
    from capsule import image
    lx = linux.setup(env)
    if not lx:
        return None
    shim = os.path.join(env['ROOT'], linux.SHIM_DIR)
    d = {'kernel': lx['kernel'], 'init': lx['init']}
    for name in ['posix', 'malloc'] + [p for p, _ in bench.PROGRAMS]:
        app = image.app(cross, 'tests/bench/' + name, libs)
        d['capsule_' + name] = app
        d['linux_' + name] = linux.program(env, app['srcdir'], include=[shim])
    return d


def _figures(text):
    return {k: int(v) for k, v in bench.BENCH_RE.findall(text)}


def _capsule(elf, args=''):
    status, out, _ = qemu.run(qemu.command(elf=elf, mem=MEM, icount=bench.ICOUNT, args=args), elf=elf,
                              timeout=600, echo=False)
    if status != 0:
        raise RuntimeError('benchmark %s exited %d:\n%s' % (elf, status, out[-3000:]))
    return _figures(out)


def _linux(d, app, args=''):
    status, out, _ = linuxboot.boot(str(d['kernel']), str(d['init']), str(app), os.path.basename(str(app)),
                                    os.path.dirname(str(app)), args=args, mem=MEM, icount=bench.ICOUNT,
                                    timeout=600, echo=False)
    if status != 0:
        raise RuntimeError('benchmark %s on Linux exited %d:\n%s' % (app, status, out[-3000:]))
    return _figures(out)


def measure(d):
    """(Capsule figures, Linux figures of the first run, keys whose Linux
    figure changed in the second run)."""
    cap, first, second = {}, {}, {}
    cap.update(_capsule(str(d['capsule_posix']['elf'])))
    for run in (first, second):
        run.update(_linux(d, d['linux_posix']))
    for w in bench.MALLOC_WORKLOADS:
        cap.update(_capsule(str(d['capsule_malloc']['elf']), '%s instr' % w))
        for run in (first, second):
            run.update(_linux(d, d['linux_malloc'], '%s instr' % w))
    for name, _ in bench.PROGRAMS:
        cap.update(_capsule(str(d['capsule_' + name]['elf'])))
        for run in (first, second):
            run.update(_linux(d, d['linux_' + name]))
    return cap, first, {k for k in first if second.get(k) != first[k]}


def write(cap, lx, inexact, outdir):
    """linux.md and linux.csv in outdir; returns the table."""
    os.makedirs(outdir, exist_ok=True)
    rows = []
    for key, figure in ROWS:
        c, l = cap.get(key), lx.get(key)
        ratio = '%.2f' % (l / c) if c and l is not None else '-'
        rows.append((figure, c if c is not None else '-', l if l is not None else '-', ratio,
                     'no' if key in inexact else 'yes'))
    head = ('figure', 'Capsule (instr.)', 'Linux 6.1 (instr.)', 'Linux / Capsule', 'Linux same in 2 runs')
    with open(os.path.join(outdir, 'linux.csv'), 'w', newline='') as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    lines = ['| %s |' % ' | '.join(head), '|---|---|---|---|---|']
    lines += ['| %s | %s | %s | %s | %s |' % r for r in rows]
    table = '\n'.join(lines) + '\n'
    with open(os.path.join(outdir, 'linux.md'), 'w') as fh:
        fh.write(table)
    return table


def run(d, outdir):
    """Measure and write; returns the table."""
    cap, lx, inexact = measure(d)
    return write(cap, lx, inexact, outdir)
