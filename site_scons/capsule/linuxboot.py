"""Boots an app on the reference Linux (docs/linux.md): writes the
initramfs (a newc cpio: the init wrapper, the app, device nodes, stdin's
bytes), builds QEMU's command line (the same machine, memory and -icount as
Capsule's runs) and reads the run's end: QEMU's exit status is the app's
(tools/linux/init.c writes it to the sifive,test finisher)."""
import os
import re
import shlex
import sys

from capsule import linux, qemu

NEWC_MAGIC = b'070701'
S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000
# Character devices the wrapper and the app need: (path, major, minor)
DEVICES = (('dev/console', 5, 1), ('dev/null', 1, 3), ('dev/mem', 1, 1))
ICOUNT_RE = re.compile(r'^linux: (\d+) instructions \(app (\d+)\)\s*$', re.M)
PANIC_RE = re.compile(r'Kernel panic', re.M)


def _entry(ino, name, mode, data=b'', rdev=(0, 0)):
    """One newc record: header, NUL-terminated name and data, each padded to 4 bytes."""
    raw = name.encode() + b'\0'
    fields = (ino, mode, 0, 0, 2 if mode & S_IFDIR else 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(raw), 0)
    head = NEWC_MAGIC + b''.join(b'%08x' % f for f in fields)
    pad = lambda n: b'\0' * (-n % 4)    # noqa: E731
    return head + raw + pad(len(head) + len(raw)) + data + pad(len(data))


def initramfs(path, init, app, stdin_data=None):
    """Write an uncompressed newc cpio to path holding /init (the wrapper),
    /app, /dev's nodes, an empty /proc and, with stdin_data, /stdin."""
    with open(init, 'rb') as f:
        init_bytes = f.read()
    with open(app, 'rb') as f:
        app_bytes = f.read()
    records = [('dev', S_IFDIR | 0o755, b'', (0, 0)), ('proc', S_IFDIR | 0o755, b'', (0, 0))]
    records += [(name, S_IFCHR | 0o600, b'', (major, minor)) for name, major, minor in DEVICES]
    records += [('init', S_IFREG | 0o755, init_bytes, (0, 0)), ('app', S_IFREG | 0o755, app_bytes, (0, 0))]
    if stdin_data is not None:
        records.append(('stdin', S_IFREG | 0o644, stdin_data, (0, 0)))
    out = b''.join(_entry(i + 1, *r) for i, r in enumerate(records))
    out += _entry(len(records) + 1, 'TRAILER!!!', 0)
    with open(path, 'wb') as f:
        f.write(out)
    return path


def _quoted(word):
    if '"' in word:
        raise qemu.BootLineError('linux: %r: a double quote cannot be carried on the kernel command line' % word)
    return '"%s"' % word if (' ' in word or '\t' in word) else word


def init_line(name, args='', env='', icount=False, stdin='console', stdout_pipe=False):
    """The kernel command line's part after "--": the wrapper's options
    (tools/linux/init.c), "--args", then the app's arguments as given."""
    try:
        words = ['env=' + w for w in shlex.split(env or '')]
    except ValueError as e:
        raise qemu.BootLineError('linux: env=%r: %s' % (env, e))
    opts = ['name=' + name] + words + (['icount'] if icount else [])
    opts.append('stdin=' + {'console': '/dev/console', 'null': '/dev/null', 'file': '/stdin'}[stdin])
    opts += ['stdout=pipe'] if stdout_pipe else []
    return ' '.join([_quoted(w) for w in opts] + ['--args', args or '']).strip()


def command(kernel, initrd, line, mem='128M', icount=False):
    """QEMU's command line: the same machine, OpenSBI, memory and -icount as
    Capsule's boot=elf runs; the kernel as -kernel and the initramfs as -initrd."""
    cmd = [qemu.QEMU, '-M', 'virt', '-m', str(mem), '-nographic', '-no-reboot',
           '-bios', qemu.FW_DYNAMIC, '-kernel', kernel, '-initrd', initrd,
           '-append', '%s -- %s' % (linux.KERNEL_LINE, line)]
    if icount:
        cmd += ['-icount', icount if isinstance(icount, str) else 'shift=0']
    return cmd


def boot(kernel, init, app, name, out_dir, args='', env='', mem='128M', icount=False, stdin_data=None,
         stdin_tty=False, stdout_pipe=False, timeout=60, echo=True, banner=False):
    """Run app on the reference Linux; returns (status, output, seconds).
    stdin: stdin_data (bytes, given as the file /stdin), the terminal
    (stdin_tty: the console, interactive), else /dev/null; stdout and stderr
    the console, or with stdout_pipe a pipe copied to it.  A kernel panic
    (the wrapper could not run) gives status 125."""
    mode = 'file' if stdin_data is not None else 'console' if stdin_tty else 'null'
    line = init_line(name, args, env, icount, mode, stdout_pipe)
    initrd = initramfs(os.path.join(out_dir, name + '-initramfs.cpio'), init, app, stdin_data)
    cmd = command(kernel, initrd, line, mem, icount)
    status, out, secs = qemu.run(cmd, timeout=timeout, echo=echo, banner=banner,
                                 stdin=sys.stdin if stdin_tty else None)
    if PANIC_RE.search(out) and status == 0:
        status = linux.PANIC_STATUS
    return status, out, secs


def instructions(out):
    """(whole run, app from fork to exit) from the wrapper's icount line, or None."""
    m = ICOUNT_RE.search(out)
    return (int(m.group(1)), int(m.group(2))) if m else None


