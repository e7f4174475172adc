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


def _boot_command(env, image, gdb=False):
    if env['boot'] == 'fw':
        return qemu.command(fw=str(image['fw']), mem=env['mem'], gdb=gdb)
    return qemu.command(elf=str(image['elf']), mem=env['mem'], args=env['args'], gdb=gdb)


def _run_action(image):
    def action(target, source, env):
        cmd = _boot_command(env, image)
        if env['verbose']:
            print(' '.join(cmd))
        status, _, _ = qemu.run(cmd, elf=str(image['elf']), timeout=float(env['timeout']))
        _status['code'] = status
        return 0
    return action


def _debug_action(image):
    def action(target, source, env):
        cmd = _boot_command(env, image, gdb=True)
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
