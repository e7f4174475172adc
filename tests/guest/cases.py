"""Guest test cases: each boots an image under QEMU and checks its console
output and exit status.  Fields: name; app (a directory built as an app);
args; boot ('elf', 'fw' or 'uboot'); mem; status (expected exit status); expect
(regexes that must all appear); reject (regexes that must not appear);
special ('out_of_tree': copy the app outside the repo and build it there;
'new_app': make a new app there as `scons new=extapp` makes one (twice: the
second must refuse), then build it so, its output after new's two lines;
'differential': also build the app with the host gcc, run it on Linux with
stdin from /dev/null, and require the guest's console lines between
'<dir name>: begin' and '<dir name>: end' to equal the host's); env (env="..."
as scons run takes it); stdin (bytes) or stdin_file (a path): forwarded as a
pipe with its end, else an empty pipe; tty ([(output marker, bytes typed)])
through a pty instead; icount (True, or QEMU's -icount value); wallclock (the
guest's 'wall clock: time() N' within a minute of the host's); symbols (names
whose address, as the ELF's symbol table has it, must be printed on a line
naming them); max_host_cpu
(seconds of host CPU QEMU may use: the hart idles); special 'gdb': the
image boots halted and gdb-multiarch runs the commands in 'gdb' in batch mode
(after sourcing 'gdb_script' when given), its output checked against
'gdb_expect' and 'gdb_reject' (regexes); special 'debug_target': `scons
app=<app> debug` with the commands in 'gdb' on its stdin, its status and its
whole output (console and gdb) checked; priv ('supervisor' or 'user': the
one mode the case runs in; without it, both -- the user-mode run's name ends
in "[priv=user]"); files (a directory of the
repository that becomes the guest's file system, as files=DIR; a
differential case's host run happens in a scratch copy of it) and
files_random ({path: bytes} of seeded pseudo-random files added to it,
generated under build/); out (True: out=DIR into build/tests/out/) with
out_expect ({path under out/: bytes, or 'files:<path>' for an input file's
bytes}) checked byte for byte on the host."""

import re

CASES = [
    dict(name='hello prints and exits 0', app='apps/hello',
         status=0, expect=[r'Hello from Capsule! \(hello, 0 arguments\)']),
    dict(name='exit(3) makes QEMU exit 3', app='tests/guest/exit_code', args='exit 3',
         status=3, expect=[r'leaving with exit 3', r'atexit handler ran']),
    dict(name='return from main gives its value', app='tests/guest/exit_code', args='return 42',
         status=42, expect=[r'leaving with return 42', r'atexit handler ran']),
    dict(name='exit status is taken modulo 256', app='tests/guest/exit_code', args='exit 257',
         status=1),
    dict(name='NULL dereference gives a fault report and 139', app='tests/guest/null_deref',
         status=139,
         expect=[r'load page fault at 0x0+: NULL pointer dereference',
                 r'#0 0x[0-9a-f]+\s+read_through at .*main\.c:\d+',
                 r'#\d 0x[0-9a-f]+\s+deref_caller at .*main\.c:\d+',
                 r'#\d 0x[0-9a-f]+\s+main at .*main\.c:\d+',
                 r'exit status 139'],
         reject=[r'still alive']),
    dict(name='args reach main', app='tests/guest/args', args='one "two words" three',
         status=0, expect=[r'argc=4', r'argv\[0\]=args', r'argv\[1\]=one', r'argv\[2\]=two words',
                           r'argv\[3\]=three']),
    dict(name='no args gives argc 1', app='tests/guest/args', status=0, expect=[r'argc=1\n']),
    dict(name='firmware image boots with -bios alone', app='apps/hello', boot='fw',
         status=0, expect=[r'Hello from Capsule!']),
    dict(name='boots with 1 GiB of RAM', app='apps/hello', mem='1G',
         status=0, expect=[r'Hello from Capsule!']),
    dict(name='out-of-tree app builds and runs', app='tests/guest/exit_code', special='out_of_tree',
         args='exit 7', status=7, expect=[r'leaving with exit 7']),
]

CASES += [
    dict(name='libmm API on QEMU: kalloc, superpages, splits, W^X, no leak', app='tests/guest/mm_api',
         status=0, expect=[r'mm_api: 0 failure\(s\)'], reject=[r'FAIL ']),
    dict(name='a write to the image text faults with 139', app='tests/guest/write_text',
         status=139, expect=[r'store page fault at 0x0*1[0-9a-f]{4}: write to read-only memory',
                             r'in app text', r'#0 0x[0-9a-f]+\s+main at'],
         reject=[r'text was writable']),
    dict(name='the direct map is not executable', app='tests/guest/exec_directmap',
         status=139, expect=[r'instruction page fault at 0xffffffc0'], reject=[r'is executable']),
]

CASES += [
    dict(name='differential: mmap family, malloc family and bad pointers print what Linux prints',
         app='tests/guest/posix_mman', special='differential',
         status=0, expect=[r'posix_mman: end', r'aligned_alloc\(3, 128\): NULL EINVAL']),
]

# Invalid accesses end the app with a report naming the fault, the address,
# the VMA and a symbolized backtrace (tests/guest/mman_faults).
def _fault(arg, kind, where, status=139, extra=()):
    return dict(name='fault report: %s' % arg, app='tests/guest/mman_faults', args=arg,
                status=status, expect=[kind, where, r'#\d 0x[0-9a-f]+\s+main at .*main\.c:\d+'] + list(extra),
                reject=[r'still alive'])


