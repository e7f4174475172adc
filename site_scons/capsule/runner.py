"""The command-style targets: run, debug, size and cdb.  `run` hands QEMU's exit
status (the app's) through: SCons itself would turn any failure into 2."""
import atexit
import hashlib
import os
import re
import subprocess
import sys

from SCons.Script import Action, AlwaysBuild, GetLaunchDir

from capsule import files, gdb, qemu, size

_status = {'code': None}


def _exit_with_app_status():
    if _status['code'] is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_status['code'])


def set_exit_status(code):
    """Make scons exit with code once it is done (after writing its database),
    so that the last line printed stays the action's own (e.g. the test summary)."""
    _status['code'] = code


# mem= as QEMU's -m reads it: a number of MiB, or a number with K, M, G or T.
MEM_RE = re.compile(r'^(\d+)([KMGT]?)$', re.I)
MEM_UNIT_BYTES = {'': 1 << 20, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}
MEM_MIN_BYTES = 8 << 20     # OpenSBI, the image and the app's first pages; 4M does not boot


def option_errors(env):
    """Why the options cannot work (one line each), checked before anything
    builds: mem, timeout, failalloc, and args/env for the boot line."""
    why = []
    m = MEM_RE.match(env['mem'])
    if not m:
        why.append('scons: mem=%s: not a size; give one as QEMU -m takes it, e.g. mem=128M or mem=1G'
                   % env['mem'])
    elif int(m.group(1)) * MEM_UNIT_BYTES[m.group(2).upper()] < MEM_MIN_BYTES:
        why.append('scons: mem=%s: too small; Capsule needs at least %dM (a number alone means MiB)'
                   % (env['mem'], MEM_MIN_BYTES >> 20))
    elif env['boot'] == 'uboot' and int(m.group(1)) * MEM_UNIT_BYTES[m.group(2).upper()] < qemu.UBOOT_MIN_MEM_BYTES:
        why.append('scons: mem=%s: boot=uboot needs at least %dM (U-Boot loads the image at RAM + 64 MiB)'
                   % (env['mem'], qemu.UBOOT_MIN_MEM_BYTES >> 20))
    try:
        if not float(env['timeout']) > 0:
            raise ValueError
    except ValueError:
        why.append('scons: timeout=%s: a number of seconds greater than 0, e.g. timeout=120' % env['timeout'])
    if not env['gdbport'].isdigit() or not 0 < int(env['gdbport']) < 65536:
        why.append('scons: gdbport=%s: a TCP port number, 1 to 65535' % env['gdbport'])
    if not env['failalloc'].isdigit():
        why.append('scons: failalloc=%s: a number of allocations (0: off)' % env['failalloc'])
    try:
        re.compile(env['cases'])
    except re.error as e:
        why.append('scons: cases=%s: not a regular expression (%s)' % (env['cases'], e))
    try:
        qemu.boot_line(env['args'], env['env'], boot=env['boot'])
    except qemu.BootLineError as e:
        why.append(str(e))
    for what in ('files', 'out'):
        bad = env[what] and files.check_dir(_host_dir(env[what]), what)
        if bad:
            why.append(bad)
    if env['files'] and env['boot'] == 'uboot':
        why.append('scons: files=: boot=elf or boot=fw (U-Boot does not pass the archive on)')
    return why


def _host_dir(path):
    """files= and out= as given: relative to where scons was started."""
    return os.path.abspath(os.path.join(GetLaunchDir(), path))


def files_archive(env):
    """The archive of files=DIR (files.write_archive) as a build node under
    build/files/, rebuilt when the directory's names, sizes or times
    change; None without files=."""
    if not env['files']:
        return None
    top = _host_dir(env['files'])
    digest = hashlib.sha1(top.encode()).hexdigest()[:8]
    target = '#build/files/%s-%s.cpio' % (os.path.basename(top) or 'root', digest)
    return env.Command(target, env.Value(files.signature(top)),
                       Action(files.archive_action, '  CPIO   $TARGET'), FILES_DIR=top)[0]


