"""Runs Capsule's tests: host unit-test programs (cmocka), short fuzzer runs
(libFuzzer) and guest cases (images under QEMU), then prints one line
'N passed, N failed'.  The log has one line per test program, fuzzer and
guest case, and the whole output of each that failed; with verbose=1 the
whole output of every one."""
import difflib
import hashlib
import os
import re
import resource
import time
import shutil
import socket
import subprocess
import sys
import tempfile

from capsule import files, qemu
from capsule.image import out_dir

HOST_TIMEOUT = 600
CMOCKA_PASSED = re.compile(r'^\[  PASSED  \] (\d+) test', re.M)
CMOCKA_FAILED = re.compile(r'^\[  FAILED  \] (\d+) test', re.M)


# scons test verbose=1: every program's and guest's whole output (set_verbose).
_verbose = {'on': False}


def set_verbose(on):
    _verbose['on'] = bool(on)


def _report(kind, name, ok, detail, output):
    """One line for a test program, fuzzer or guest case: 'ok' or 'FAILED'
    with what failed; the output in full (indented) after a failure, or after
    every one with verbose=1."""
    print('%-6s %s: %s%s' % ('ok' if ok else 'FAILED', kind, name, (' -- ' + detail) if detail else ''),
          flush=True)
    if output and (not ok or _verbose['on']):
        sys.stdout.write(''.join('    | ' + l for l in output.splitlines(True)))
        if not output.endswith('\n'):
            sys.stdout.write('\n')


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def add(self, name, ok, detail=''):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append((name, detail))


def run_host(programs, root, tally):
    """Each program is a cmocka runner; count its tests from its summary."""
    for prog in programs:
        name = os.path.basename(prog)
        try:
            proc = subprocess.run([prog], cwd=root, capture_output=True, text=True,
                                  timeout=HOST_TIMEOUT, env=dict(os.environ, CAPSULE_SRC=root))
            out = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as e:
            out, proc = (e.stdout or b'').decode(errors='replace') + '\ntimeout\n', None
        passed = sum(int(n) for n in CMOCKA_PASSED.findall(out))
        failed = sum(int(n) for n in CMOCKA_FAILED.findall(out))
        tally.passed += passed
        for i in range(failed):
            tally.add(name, False, 'cmocka reported failures')
        unclean = proc is None or (proc.returncode != 0 and failed == 0) or passed + failed == 0
        if unclean:
            tally.add(name, False, 'exited %s without a clean cmocka summary'
                      % (proc.returncode if proc else 'timeout'))
        why = ('%d failed' % failed if failed else '') + ('; no clean cmocka summary' if unclean else '')
        _report('host', name, not why, why or '%d tests' % passed, out)


FUZZ_SECONDS = 15          # per fuzzer in `scons test` (two fuzzers: 30 s); longer runs by hand
FUZZ_FLAGS = ['-seed=1', '-len_control=0', '-max_len=2048', '-timeout=10', '-print_final_stats=1']
FUZZ_DONE = re.compile(r'^Done (\d+) runs in (\d+) second', re.M)
FUZZ_SHOWN_LINES = 150


def run_fuzz(programs, root, tally, problem=None, seconds=FUZZ_SECONDS):
    """Run each libFuzzer program for `seconds` from an empty corpus: one
    passing test when it exits 0, one failed test with the tail of its output
    when it finds a crash, a model mismatch or a leak (the input is saved in
    build/host/fuzz/crashes/).  problem: why the fuzzers were not built; then
    each counts as failed with that reason."""
    for prog in programs:
        name = os.path.basename(prog)
        if problem:
            _report('fuzz', name, False, problem, '')
            tally.add(name, False, problem)
            continue
        crashes = os.path.join(os.path.dirname(prog), 'crashes')
        os.makedirs(crashes, exist_ok=True)
        cmd = [prog, '-max_total_time=%d' % seconds, '-artifact_prefix=%s/%s-' % (crashes, name)] + FUZZ_FLAGS
        try:
            proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors='replace', timeout=seconds + HOST_TIMEOUT)
            out, status = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors='replace') if isinstance(e.stdout, bytes) else e.stdout or ''
            out, status = out + '\ntimeout\n', 'timeout'
        done = FUZZ_DONE.search(out)
        if status == 0 and done:
            _report('fuzz', name, True, '%s runs in %s s' % done.groups(), out)
            tally.add(name, True)
            continue
        lines = out.splitlines()
        why = 'exit %s; replay: %s %s/%s-<crash|leak|timeout|oom>-*' % (status, prog, crashes, name)
        _report('fuzz', name, False, why, '\n'.join(lines[-FUZZ_SHOWN_LINES:]) + '\n')
        tally.add(name, False, why)