CASES += [
    _fault('write_ro', r'store page fault at 0x[0-9a-f]+: write to read-only memory',
           r'in mmap \[0x[0-9a-f]+-0x[0-9a-f]+\) r--', extra=[r'read back 42']),
    _fault('prot_none', r'load page fault at 0x[0-9a-f]+: access to PROT_NONE memory',
           r'in mmap \[0x[0-9a-f]+-0x[0-9a-f]+\) ---'),
    _fault('exec_data', r'instruction page fault at 0x[0-9a-f]+: execute of non-executable memory',
           r'in mmap \[0x[0-9a-f]+-0x[0-9a-f]+\) rw-'),
    _fault('unmapped', r'load page fault at 0x[0-9a-f]+: access to unmapped memory',
           r'no mapping \(VMA\) contains this address'),
    _fault('guard', r'load page fault at 0x0*3fff7fe000: stack overflow \(guard page\)',
           r'in stack guard \[0x3fff7fe000-0x3fff7ff000\) ---'),
    dict(name='fault report: stack overflow is named', app='tests/guest/mman_faults', args='overflow',
         status=139, expect=[r'store page fault at 0x0*3fff7fe[0-9a-f]{3}: stack overflow \(guard page\)',
                             r'in stack guard', r'#\d 0x[0-9a-f]+\s+deep at .*main\.c:\d+'],
         reject=[r'still alive']),
    _fault('leaf', r'store page fault at 0x[0-9a-f]+: write to read-only memory',
           r'#0 0x[0-9a-f]+\s+memset', extra=[r'#1 0x[0-9a-f]+\s+main at .*main\.c:\d+']),
    _fault('noncanonical', r'load page fault at 0x4141414141414151: non-canonical address',
           r'no mapping \(VMA\) contains this address'),
    _fault('bad_sscratch', r'load page fault at 0x0+8: NULL pointer dereference',
           r'no mapping \(VMA\) contains this address', extra=[r'load page fault in the app']),
    dict(name='fault report: a zeroed sscratch and a garbage sp still give a report, not a loop',
         app='tests/guest/mman_faults', args='zero_sscratch_bad_sp', status=139,
         expect=[r'load page fault at 0x0+8: NULL pointer dereference', r'sp   0000000000000010',
                 r'#0 0x[0-9a-f]+\s+main at'],
         reject=[r'still alive', r'inside the trap handler']),
    dict(name='munmap of the stack the app runs on completes; the app faults on its next access',
         app='tests/guest/mman_faults', args='unmap_stack', status=139,
         expect=[r'store page fault at 0x0*3f[0-9a-f]+: access to unmapped memory',
                 r'page fault in the app', r'#0 0x[0-9a-f]+\s+drop_own_stack at'],
         reject=[r'still alive', r'in the libOS', r'sepc 0xdeadbeef']),
    dict(name='madvise(DONTNEED) of the running stack: it reads back zeros, as on Linux',
         app='tests/guest/mman_faults', args='dontneed_stack', status=139,
         expect=[r'instruction page fault at 0x0+: NULL pointer dereference', r'fault in the app'],
         reject=[r'still alive', r'in the libOS', r'sepc 0xdeadbeef']),
    dict(name='fault report: a garbage frame pointer is not followed into device memory',
         app='tests/guest/mman_faults', args='garbage_fp', status=139,
         expect=[r'load page fault at 0x0+8: NULL pointer dereference', r'#0 0x[0-9a-f]+\s+main at'],
         reject=[r'still alive', r'inside the trap handler', r'#1 ']),
    dict(name='out of memory in a fault ends the app with 137', app='tests/guest/mman_faults', args='oom',
         status=137, expect=[r'out of memory \(no page for a fault\)', r'in mmap'],
         reject=[r'still alive']),
]

CASES += [
    dict(name='mmap layer on QEMU: console-fd errno rows, EFAULT, copies, zero page, 2 MiB, VMAs, no leak',
         app='tests/guest/mman_api', status=0, expect=[r'mman_api: 0 failure\(s\)'], reject=[r'FAIL ']),
]

CASES += [
    dict(name='uvmcopy on QEMU: copy-on-write of 4 KiB pages and shared 2 MiB leaves, no leak',
         app='tests/guest/cow_huge', status=0, expect=[r'cow_huge: 0 failure\(s\)'], reject=[r'FAIL ']),
]

# Signals the app sends itself: default actions as on Linux, with a report.
CASES += [
    dict(name='abort() reports with a backtrace and exits 134', app='tests/guest/signals', args='abort',
         status=134, expect=[r'capsule: the app was ended by SIGABRT \(signal 6\)',
                             r'#\d 0x[0-9a-f]+\s+abort_here at .*main\.c:\d+',
                             r'#\d 0x[0-9a-f]+\s+main at .*main\.c:\d+', r'exit status 134'],
         reject=[r'still alive']),
    dict(name='a failed assert prints its message and exits 134', app='tests/guest/signals', args='assert',
         status=134, expect=[r'assertion "argc == 99" failed', r'ended by SIGABRT',
                             r'#\d 0x[0-9a-f]+\s+main at'],
         reject=[r'still alive']),
    dict(name='raise(SIGTERM) says what ended the app, 143', app='tests/guest/signals', args='term',
         status=143, expect=[r'capsule: the app was ended by SIGTERM \(signal 15\)'], reject=[r'still alive']),
    dict(name="raise(SIGBUS) exits with Linux's number, 135", app='tests/guest/signals', args='bus',
         status=135, expect=[r'ended by SIGBUS \(signal 7\)'], reject=[r'still alive']),
    dict(name='kill: signal 0, EINVAL before ESRCH, ignored signals', app='tests/guest/signals', args='calls',
         status=0, expect=[r'signals: 0 failure\(s\)', r'still alive'], reject=[r'FAIL ']),
]

# Heap misuse is the allocator's to report: 134 and what went wrong, never a
# fault inside the libOS.
def _heap(arg, expect):
    return dict(name='heap misuse: %s' % arg, app='tests/guest/heap_misuse', args=arg, status=134,
                expect=expect + [r'#\d 0x[0-9a-f]+\s+main at'], reject=[r'still alive', r'page fault'])


CASES += [
    _heap('free_unmapped', [r'invalid pointer 0x[0-9a-f]+ \(not from this heap.*no memory there\)']),
    _heap('realloc_unmapped', [r'urealloc: invalid pointer']),
    _heap('usable_unmapped', [r'uusable_size: invalid pointer']),
    _heap('overflow', [r'heap corruption']),
]