def boot_command(env, image, gdb=False, stdin_pipe=False, out=None):
    """QEMU's command line for run/debug; exits with status 2 and the reason
    when the arguments and environment do not fit the boot path.  out: the
    run's files.OutCollector (out=DIR)."""
    where = {'fw': {'fw': str(image['fw'])}, 'uboot': {'uboot': str(image['bin'])}}.get(
        env['boot'], {'elf': str(image['elf'])})
    archive = image.get('files')
    try:
        return qemu.command(mem=env['mem'], args=env['args'], env=env['env'], gdb=gdb,
                            stdin_pipe=stdin_pipe, icount=bool(env['icount']),
                            initrd=str(archive) if archive else None,
                            out_file=out.path if out else None, **where)
    except qemu.BootLineError as e:
        print(e)
        _status['code'] = 2
        return None


def _run_action(image):
    """stdin: a terminal is handed to QEMU as it is (the guest edits lines and
    echoes); anything else (a pipe, a file, /dev/null) is forwarded byte-exact
    with its end marked (docs/console.md).  boot=uboot: the runner types into
    U-Boot first, and stdin is a pipe (from a terminal: empty)."""
    def action(target, source, env):
        uboot = env['boot'] == 'uboot'
        piped = not sys.stdin.isatty()
        out = files.OutCollector(_host_dir(env['out'])) if env['out'] else None
        cmd = boot_command(env, image, stdin_pipe=piped, out=out)
        if cmd is None:
            return 0
        if env['verbose']:
            print(' '.join(cmd))
        shown = dict(elf=str(image['elf']), timeout=float(env['timeout']), banner=env['verbose'])
        if uboot:
            shown['prelude'] = qemu.uboot_steps(env['args'], env['env'], bool(env['icount']))
        if uboot and not piped:
            status, _, _ = qemu.run(cmd, stdin_data=b'', **shown)
        elif piped:
            status, _, _ = qemu.run(cmd, stdin_stream=sys.stdin.buffer, **shown)
        else:
            status, _, _ = qemu.run(cmd, stdin=sys.stdin, **shown)
        note = out.finish() if out else None
        if note:
            print(note)
        _status['code'] = status
        return 0
    return action


def _debug_action(image):
    """QEMU halted with its gdb server on gdbport, and gdb-multiarch attached
    in the foreground with the ELF and tools/capsule.gdb (break at main)."""
    def action(target, source, env):
        cmd = boot_command(env, image, gdb=int(env['gdbport']))
        if cmd is None:
            return 0
        elf = str(image['elf'])
        gdb_cmd = gdb.command(elf, ':%s' % env['gdbport'], script=gdb.SCRIPT)
        if env['verbose']:
            print(' '.join(cmd))
            print(' '.join(gdb_cmd))
        print('capsule: QEMU halted, gdb server on :%s; gdb-multiarch attached (tools/capsule.gdb: '
              'break at main; `continue` to run, Ctrl-C to stop, `quit` to end)' % env['gdbport'])
        sys.stdout.flush()
        _status['code'] = gdb.debug(
            lambda on_start: qemu.run(cmd, elf=elf, timeout=None, banner=env['verbose'],
                                      on_start=on_start, new_session=True),
            gdb_cmd, env['ROOT'])
        return 0
    return action


def _size_action(image):
    def action(target, source, env):
        print(size.report(str(image['map']), str(image['bin']), str(image['fw'])))
        return 0
    return action


def aliases(env, image, run_action=None, run_sources=()):
    """run, debug and size for image; run_action (with its extra
    run_sources) replaces run's own: os=linux and os=both (linuxboot.py)."""
    atexit.register(_exit_with_app_status)
    image = dict(image, files=files_archive(env))
    inputs = [image['elf'], image['fw']] + ([image['files']] if image['files'] else [])
    run = env.Alias('run', inputs + list(run_sources), Action(run_action or _run_action(image), None))
    AlwaysBuild(run)
    debug = env.Alias('debug', inputs, Action(_debug_action(image), None))
    AlwaysBuild(debug)
    sizes = env.Alias('size', [image['map'], image['bin'], image['fw']], Action(_size_action(image), None))
    AlwaysBuild(sizes)