def _out_of_tree(case, root, mode):
    """Copy the app's sources to a fresh directory outside the repo (for a
    'new_app' case: make a new app there, with newapp.create, as `scons
    new=extapp` makes one under apps/) and build them there with scons
    app=<absolute dir>; returns (elf path, build log, a function that removes
    the copy and, with scons -c app=<dir>, its outputs)."""
    tmp = tempfile.mkdtemp(prefix='capsule-ext-')
    dst = os.path.realpath(os.path.join(tmp, 'extapp'))
    log = ''
    if case.get('special') == 'new_app':
        from capsule import newapp
        for _ in range(2):      # the second must refuse, and write nothing
            status, message = newapp.create(os.path.dirname(dst), 'extapp')
            log += 'new: status %d: %s\n' % (status, message)
    else:
        shutil.copytree(os.path.join(root, case['app']), dst)
    cmd = ['scons', '-Q', '-C', root, 'app=' + dst, 'mode=' + mode]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    elf = os.path.join(out_dir(os.path.join(root, 'build'), mode, root, dst), 'extapp.elf')

    def remove():
        subprocess.run(cmd + ['-c'], capture_output=True, timeout=600)
        shutil.rmtree(tmp, ignore_errors=True)
    return (elf if proc.returncode == 0 else None), log + proc.stdout + proc.stderr, remove


def marked_lines(text, name):
    """The lines strictly between '<name>: begin' and '<name>: end' (CRs
    removed), or None when either marker is missing."""
    lines = text.replace('\r', '').split('\n')
    begin, end = '%s: begin' % name, '%s: end' % name
    if begin not in lines:
        return None
    first = lines.index(begin) + 1
    if end not in lines[first:]:
        return None
    return lines[first:lines.index(end, first)]


def _host_reference(case, exe, timeout, staged=None):
    """Run exe, the app's sources built for Linux with the host gcc, with stdin
    from /dev/null (and, for a case with files, in a scratch copy of them);
    returns (its marked lines or None, a log of what went wrong)."""
    name = os.path.basename(os.path.normpath(case['app']))
    scratch = None
    if staged:
        scratch = tempfile.mkdtemp(prefix='capsule-scratch-')
        shutil.copytree(staged, os.path.join(scratch, 'files'), symlinks=True)
    try:
        proc = subprocess.run([exe], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors='replace', timeout=timeout,
                              cwd=os.path.join(scratch, 'files') if scratch else None)
    except subprocess.TimeoutExpired:
        return None, 'host reference %s did not finish within %s s' % (exe, timeout)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    lines = marked_lines(proc.stdout, name)
    if proc.returncode != 0 or lines is None:
        return None, 'host reference %s exited %d%s:\n%s%s' % (
            exe, proc.returncode, '' if lines is not None else ' without its begin/end lines',
            proc.stdout, proc.stderr)
    return lines, ''


DIFF_DETAIL_LINES = 60