# malloc when memory runs out: NULL and ENOMEM, never 137 (tests/guest/malloc_exhaust).
CASES += [
    dict(name='malloc of 1 MiB blocks on 32M ends in NULL, and all of it comes back after free',
         app='tests/guest/malloc_exhaust', mem='32M', status=0,
         expect=[r'then NULL with ENOMEM', r'malloc_exhaust: 0 failure\(s\)']),
    dict(name='malloc of 1 MiB blocks written in full on 32M ends in NULL, not a kill',
         app='tests/guest/malloc_exhaust', args='touch', mem='32M', status=0,
         expect=[r'then NULL with ENOMEM', r'malloc_exhaust: 0 failure\(s\)']),
]

# Time, sleeping, console input, the environment and long argument lists
# (tests/guest/clocks, stdin, env, posix_time).
_LONG_ARG = 'x' * 3000
_MANY_ARGS = ' '.join('a%03d' % i for i in range(300))


def _clocks(scenario, name, **kw):
    return dict(name='clocks: ' + name, app='tests/guest/clocks', args=scenario,
                status=0, expect=[r'clocks: 0 failure\(s\)'], reject=[r'FAIL '], **kw)


CASES += [
    _clocks('monotonic', 'CLOCK_MONOTONIC never goes back and advances across a busy loop'),
    _clocks('sleep', 'nanosleep(100 ms) takes 100 ms, is not CPU time; EINVAL rows; usleep; clock_nanosleep'),
    _clocks('sleep_exact', 'under -icount (sleep=off: time jumps to the deadline) nanosleep(100 ms) is exact',
            icount='shift=0,sleep=off'),
    _clocks('idle', 'sleep(2) leaves the hart idle in wfi (QEMU uses little host CPU)', max_host_cpu=1.2),
    _clocks('cpu', 'clock(), times(), CLOCK_PROCESS_CPUTIME_ID and ru_utime count work'),
    _clocks('wall', 'wall time from the goldfish RTC is within a minute of the host clock', wallclock=True),
    _clocks('rusage', 'getrusage ru_maxrss grows by the 8 MiB touched and stays a peak'),
    _clocks('alarm', 'a SIGALRM handler interrupts sleep and nanosleep (EINTR, time left)'),
    _clocks('efault', 'bad pointers to clock_gettime, clock_getres, gettimeofday, times: EFAULT'),
    dict(name='clocks: alarm() with the default action ends the app with 142', app='tests/guest/clocks',
         args='alarm_default', status=142,
         expect=[r'waiting for the alarm', r'capsule: the app was ended by SIGALRM \(signal 14\)',
                 r'capsule: exit status 142']),
    dict(name='differential: time, sleep, getrusage and read error rows print what Linux prints',
         app='tests/guest/posix_time', special='differential', status=0, expect=[r'posix_time: end']),
]

CASES += [
    dict(name='stdin: piped text arrives byte-exact, then end of file', app='tests/guest/stdin',
         stdin=b'a b\n3\n', status=0,
         expect=[r'isatty\(0\)=0', r'first bytes: 61 20 62 0a 33 0a\n', r'stdin: 6 bytes, hash 2809511038, then end of file',
                 r'read after end of file: 0']),
    dict(name='stdin: a binary file (every byte value, 0xff escaped) arrives byte-exact', app='tests/guest/stdin',
         stdin_file='tests/guest/data/all_bytes.bin', status=0,
         expect=[r'first bytes: 00 01 02 03', r'stdin: 20480 bytes, hash 9647861987017762816, then end of file']),
    dict(name='stdin: empty input is end of file at once', app='tests/guest/stdin', stdin=b'',
         status=0, expect=[r'stdin: 0 bytes, hash 0, then end of file']),
    dict(name='stdin: scanf reads piped input', app='tests/guest/stdin', args='scanf', stdin=b'word 42\n',
         status=0, expect=[r'scanf: 2 items: word 42']),
    dict(name='stdin: typed at a terminal (pty): echo, backspace, Ctrl-U, Ctrl-D, isatty',
         app='tests/guest/stdin', args='lines',
         tty=[('type:', b'abx\x7fc\r'), ('[abc]', b'one two\x15three\r'), ('[three]', b'\x04')],
         status=0, expect=[r'isatty\(0\)=1', r'abx\x08 \x08c\n\[abc\]\n', r'\n\[three\]\n', r'lines: end of file'],
         reject=[r'\[one']),
]

CASES += [
    dict(name='env="A=1 B=two": environ, getenv, setenv, unsetenv', app='tests/guest/env',
         env='A=1 B="two words"', args='p q', status=0,
         expect=[r'argc=3 ', r'environ: A=1\nenviron: B=two words\n', r'getenv\(B\)=two words getenv\(NOPE\)=\(null\)',
                 r'setenv/unsetenv: 0 0 0; C=three B=two words A=\(null\)']),
    dict(name='a 3,000-character argument arrives whole', app='tests/guest/env', args='a ' + _LONG_ARG,
         status=0, expect=[r'argc=3 longest=3000 ']),
    dict(name='300 arguments arrive whole', app='tests/guest/env', args=_MANY_ARGS,
         status=0, expect=[r'argc=301 longest=4 .* last=a299\n']),
    dict(name='boot=fw carries args and env (in the image padding)', app='tests/guest/env', boot='fw',
         env='A=1', args=_MANY_ARGS + ' ' + _LONG_ARG, status=0,
         expect=[r'argc=302 longest=3000 ', r'environ: A=1\n']),
]

# Hostile arguments with a Linux answer: pointers into read-only and PROT_NONE
# pages or running into a hole, bad pointers with zero lengths, the libOS's
# addresses given to the mmap family, wrapping breaks (tests/guest/hostile_diff).
CASES += [
    dict(name='differential: hostile pointers, lengths, libOS addresses and breaks print what Linux prints',
         app='tests/guest/hostile_diff', special='differential', status=0,
         expect=[r'hostile_diff: end', r'fstat\(1, read-only page\): -1 EFAULT',
                 r'write\(1, a page then a hole, 2 pages\): the first page: returned 4096',
                 r'sbrk\(INTPTR_MIN\): -1 ENOMEM'],
         reject=[r'capsule: ']),
]

