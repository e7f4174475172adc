"""The command-style targets: run, debug and cdb.  `run` hands QEMU's exit
status (the app's) through: SCons itself would turn any failure into 2."""
import atexit
import os
import subprocess
import sys

from SCons.Script import Action, AlwaysBuild

from capsule import qemu

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


def _boot_command(env, image, gdb=False, stdin_pipe=False):
    """QEMU's command line for run/debug; exits with status 2 and the reason
    when the arguments and environment do not fit the boot path."""
    where = {'fw': str(image['fw'])} if env['boot'] == 'fw' else {'elf': str(image['elf'])}
    try:
        return qemu.command(mem=env['mem'], args=env['args'], env=env['env'], gdb=gdb,
                            stdin_pipe=stdin_pipe, icount=bool(env['icount']), **where)
    except qemu.BootLineError as e:
        print(e)
        _status['code'] = 2
        return None


def _run_action(image):
    """stdin: a terminal is handed to QEMU as it is (the guest edits lines and
    echoes); anything else (a pipe, a file, /dev/null) is forwarded byte-exact
    with its end marked (docs/console.md)."""
    def action(target, source, env):
        piped = not sys.stdin.isatty()
        cmd = _boot_command(env, image, stdin_pipe=piped)
        if cmd is None:
            return 0
        if env['verbose']:
            print(' '.join(cmd))
        if piped:
            status, _, _ = qemu.run(cmd, elf=str(image['elf']), timeout=float(env['timeout']),
                                    stdin_stream=sys.stdin.buffer)
        else:
            status, _, _ = qemu.run(cmd, elf=str(image['elf']), timeout=float(env['timeout']),
                                    stdin=sys.stdin)
        _status['code'] = status
        return 0
    return action


def _debug_action(image):
    def action(target, source, env):
        cmd = _boot_command(env, image, gdb=True)
        if cmd is None:
            return 0
        print('capsule: QEMU is halted with a gdb server on :1234; in another terminal:')
        print('  gdb-multiarch %s -ex "target remote :1234"' % image['elf'])
        subprocess.call(cmd)
        return 0
    return action


def aliases(env, image):
    atexit.register(_exit_with_app_status)
    run = env.Alias('run', [image['elf'], image['fw']], Action(_run_action(image), None))
    AlwaysBuild(run)
    debug = env.Alias('debug', [image['elf'], image['fw']], Action(_debug_action(image), None))
    AlwaysBuild(debug)