def _differential(case, reference, out, reference_name='linux (host gcc)'):
    """Compare the guest's marked lines with the reference's; returns the
    reasons for failure (with a unified diff, Linux's lines as '-')."""
    name = os.path.basename(os.path.normpath(case['app']))
    guest = marked_lines(out, name)
    if guest is None:
        return ["guest output lacks the '%s: begin' / '%s: end' lines" % (name, name)]
    if guest == reference:
        return []
    diff = list(difflib.unified_diff(reference, guest, reference_name, 'capsule', lineterm=''))
    changed = sum(1 for d in diff[2:] if d[:1] in '+-')
    shown = diff if len(diff) <= DIFF_DETAIL_LINES else \
        diff[:DIFF_DETAIL_LINES] + ['... %d more diff lines' % (len(diff) - DIFF_DETAIL_LINES)]
    return ['output differs from Linux (%d changed lines):\n      %s' % (changed, '\n      '.join(shown))]


# Lines no guest run may print, whatever the case expects: a debug image frees
# the app's address space at the end and says when frames did not come back.
ALWAYS_REJECT = (r'capsule: leak: ',)


def check_output(case, status, out):
    """Return a list of reasons the case failed (empty when it passed)."""
    why = ['unexpected output /%s/' % p for p in ALWAYS_REJECT if re.search(p, out)]
    if status != case.get('status', 0):
        why.append('exit status %d, expected %d' % (status, case.get('status', 0)))
    for pattern in case.get('expect', []):
        if not re.search(pattern, out):
            why.append('missing output /%s/' % pattern)
    for pattern in case.get('reject', []):
        if re.search(pattern, out):
            why.append('unexpected output /%s/' % pattern)
    return why


WALLCLOCK_RE = re.compile(r'wall clock: time\(\) (\d+)')
WALLCLOCK_SLACK_S = 60


def _host_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def check_extras(case, out, host_cpu, finished_at):
    """The checks a case asks for beyond its output: 'wallclock' (the
    guest's 'wall clock: time() N' within a minute of the host's clock) and
    'max_host_cpu' (QEMU's host CPU seconds, for "the hart was idle")."""
    why = []
    if case.get('wallclock'):
        m = WALLCLOCK_RE.search(out)
        if not m or abs(int(m.group(1)) - finished_at) > WALLCLOCK_SLACK_S:
            why.append('guest wall clock %s, host %d' % (m.group(1) if m else 'missing', finished_at))
    if 'max_host_cpu' in case and host_cpu > case['max_host_cpu']:
        why.append('QEMU used %.2f s of host CPU, at most %.2f expected' % (host_cpu, case['max_host_cpu']))
    return why


def _stdin_kwargs(case, root):
    """qemu.run's input arguments for a case: 'stdin' (bytes), 'stdin_file'
    (a path under the repository) or 'tty' ([(marker, bytes)] typed through
    a pty); by default an empty pipe, so stdin is at end of file as the
    host reference's /dev/null is."""
    if 'tty' in case:
        return {'tty_steps': case['tty']}
    if 'stdin_file' in case:
        with open(os.path.join(root, case['stdin_file']), 'rb') as f:
            return {'stdin_data': f.read()}
    return {'stdin_data': case.get('stdin', b'')}