# What a hostile app tries (tests/guest/hostile, one scenario per argument).
def _hostile(arg, expect, status=0, mem='128M', reject=()):
    return dict(name='hostile: %s%s' % (arg, '' if mem == '128M' else ' on ' + mem), app='tests/guest/hostile',
                args=arg, mem=mem, status=status, expect=expect, reject=[r'FAIL '] + list(reject))


_ALLOC_REPORT = r'#\d 0x[0-9a-f]+\s+(heap_misuse|main) at .*main\.c:\d+'
CASES += [
    _hostile('sbrk_below_start', [r'sbrk\(down to 0x10000\): -1 ENOMEM', r'hostile: 0 failure\(s\)'],
             reject=[r'capsule: ']),
    _hostile('sbrk_hole_fixed', [r'ok sbrk\(4 pages\) grows from the old break',
                                 r'ok the heap around the hole kept its bytes', r"ok the app's page kept its bytes",
                                 r'ok sbrk\(4 pages\) into a mapping 2 pages above the break: ENOMEM',
                                 r'ok sbrk\(-14 pages\): back to the start', r'hostile: 0 failure\(s\)',
                                 r'store page fault at 0x[0-9a-f]+: access to unmapped memory',
                                 r'#0 0x[0-9a-f]+\s+sbrk_hole_fixed at .*main\.c:\d+'],
             status=139, reject=[r'still alive']),
    _hostile('sbrk_heap_gone', [r'ok sbrk\(2 pages\) grows from the old break', r'ok the new heap pages are writable',
                                r"ok the app's mapping kept its bytes", r'hostile: 0 failure\(s\)'],
             reject=[r'capsule: ']),
    _hostile('sbrk_after_mprotect', [r"ok mprotect\(the heap's last page, PROT_READ\)",
                                     r'ok the new heap page is writable', r'hostile: 0 failure\(s\)'],
             reject=[r'capsule: ']),
    _hostile('double_free', [r'capsule: panic: ufree: 0x[0-9a-f]+ is already free \(a double free', _ALLOC_REPORT],
             status=134, reject=[r'page fault', r'hostile: ']),
    _hostile('free_stack', [r'capsule: panic: ufree: invalid pointer 0x0*3f[0-9a-f]+ \(not from this heap\)',
                            _ALLOC_REPORT], status=134, reject=[r'page fault', r'hostile: ']),
    _hostile('realloc_freed', [r'capsule: panic: urealloc: 0x[0-9a-f]+ is already free', _ALLOC_REPORT],
             status=134, reject=[r'page fault', r'hostile: ']),
    _hostile('free_middle', [r'capsule: panic: ufree: invalid pointer 0x[0-9a-f]+ \(not the start of a block',
                             _ALLOC_REPORT], status=134, reject=[r'page fault', r'hostile: ']),
    _hostile('brk_values', [r'brk\(NULL\): -1 ENOMEM', r'ok brk\(break \+ 2 pages\): 0, the break moved',
                            r'hostile: 0 failure\(s\)']),
    _hostile('wfi', [r'resumed after 3 wfi', r'hostile: 0 failure\(s\)'], reject=[r'capsule: ']),
    _hostile('wfi_irq_off', [r'resumed after wfi with interrupts off', r'hostile: 0 failure\(s\)'],
             reject=[r'capsule: ']),
    _hostile('timer_past', [r'resumed after stimecmp 0', r'hostile: 0 failure\(s\)'], reject=[r'capsule: ']),
    _hostile('arm_timer', [r'resumed after arming the timer', r'hostile: 0 failure\(s\)'], reject=[r'capsule: ']),
    _hostile('timer_never', [r'nanosleep\(10 ms\) after stimecmp UINT64_MAX: 0', r'hostile: 0 failure\(s\)'],
             reject=[r'capsule: ']),
]
for _mem in ('32M', '64M'):
    CASES += [
        _hostile('small_blocks', [r'malloc\(64\) x \d+, then ENOMEM', r'hostile: 0 failure\(s\)'], mem=_mem,
                 reject=[r'capsule: ']),
        _hostile('realloc_grow', [r'realloc stopped at \d+ MiB with ENOMEM', r'ok the block is kept and intact',
                                  r'hostile: 0 failure\(s\)'], mem=_mem, reject=[r'capsule: ']),
        _hostile('sbrk_touch', [r'sbrk\(1 MiB\) and touched x \d+, then -1 ENOMEM', r'hostile: 0 failure\(s\)'],
                 mem=_mem, reject=[r'capsule: ']),
    ]

# <capsule/measure.h> and icount: exact counts, the end-of-run line only under icount.
CASES += [
    dict(name='icount: a region counts exactly, peak memory grows, the run ends with its count',
         app='tests/guest/measure', icount=True, status=0,
         expect=[r'icount: 1\n', r'loop: 2001 instructions', r'peak memory grew by at least 4096 KiB',
                 r'capsule: \d+ instructions\n']),
    dict(name='without icount the app is told counts are not exact and no count is printed',
         app='tests/guest/measure', status=0,
         expect=[r'icount: 0\n', r'peak memory grew by at least 4096 KiB'],
         reject=[r'capsule: \d+ instructions']),
]

# boot=uboot: Debian's U-Boot boots <app>.bin with booti; bootargs reach main,
# the exit status reaches the host.
CASES += [
    dict(name='U-Boot booti: bootargs reach main', app='tests/guest/args', boot='uboot',
         args='''one "two words" it's''', status=0,
         expect=[r'argc=4', r'argv\[1\]=one', r'argv\[2\]=two words', r"argv\[3\]=it's"]),
    dict(name='U-Boot booti: the exit status reaches the host', app='tests/guest/exit_code', boot='uboot',
         args='exit 7', status=7, expect=[r'leaving with exit 7', r'atexit handler ran']),
    dict(name='U-Boot booti: piped stdin reaches the app', app='tests/guest/stdin', boot='uboot',
         stdin=b'abc\n', status=0, expect=[r'first bytes: 61 62 63 0a', r'stdin: 4 bytes']),
]