CAPSULE_ICOUNT_RE = re.compile(r'^capsule: (\d+) instructions\s*$', re.M)
CAPSULE_APP_RE = re.compile(r'^capsule: app (\d+) instructions\s*$', re.M)


def _stdin(piped):
    """(stdin_data, stdin_tty) for a run: a pipe or file is read whole (both
    systems of os=both get the same bytes); a terminal stays interactive."""
    return (sys.stdin.buffer.read(), False) if piped else (None, True)


def run_linux(env, kernel, init, app, name, out_dir, stdin_data, stdin_tty):
    """One run on Linux with the run options; returns (status, output)."""
    status, out, _ = boot(str(kernel), str(init), str(app), name, out_dir, args=env['args'], env=env['env'],
                          mem=env['mem'], icount=bool(env['icount']), stdin_data=stdin_data,
                          stdin_tty=stdin_tty, timeout=float(env['timeout']), banner=env['verbose'])
    if status == linux.PANIC_STATUS:
        print('linux: the kernel panicked (status %d): run with verbose=1 for its messages' % status)
    return status, out


def _count(n):
    return '{:,}'.format(n) if n is not None else '-'


def side_by_side(cap_status, cap_out, lx_status, lx_out):
    """The closing lines of os=both: each system's status and instruction
    counts (the app's part and the whole run's), and the ratio of the app's
    parts (counts only under icount=1)."""
    cap, cap_app = CAPSULE_ICOUNT_RE.search(cap_out), CAPSULE_APP_RE.search(cap_out)
    cap_n, cap_app_n = (int(m.group(1)) if m else None for m in (cap, cap_app))
    lx = instructions(lx_out) or (None, None)
    lines = ['---- side by side ----',
             '  %-8s %6s %14s %14s' % ('', 'status', 'app (instr.)', 'whole run'),
             '  %-8s %6d %14s %14s' % ('capsule', cap_status, _count(cap_app_n), _count(cap_n)),
             '  %-8s %6d %14s %14s' % ('linux', lx_status, _count(lx[1]), _count(lx[0]))]
    if cap_app_n and lx[1]:
        lines.append('  app: linux / capsule = %.2f  (Capsule: building the app\'s address space, the app, its end;'
                     % (lx[1] / cap_app_n))
        lines.append('  Linux: fork, exec, the app, its exit, waitpid.  Whole run: from reset, firmware and boot included)')
    elif not cap_n:
        lines.append('  (instruction counts: run with icount=1)')
    if cap_status != lx_status:
        lines.append('  the exit statuses differ')
    return '\n'.join(lines)


def run_action(image, kernel, init, app, which):
    """`scons run` for os=linux (which=('linux',)) or os=both (('capsule',
    'linux')): each run's console as it comes; with both, a closing table
    (side_by_side).  scons exits with Capsule's status (os=both) or Linux's."""
    from capsule import runner

    def action(target, source, env):
        stdin_data, stdin_tty = _stdin(not sys.stdin.isatty())
        out_dir = os.path.dirname(str(app))
        cap = None
        if 'capsule' in which:
            print('---- %s on Capsule ----' % image['name'], flush=True)
            cmd = runner.boot_command(env, image, stdin_pipe=stdin_data is not None)
            if cmd is None:
                return 0
            kw = {'stdin_data': stdin_data} if stdin_data is not None else {'stdin': sys.stdin}
            cap = qemu.run(cmd, elf=str(image['elf']), timeout=float(env['timeout']), banner=env['verbose'], **kw)
            print('---- %s on Linux ----' % image['name'], flush=True)
        try:
            lx_status, lx_out = run_linux(env, kernel, init, app, image['name'], out_dir, stdin_data, stdin_tty)
        except qemu.BootLineError as e:
            print(e)
            runner.set_exit_status(2)
            return 0
        if cap:
            print(side_by_side(cap[0], cap[1], lx_status, lx_out))
        runner.set_exit_status(cap[0] if cap else lx_status)
        return 0
    return action


def _newer_rows(lines, known):
    """lines with each row of known [(as 6.1 prints it, as newer Linux does,
    why)] that 6.1 printed replaced by the newer form."""
    newer = {old: new for old, new, _ in known}
    return [newer.get(line, line) for line in lines]


def reference_kind(kernel, init, linux61_rows):
    """testrun.run_guest's reference_kind for the differential cases on
    riscv64 Linux: a case's reference (its app built for Linux) runs as
    /init's child with the case's arguments and environment, stdin from
    /dev/null and stdout a pipe, as the host reference does; it must exit 0.
    The rows of linux61_rows[app] (tests/guest/linux61.py) that Linux 6.1
    answers in its older way count in the newer form."""
    from capsule import testrun

    def run(case, app, timeout):
        name = os.path.basename(os.path.normpath(case['app']))
        status, out, _ = boot(str(kernel), str(init), str(app), name, os.path.dirname(str(app)),
                              args=case.get('args', ''), env=case.get('env', ''),
                              mem=case.get('mem', '128M'), stdout_pipe=True, timeout=timeout, echo=False)
        lines = testrun.marked_lines(out, name)
        if status != 0 or lines is None:
            return None, 'riscv64 Linux reference %s exited %d%s:\n%s' % (
                app, status, '' if lines is not None else ' without its begin/end lines', out)
        return _newer_rows(lines, linux61_rows.get(case['app'], [])), ''
    return ('riscv64 Linux', run)