def _symbols_printed(names, elf, out):
    """Reasons the console does not show each symbol's address as the ELF's
    symbol table has it (nm), on a line that names the symbol."""
    try:
        table = subprocess.run([qemu.CROSS_NM, elf], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return ['nm failed on %s: %s' % (elf, e)]
    addrs = dict((f[2], int(f[0], 16)) for f in (l.split() for l in table.splitlines()) if len(f) == 3)
    why = []
    for name in names:
        if name not in addrs:
            why.append('no symbol %s in %s' % (name, elf))
        elif not re.search(r'\b%s\b.*\b0x0*%x\b' % (re.escape(name), addrs[name]), out):
            why.append('%s at 0x%x (nm) not printed' % (name, addrs[name]))
    return why


def check_failalloc(case, status, out):
    """Reasons a run under fault injection failed: it must end cleanly (its
    own outcome, any error status, or 137 with an out-of-memory report),
    never hang, panic (unless the case expects the allocator's report), fault
    inside the libOS or leak."""
    why = ['unexpected output /%s/' % p for p in ALWAYS_REJECT if re.search(p, out)]
    if not check_output(case, status, out):
        return []                       # the case's own outcome: the injection did not bite
    if status == qemu.TIMEOUT_STATUS:
        why.append('no end within the timeout')
    if re.search(r'fault inside the trap handler', out):
        why.append('a fault inside the trap handler')
    # The libOS touching the app's memory may find no frame (a clean 137, as
    # a store by the app would); any other fault in the libOS is a bug.
    if re.search(r'fault in the libOS', out) and not re.search(r'out of memory \(no page for a fault\)', out):
        why.append('a fault in the libOS')
    if re.search(r'capsule: panic:', out) and case.get('status', 0) != 134:
        why.append('a panic')
    if status == 137 and not re.search(r'out of memory', out):
        why.append('status 137 without an out-of-memory report')
    return why


def _slug(case):
    name = re.sub(r'[^A-Za-z0-9]+', '-', case['name']).strip('-')[:40]
    return '%s-%s' % (name, hashlib.sha1(case['name'].encode()).hexdigest()[:8])


def stage_files(case, root):
    """A case's files= directory (None without one): a fresh copy of
    'files' (a directory under the repository) under build/tests/files/,
    with 'files_random' ({relative path: bytes}) generated into it
    (files.random_file, seeded by the path); and its archive.  Returns
    (directory, archive) or (None, None)."""
    if not case.get('files') and not case.get('files_random'):
        return None, None
    top = os.path.join(root, 'build', 'tests', 'files', _slug(case))
    shutil.rmtree(top, ignore_errors=True)
    if case.get('files'):
        shutil.copytree(os.path.join(root, case['files']), top)
    os.makedirs(top, exist_ok=True)
    for rel, size in case.get('files_random', {}).items():
        files.random_file(os.path.join(top, rel), size, rel)
    archive = top + '.cpio'
    files.write_archive(top, archive)
    return top, archive


def check_out(case, out, staged):
    """Reasons the host's copy of /out (out=DIR) is not what 'out_expect'
    says: {relative path: bytes, or 'files:<path>' for the bytes of that
    input file}."""
    note = out.finish()
    why = [note] if note else []
    for rel, want in case.get('out_expect', {}).items():
        path = os.path.join(out.dst, rel)
        if isinstance(want, str) and want.startswith('files:'):
            with open(os.path.join(staged, want[len('files:'):]), 'rb') as f:
                want = f.read()
        if not os.path.isfile(path):
            why.append('out/%s did not reach the host' % rel)
            continue
        with open(path, 'rb') as f:
            got = f.read()
        if got != want:
            why.append('out/%s on the host differs from what the app wrote (%d bytes, %d expected)'
                       % (rel, len(got), len(want)))
    return why


def chosen_cases(cases, pattern):
    """The cases whose name matches the regex pattern (all when it is empty)."""
    return [c for c in cases if not pattern or re.search(pattern, c['name'])]


def run_guest(cases, images, references, root, mode, tally, timeout, failalloc=0, reference_kind=None):
    """Boot each case's image; references maps a differential case's app to
    its host-built executable.  With failalloc, the images fail every Nth
    frame allocation and check_failalloc judges the runs.  reference_kind
    (name, run): the references are run by run(case, reference, timeout) ->
    (marked lines or None, log) instead, and name labels the cases and diffs
    (os=both: riscv64 Linux under QEMU, linuxboot.py)."""
    for case in cases:
        label = case['name'] if not failalloc else '%s (failalloc=%d)' % (case['name'], failalloc)
        label += ' (against %s)' % reference_kind[0] if reference_kind else ''
        image = images.get(case['app'])
        elf, fw = (str(image['elf']), str(image['fw'])) if image else (None, None)
        remove = None
        if case.get('special') in ('out_of_tree', 'new_app'):
            elf, log, remove = _out_of_tree(case, root, mode)
            if not elf:
                remove()
                _report('guest', label, False, 'out-of-tree build failed', log)
                tally.add(case['name'], False, 'out-of-tree build failed')
                continue
        staged, archive = stage_files(case, root)
        if case.get('special') == 'differential':
            if reference_kind:
                reference, log = reference_kind[1](case, references[case['app']], timeout)
            else:
                reference, log = _host_reference(case, references[case['app']], timeout, staged)
            if reference is None:
                _report('guest', label, False, log.split('\n', 1)[0], log)
                tally.add(label, False, log.split('\n', 1)[0])
                continue
        out = None
        if case.get('out'):
            dst = os.path.join(root, 'build', 'tests', 'out', _slug(case))
            shutil.rmtree(dst, ignore_errors=True)
            out = files.OutCollector(dst)
        inputs = _stdin_kwargs(case, root)
        common = dict(mem=case.get('mem', '128M'), args=case.get('args', ''), env=case.get('env', ''),
                      icount=case.get('icount', False), stdin_pipe='tty_steps' not in inputs,
                      initrd=archive, out_file=out.path if out else None)
        if case.get('special') == 'gdb':
            _gdb_case(case, label, elf, common, inputs, root, tally, timeout)
            continue
        if case.get('special') == 'debug_target':
            _debug_target_case(case, label, root, mode, tally, timeout)
            continue
        if case.get('boot') == 'fw':
            cmd = qemu.command(fw=fw, **common)
        elif case.get('boot') == 'uboot':
            cmd = qemu.command(uboot=str(image['bin']), **common)
            inputs['prelude'] = qemu.uboot_steps(common['args'], common['env'], common['icount'])
        else:
            cmd = qemu.command(elf=elf, **common)
        cpu0 = _host_cpu_seconds()
        status, output, secs = qemu.run(cmd, elf=elf, timeout=timeout, echo=False, **inputs)
        if case.get('special') == 'new_app':
            output = log + output
        host_cpu = _host_cpu_seconds() - cpu0
        if remove:
            remove()
        if failalloc:
            why = check_failalloc(case, status, output)
            if out:
                out.finish()
        else:
            why = check_output(case, status, output) + check_extras(case, output, host_cpu, time.time())
            why += check_out(case, out, staged) if out else []
        if case.get('special') == 'differential':
            why += _differential(case, reference, output, *(reference_kind[:1] if reference_kind else ()))
        if case.get('symbols') and not failalloc:
            why += _symbols_printed(case['symbols'], elf, output)
        _report('guest', label, not why, '%.1f s, %s' % (secs, '; '.join(why) or 'status %d' % status),
                output if _verbose['on'] else qemu.strip_banner(output))
        tally.add(label, not why, '; '.join(why))


def _gdb_case(case, label, elf, common, inputs, root, tally, timeout):
    """A 'gdb' case: boot elf halted with QEMU's gdb server on a Unix socket
    of its own, run gdb-multiarch in batch mode with the case's gdb commands
    (with its 'gdb_script', a path under the repository, sourced first), and
    check the console as any case and gdb's output against 'gdb_expect'."""
    from capsule import gdb
    tmp = tempfile.mkdtemp(prefix='capsule-gdb-')
    sock = os.path.join(tmp, 'gdb.sock')
    try:
        cmd = qemu.command(elf=elf, gdb=sock, **common)
        script = os.path.join(root, case['gdb_script']) if case.get('gdb_script') else None
        gdb_cmd = gdb.command(elf, sock, script=script, commands=case['gdb'], batch=True)
        (status, out, secs), gdb_out = gdb.batch_session(
            lambda: qemu.run(cmd, elf=elf, timeout=timeout, echo=False, **inputs), sock, gdb_cmd, timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    why = check_output(case, status, out)
    why += ['missing gdb output /%s/' % p for p in case.get('gdb_expect', []) if not re.search(p, gdb_out)]
    why += ['unexpected gdb output /%s/' % p for p in case.get('gdb_reject', []) if re.search(p, gdb_out)]
    _report('guest', label, not why, '%.1f s, %s' % (secs, '; '.join(why) or 'status %d' % status),
            qemu.strip_banner(out) + 'gdb:\n' + gdb_out)
    tally.add(label, not why, '; '.join(why))


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _debug_target_case(case, label, root, mode, tally, timeout):
    """A 'debug_target' case: `scons app=<app> debug` as a user runs it, its
    gdb reading the case's 'gdb' commands from stdin (then end of file);
    the scons exit status and its whole output (the console and gdb's,
    interleaved) are checked as any case's."""
    cmd = ['scons', '-Q', '-C', root, 'app=' + case['app'], 'mode=' + mode, 'debug',
           'gdbport=%d' % _free_port()]
    start = time.time()
    try:
        proc = subprocess.run(cmd, input=''.join(c + '\n' for c in case['gdb']), capture_output=True,
                              text=True, errors='replace', timeout=timeout + 60)
        status, out = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        status, out = qemu.TIMEOUT_STATUS, (e.stdout or b'').decode(errors='replace') + '\ntimeout\n'
    why = check_output(case, status, out)
    _report('guest', label, not why, '%.1f s, %s' % (time.time() - start, '; '.join(why) or 'status %d' % status),
            out)
    tally.add(label, not why, '; '.join(why))


def run_boot_doc(root, elf, binf, tally):
    """docs/boot.md against a built image (bootdoc.check): one test."""
    from capsule import bootdoc
    why = bootdoc.check(os.path.join(root, 'docs', 'boot.md'), elf, binf)
    _report('docs', 'docs/boot.md agrees with %s' % os.path.relpath(elf, root), not why, '; '.join(why), '')
    tally.add('docs/boot.md', not why, '; '.join(why))


def run_seeds_doc(root, tally):
    """docs/seeds.md names every name of the seed documents (seeddoc.check): one test."""
    from capsule import seeddoc
    why = seeddoc.check(os.path.join(root, 'docs', 'seeds.md'), os.path.join(root, 'docs', 'seed-names.txt'))
    _report('docs', 'docs/seeds.md names every seed name', not why, '; '.join(why), '')
    tally.add('docs/seeds.md', not why, '; '.join(why))


def _tree_listing(top):
    """{relative path: bytes or None for a directory} of top."""
    found = {}
    for d, dirs, names in os.walk(top):
        for n in dirs:
            found[os.path.relpath(os.path.join(d, n), top)] = None
        for n in names:
            with open(os.path.join(d, n), 'rb') as f:
                found[os.path.relpath(os.path.join(d, n), top)] = f.read()
    return found


def run_archive_check(root, tally):
    """files=DIR's archive (files.write_archive, page-aligned data) is a
    newc archive Debian's cpio(1) unpacks to the same tree: one test."""
    src = os.path.join(root, 'tests', 'guest', 'posix_files', 'data')
    tmp = tempfile.mkdtemp(prefix='capsule-cpio-')
    why = ''
    try:
        archive = os.path.join(tmp, 'files.cpio')
        files.write_archive(src, archive)
        unpacked = os.path.join(tmp, 'tree')
        os.makedirs(unpacked)
        with open(archive, 'rb') as f:
            proc = subprocess.run(['cpio', '-idm', '--quiet'], stdin=f, cwd=unpacked, capture_output=True,
                                  text=True, timeout=60)
        if proc.returncode != 0:
            why = 'cpio -idm exited %d: %s' % (proc.returncode, proc.stderr.strip())
        elif _tree_listing(unpacked) != _tree_listing(src):
            why = 'cpio -idm unpacked another tree than %s' % src
    except OSError as e:
        why = 'cpio: %s (tools/bootstrap.sh installs it)' % e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _report('files', 'the files= archive unpacks with cpio(1) to the same tree', not why, why, '')
    tally.add('files= archive and cpio(1)', not why, why)


def summary(tally):
    if tally.failures:
        print('\nFailures:')
        for name, detail in tally.failures:
            print('  %s: %s' % (name, detail))
    print('%d passed, %d failed' % (tally.passed, tally.failed))
    return 0 if tally.failed == 0 else 1