# Processes (docs/processes.md): fork with copy-on-write, wait, pipes, kill,
# the scheduler; every suite checks the free-frame count after reaping.
def _suite(app, name, arg, what, status=0, expect=(), mem=None):
    d = dict(name='%s %s: %s' % (name, arg, what), app=app, args=arg, status=status,
             expect=[r'%s: 0 failure\(s\)' % name] + list(expect), reject=[r'FAIL '])
    if mem:
        d['mem'] = mem
    return d


CASES += [
    _suite('tests/guest/cowtest', 'cowtest', 'simple',
           'a process that touched 2/3 of free memory forks twice (only copy-on-write allows it)',
           expect=[r'simple: forked twice']),
    _suite('tests/guest/cowtest', 'cowtest', 'three', 'three processes write a quarter of memory each'),
    _suite('tests/guest/cowtest', 'cowtest', 'file', 'read() from a pipe into a page shared after fork'),
    _suite('tests/guest/cowtest', 'cowtest', 'forkfork', 'nested forks, many rounds'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'forktest', 'fork until EAGAIN, then reap all'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'exitwait', 'exit codes reach wait'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'reparent', 'orphans go to pid 1, which reaps them'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'twochildren', 'two children at once'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'killstatus',
           'a spinning child is preempted and killed: WTERMSIG SIGKILL / SIGTERM'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'sbrkafter',
           "a child's sbrk, munmap, mprotect and mremap leave the parent alone"),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'waitcalls', 'waitpid ECHILD, WNOHANG, EINVAL; getppid'),
    dict(name='the image exits with the first process; the others end with it, one line says how many',
         app='tests/guest/proc_usertests', args='first_exits', status=5,
         expect=[r'first_exits: leaving with 5',
                 r'capsule: the first process ended; 2 other processes ended with it']),
    dict(name='a child kills pid 1 with SIGTERM: the image ends with 143',
         app='tests/guest/proc_usertests', args='child_kills_first', status=143,
         expect=[r'capsule: the app was ended by SIGTERM \(signal 15\)']),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'preempt',
           'a busy parent is preempted by the timer so its child runs'),
    _suite('tests/guest/proc_usertests', 'proc_usertests', 'sleepers',
           'sleeping children let others run; a sleeper killed in its sleep leaves no timer event'),
    _suite('tests/guest/cow_fork', 'cow_fork', 'private_shared', 'MAP_PRIVATE parts after fork, MAP_SHARED stays shared'),
    _suite('tests/guest/cow_fork', 'cow_fork', 'shared_untouched',
           'a MAP_SHARED page untouched before fork is shared after it'),
    _suite('tests/guest/cow_fork', 'cow_fork', 'shared_huge', 'a MAP_SHARED 2 MiB leaf stays shared'),
    _suite('tests/guest/cow_fork', 'cow_fork', 'zero_page', 'the zero page after fork'),
    _suite('tests/guest/cow_fork', 'cow_fork', 'huge_leaves', '2 MiB leaves written by either side after fork'),
    _suite('tests/guest/cow_fork', 'cow_fork', 'mprotect',
           "PROT_READ after fork faults in the child only (report names its pid); back to RW writes privately",
           expect=[r'store page fault in the app \(pid \d+\)', r'exit status 139 \(pid \d+\)']),
    _suite('tests/guest/cow_fork', 'cow_fork', 'child_oom',
           'a child out of memory ends with SIGKILL (137) alone; the parent goes on',
           expect=[r'out of memory \(no page for a fault\)', r'exit status 137 \(pid \d+\)']),
    _suite('tests/guest/cow_fork', 'cow_fork', 'fork_enomem', 'fork with no memory fails with ENOMEM and leaks nothing',
           expect=[r'fork ENOMEM: [1-9]\d* forks failed with ENOMEM']),
]

CASES += [
    dict(name='differential: fork, wait, pipes, dup2, SIGPIPE, kill and atexit print what Linux prints',
         app='tests/guest/posix_proc', special='differential',
         status=0, expect=[r'posix_proc: end', r'every 4096-byte write whole: yes']),
]

CASES += [
    dict(name='examples/fork shows the frames shared after fork, copied by the first write, reused after',
         app='examples/fork', status=0,
         expect=[r'child\s+private page 1: pa (0x[0-9a-f]+) read-only refs 2',
                 r'child\s+private page 0: pa 0x[0-9a-f]+ writable\s+refs 1',
                 r'child\s+shared\s+page 0: pa 0x[0-9a-f]+ writable\s+refs 2',
                 r"buf\[0\] is still 'p'; the shared page says \"written by the child\"",
                 r'after writing page 0 \(same frame, writable again\):\s+parent\s+private page 0: pa 0x[0-9a-f]+ writable\s+refs 1']),
]

CASES += [
    dict(name='out-of-tree: an app outside the repository forks, pipes, kills and waits',
         app='tests/guest/posix_proc', special='out_of_tree', status=0,
         expect=[r'posix_proc: end', r'blocked reader: killed by SIGTERM', r'spinning child: killed by SIGKILL',
                 r'parent read from the child\'s stdout: through the pipe'],
         reject=[r'capsule: ']),
]

# Real programs (README.md): build files, subdirectories, C++, a new app.
CASES += [
    dict(name='an app built as gnu89 through capsule.py: subdirectories, defines, include dirs, its own stdlib.h',
         app='tests/guest/realcode', args='a b', status=2,
         expect=[r'realcode: built as gnu89\n', r'realcode: feature define seen',
                 r'twice\(21\) through a pointer = 42',
                 r'app stdlib.h marker 42, newlib EXIT_FAILURE 1, malloc ok',
                 r'words in "one two  three" = 3', r'shared counter 3']),
    dict(name='C++: static constructors and destructors, virtual calls, new/delete on malloc, placement and nothrow new',
         app='tests/guest/cxx', status=0,
         expect=[r'constructor first \(before main\)\ncxx: constructor second \(before main\)\n'
                 r'cxx: main starts after 2 constructors',
                 r'areas sum 37; malloc_usable_size\(new Rect\) >= sizeof\(Rect\): yes',
                 r'virtual destructors ran: 2', r'new Counted\[1000\]: 1000 alive, value 7',
                 r'after delete\[\]: 0 alive',
                 r'placement new in the caller.s storage: yes, value 7',
                 r'new \(std::nothrow\) char\[1 TiB\]: NULL',
                 r'destructor second \(after main\)\ncxx: destructor first \(after main\)']),
    dict(name='C++: a new the heap cannot satisfy aborts (134), as an uncaught bad_alloc does',
         app='tests/guest/cxx', args='exhaust', status=134,
         expect=[r'operator new\(1099511627776\): out of memory', r'operator new\[\]'],
         reject=[r'returned 0x']),
    dict(name='scons new=NAME: a new app builds and runs as made, and is never overwritten',
         app='apps/hello', special='new_app', args='x "y z"', status=0,
         expect=[r'new: status 0: created .*/extapp/main\.c',
                 r'new: status 2: scons: new=extapp: .*/extapp exists; nothing was written',
                 r'extapp: 2 argument\(s\)\n  argv\[1\] = x\n  argv\[2\] = y z']),
]

# Debugging: a backtrace taken inside the trap handler continues into the app's
# frames (the trap vector's CFI); break in the report of the unresolved fault.
CASES += [
    dict(name='gdb: a backtrace in the fault handler unwinds through the trap into the app',
         app='tests/guest/null_deref', special='gdb', status=139,
         expect=[r'NULL pointer dereference', r'exit status 139'],
         gdb=['break unresolved_fault', 'continue', 'bt', 'continue'],
         gdb_expect=[r'Breakpoint 1, unresolved_fault',
                     r'#\d+\s+trap_dispatch .*\n#\d+\s+<signal handler called>\n'
                     r'#\d+\s+read_through \(p=.*\) at .*null_deref/main\.c:7\n'
                     r'#\d+\s+0x[0-9a-f]+ in deref_caller .*main\.c:12\n'
                     r'#\d+\s+0x[0-9a-f]+ in main \(\) at .*main\.c:19'],
         gdb_reject=[r'Backtrace stopped', r'Could not fetch register']),
    dict(name='gdb: a backtrace in a resolved page fault unwinds through the fast path',
         app='tests/guest/null_deref', special='gdb', status=139,
         expect=[r'NULL pointer dereference', r'exit status 139'],
         gdb=['break main', 'continue', 'break mm_fault', 'continue', 'bt', 'delete', 'continue'],
         gdb_expect=[r'Breakpoint 2, mm_fault',
                     r'#\d+\s+(0x[0-9a-f]+ in )?trap_fault_fast .*\n#\d+\s+<signal handler called>\n'
                     r'(#\d+\s+.*\n)*#\d+\s+(0x[0-9a-f]+ in )?main \(\) at .*null_deref/main\.c'],
         gdb_reject=[r'Backtrace stopped', r'Could not fetch register']),
    dict(name='scons debug: gdb attached, stops at main, reads every register, prints the VMAs, follows the fault',
         app='tests/guest/null_deref', special='debug_target', status=139,
         gdb=['continue', 'info all-registers', 'capsule-vmas', 'capsule-mm', 'break unresolved_fault',
              'continue', 'capsule-trap', 'bt', 'continue'],
         expect=[r'Breakpoint 1, main \(\) at tests/guest/null_deref/main\.c:\d+',
                 r'\nsepc\s+0x[0-9a-f]+', r'\nsatp\s+0x8[0-9a-f]{15}', r'\nft11\s',
                 r'0000000000010000-[0-9a-f]{16} r-x app text', r'rw- main stack',
                 r'VMAs \d+, heap 0x[0-9a-f]+-0x[0-9a-f]+, faults resolved \d+',
                 r'sepc 0x[0-9a-f]+ scause 0xd stval 0x0 .*\nread_through \+ \d+ in section \.text',
                 r'<signal handler called>\n#\d+\s+read_through', r'exit status 139'],
         reject=[r'Could not fetch register', r'unavailable', r'warning: ', r'No symbol']),
]

# What only user mode stops (tests/guest/user_hostile): each ends the app with
# a report, 139 for an access to the high half, 132 for a privileged
# instruction.  priv=user only.
def _user_hostile(arg, kind, status):
    return dict(name='user mode stops: %s' % arg, app='tests/guest/user_hostile', args=arg, priv='user',
                status=status, expect=[r'trying: ', kind, r'in the app \(pid 1\)', r'exit status %d' % status],
                reject=[r'still alive', r'read 0x'])


CASES += [
    _user_hostile('write_directmap', r'store page fault at 0xffffffc0[0-9a-f]+: access to a libOS address', 139),
    _user_hostile('read_libos_text', r'load page fault at 0xffffffffc0200000: access to a libOS address', 139),
    _user_hostile('write_satp', r'illegal instruction in the app', 132),
    _user_hostile('write_stvec', r'illegal instruction in the app', 132),
    _user_hostile('set_sum', r'illegal instruction in the app', 132),
    _user_hostile('wfi', r'illegal instruction in the app', 132),
    _user_hostile('sret', r'illegal instruction in the app', 132),
]

# Files (docs/files.md): a host directory in (files=), results back (out=),
# the POSIX file calls and file-backed mmap.
CASES += [
    dict(name='differential: file calls, their errno rows and file mappings print what Linux prints',
         app='tests/guest/posix_files', files='tests/guest/posix_files/data', special='differential',
         status=0, expect=[r'posix_files: end']),
    dict(name='xv6 mmaptest scenarios on file mappings; frames back at the baseline after each',
         app='tests/guest/mmaptest', status=0, expect=[r'mmaptest: 0 failure\(s\)', r'nospace: \d+ KiB written, then ENOSPC'],
         reject=[r'FAIL ', r'LEAK']),
    dict(name='a 32 MiB input read and mapped; results in out/ reach the host byte-exact',
         app='tests/guest/files_io', files='tests/guest/files_io/data', files_random={'in/big.bin': 32 << 20},
         mem='256M', out=True, status=0,
         expect=[r'files_io: 0 failure\(s\)', r'read\(\) and mmap agree: yes',
                 r'gives its \d+ frames \(the archive.s own\) to the allocator: yes'],
         out_expect={'big-copy.bin': 'files:in/big.bin', 'text.txt': b'results of the run\n',
                     'all-bytes.bin': bytes(range(256)), 'empty': b'', 'hole.bin': bytes(3 * 4096) + b'end',
                     'sub/deeper/nested.txt': b'nested\n', 'mapped.txt': b'via MAP_SHARE',
                     'renamed.txt': b'moved into out/\n', 'seed.txt': b'seeded\n'}),
    dict(name='the same with boot=fw: the archive travels inside the firmware image',
         app='tests/guest/files_io', files='tests/guest/files_io/data', files_random={'in/big.bin': 32 << 20},
         mem='256M', out=True, boot='fw', status=0, expect=[r'files_io: 0 failure\(s\)'],
         out_expect={'big-copy.bin': 'files:in/big.bin', 'seed.txt': b'seeded\n'}),
    dict(name='examples/wordcount: an unmodified program reads its input file and its output reaches the host',
         app='examples/wordcount', files='examples/wordcount/data', args='poem.txt out/counts.txt', out=True,
         status=0, expect=[r'wordcount: poem.txt -> out/counts.txt'],
         out_expect={'counts.txt': b'4 lines, 30 words, 151 bytes\nthe 5\nis 4\npage 3\nfile 2\nstays 2\n'}),
    dict(name='SIGBUS: a mapped page wholly past the end of the file ends the app with a report and 135',
         app='tests/guest/files_faults', args='sigbus', files='tests/guest/files_io/data', status=135,
         expect=[r"last page of the file: 's', then zeros: 0",
                 r'load page fault at 0x[0-9a-f]+: access to a page past the end of the mapped file \(SIGBUS\)',
                 r'in mmap file \[0x[0-9a-f]+-0x[0-9a-f]+\) rw-', r'#\d 0x[0-9a-f]+\s+main at', r'exit status 135'],
         reject=[r'still alive', r'page 1 \(wholly']),
    dict(name='SIGBUS: a shared page the file lost to ftruncate', app='tests/guest/files_faults',
         args='truncated', status=135, expect=[r"page 2 before ftruncate: 'x'", r'past the end of the mapped file'],
         reject=[r'still alive', r'after ftruncate to one page']),
    dict(name="SIGBUS in a child: the parent's wait sees the signal", app='tests/guest/files_faults',
         args='child_sigbus', status=0, expect=[r'child ended by signal (\d+) \(SIGBUS \1\)', r'still alive']),
    dict(name='out/ reaches the host after a crash (139)', app='tests/guest/files_faults', args='crash_out',
         files='tests/guest/files_io/data', out=True, status=139, expect=[r'NULL pointer dereference'],
         out_expect={'before-crash.txt': b'written before the crash\n', 'seed.txt': b'seeded\n'}),
    dict(name='out/ reaches the host after abort() (134)', app='tests/guest/files_faults', args='abort_out',
         files='tests/guest/files_io/data', out=True, status=134, expect=[r'ended by SIGABRT'],
         out_expect={'before-abort.txt': b'written before abort\n'}),
    dict(name='out/ holds what a killed child wrote when the first process exits', app='tests/guest/files_faults',
         args='killed_out', files='tests/guest/files_io/data', out=True, status=3, expect=[r'child killed: 1'],
         out_expect={'from-child.txt': b"the child's\n"}),
]

# Read by tests/guest/SConscript, as an SConscript that returns the list.
# The learners' examples (examples/*/README.md): each runs and shows what it teaches.
CASES += [
    dict(name='examples/kalloc: sizes, alignment, contiguity, free memory back', app='examples/kalloc',
         status=0, expect=[r'kalloc\(12288\) = 0x[0-9a-f]+ .*page-aligned: yes',
                           r'kalloc\(3 pages\) physically contiguous: yes', r'the same as before: yes']),
    dict(name='examples/pagetable: mappages, walk, walkaddr, vmprint on a table built by hand',
         app='examples/pagetable', status=0,
         expect=[r'mappages over the 4 KiB page again: -17', r'walkaddr\(0x40201234\) = 0x[0-9a-f]+234',
                 r'0x0000000040200000-0x00000000403fffff pa 0x[0-9a-f]+ 2M x1', r'everything freed: yes']),
]

CASES += [
    dict(name='malloc gives memory back: a random-order teardown and a freed run between live blocks',
         app='tests/guest/heap_release', status=0, expect=[r'heap_release: 0 failure\(s\)'],
         reject=[r'FAIL ']),
]

# The bench's real programs (tests/bench/program.h) compute the same with
# Capsule's malloc as with Linux's: a heap that corrupts a block shows here.
CASES += [
    dict(name='differential: bench program %s prints what it prints on Linux' % name,
         app='tests/bench/' + name, special='differential', status=0, expect=[name + r': end'])
    for name in ('bigcalc', 'treemap', 'textproc')
]

# The seed systems' compatibility headers (<mm/compat/*.h>): one program per
# system, written against its header alone as its document uses the calls,
# and one short example per system (docs/seeds.md).
CASES += [
    dict(name='compat: kmm.h -- kvmmap leaf sizes, 5-argument walk, PTE_RSW, share_page, thread stacks, no leak',
         app='tests/guest/compat_kmm', status=0,
         expect=[r'compat_kmm: 0 failure\(s\)',
                 r'vmprint of the superpage.s range:\npage table 0x[0-9a-f]+ \(pa 0x[0-9a-f]+\)\n'
                 r'0x0000000040000000-0x000000007fffffff table pa 0x[0-9a-f]+\n'
                 r'  0x0000000040200000-0x00000000403fffff pa 0x[0-9a-f]+ 2M x1 rw-u-ad\n'],
         reject=[r'FAIL ']),
    dict(name='compat: sc7.h -- VMA list, mmap with MAP_ALLOC, experm, vm_protect, SC7 argument order, no leak',
         app='tests/guest/compat_sc7', status=0, expect=[r'compat_sc7: 0 failure\(s\)'], reject=[r'FAIL ']),
    dict(name='compat: xv6.h -- kalloc pages as physical addresses, mappages, walkaddr + memmove, uvm*, no leak',
         app='tests/guest/compat_xv6', status=0, expect=[r'compat_xv6: 0 failure\(s\)'], reject=[r'FAIL ']),
    dict(name='compat: farmos.h -- struct Page counts, vmAlloc + ptMap/ptUnmap, kvmAlloc, ptLookup, no leak',
         app='tests/guest/compat_farmos', status=0, expect=[r'compat_farmos: 0 failure\(s\)'],
         reject=[r'FAIL ']),
    dict(name='examples/seeds-kmm: kvmmap SUPERPAGE and COMMONPAGE, the levels walk returns, vmprint of a range',
         app='examples/seeds-kmm', status=0,
         expect=[r'walk\(0x40003000\) -> level 1 \(SUPERPAGE\)', r'walk\(0x40200000\) -> level 0 \(COMMONPAGE\)',
                 r'0x0000000040000000-0x00000000401fffff pa 0x[0-9a-f]+ 2M x1', r'free memory back: yes']),
    dict(name='examples/seeds-sc7: the VMA list of mmap, MAP_ALLOC, a stack, munmap cutting a node',
         app='examples/seeds-sc7', status=0,
         expect=[r'page 3 present at once: yes',
                 r'after munmap of the second page:\n  STACK .*\n  MMAP  \[0x[0-9a-f]+, 0x[0-9a-f]+\) size 4096 '
                 r'perm 0x[0-9a-f]+\n  MMAP  \[0x[0-9a-f]+, 0x[0-9a-f]+\) size 8192', r'free_vma_list: 0']),
    dict(name='examples/seeds-xv6: a kalloc page mapped with mappages, written through the notes\' copyout',
         app='examples/seeds-xv6', status=0,
         expect=[r'kalloc\(\) = 0x([0-9a-f]+), mappages: 0\nwalkaddr\(0x100000\) = 0x\1 ',
                 r'copyout: 0; the page now holds "hello, xv6"']),
    dict(name='examples/seeds-farmos: ptMap and ptUnmap count a page\'s references and free it at the last',
         app='examples/seeds-farmos', status=0,
         expect=[r'vmAlloc: ref 0', r'mapped twice: ref 2', r'unmapped once: ref 1', r'unmapped again: the page is freed']),
]

# The learners' examples, continued.
CASES += [
    dict(name='examples/mmap: a VMA first, the zero page on read, a frame on write, splits by munmap and mprotect',
         app='examples/mmap', status=0,
         expect=[r'after mmap \(a VMA, no page\):\s+faults \+0 \(zero page \+0\)\n.*\n.*\n(.*\n)*  pages of the mapping: \[\.{8}\]',
                 r'after reading page 0:\s+faults \+1 \(zero page \+1\)',
                 r'page 1 maps the same frame as page 0: yes\n  pages of the mapping: \[zz\.{6}\]',
                 r'after writing pages 0 and 5:\s+faults \+2 \(zero page \+0\)',
                 r'after writing page 5 again:\s+faults \+0',
                 r'pages of the mapping: \[wz\.\.\.w\.\.\]',
                 r'r-- mmap 4 KiB', r'pages of the mapping: \[wz\.\.\.r\.\.\]\npage 5 still holds \'b\'']),
    dict(name='examples/superpage: a populated 2 MiB leaf, a collapse on the 512th page, a split by mprotect',
         app='examples/superpage', status=0,
         expect=[r'MAP_POPULATE: block at 0x[0-9a-f]+00000: 2 MiB leaf',
                 r'touched 511 of 512 pages: 4 KiB leaves',
                 r'touched all 512 pages: 2 MiB leaf \(collapses \+1\), page 123 holds 123',
                 r'page 7 inside it: 4 KiB leaves; page 7 writable no, page 8 writable yes',
                 r'page 7 holds 7 and page 123 123']),
    dict(name='examples/linking: each section where the linker script and the symbol table put it',
         app='examples/linking', status=0, symbols=['main', 'greeting', 'counter', 'scratch', 'mm_print_vmas'],
         expect=[r'\.text   0x10000-0x[0-9a-f]+000\n', r'main \(\.text\)\s+0x0+1[0-9a-f]{4}\s+inside its section: yes',
                 r'mm_print_vmas \(libmm: high half\)\s+0xffffffffc0[0-9a-f]{6}'],
         reject=[r'inside its section: NO']),
]

# libOS-side programs (they call libmm's kernel API: priv=user refuses to
# link them) and S-mode-only scenarios (privileged instructions, which
# user mode stops: see above) run with priv=supervisor only.
_LIBOS_SIDE = {'tests/guest/cow_huge', 'tests/guest/exec_directmap', 'tests/guest/mm_api', 'tests/guest/mman_api',
               'examples/fork', 'examples/kalloc', 'examples/memmap', 'examples/pagetable',
               'tests/guest/compat_kmm', 'tests/guest/compat_sc7', 'tests/guest/compat_xv6',
               'tests/guest/compat_farmos', 'examples/seeds-kmm', 'examples/seeds-sc7', 'examples/seeds-xv6',
               'examples/seeds-farmos', 'examples/mmap', 'examples/superpage', 'examples/linking'}
_S_MODE_ONLY = re.compile(r'^hostile: (wfi|timer|arm_timer)|sscratch'
                          # 30-60 s of forks until memory runs out: run once (CI time; the
                          # user-mode fork and out-of-memory paths run in child_oom and forktest)
                          r'|^cow_fork fork_enomem')
for _case in CASES:
    if _case['app'] in _LIBOS_SIDE or _S_MODE_ONLY.search(_case['name']):
        _case.setdefault('priv', 'supervisor')

Return('CASES')
