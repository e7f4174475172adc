"""gdb-multiarch against QEMU's gdb server: the command line `scons debug`
runs in the foreground and the one a guest test runs in batch mode."""
import os
import signal
import subprocess
import threading
import time

GDB = 'gdb-multiarch'
CONNECT_WAIT_S = 10     # for QEMU to create its gdb socket


SCRIPT = 'tools/capsule.gdb'      # run from the repository root: its paths are relative to it


def command(elf, connect, script=None, commands=(), batch=False):
    """gdb's command line: no ~/.gdbinit (-nx), the ELF loaded, the project
    script (SCRIPT, run with the repository root as the working directory)
    sourced when given and its capsule-connect to connect (without it,
    `target remote`) to connect (':1234' or a Unix socket's path), then each
    of commands; batch makes gdb exit after them."""
    cmd = [GDB, '-q', '-nx'] + (['-batch'] if batch else [])
    if script:
        cmd += ['-x', script]
    cmd += ['-ex', ('capsule-connect ' if script else 'target remote ') + connect]
    for c in commands:
        cmd += ['-ex', c]
    return cmd + [elf]


def wait_for_socket(path, proc=None, timeout=CONNECT_WAIT_S):
    """Wait until QEMU created its gdb socket at path (False after timeout or
    when the process proc ended first)."""
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline or (proc is not None and proc.poll() is not None):
            return False
        time.sleep(0.05)
    return True


def batch_session(qemu_run, sock, gdb_cmd, timeout):
    """Run the guest with qemu_run() (a function returning qemu.run's
    (status, output, seconds), with QEMU's gdb server on the Unix socket sock)
    in a thread while gdb_cmd runs in batch mode; returns (QEMU's result,
    gdb's output).  gdb ends the guest or lets it finish; a guest still
    running when gdb is done ends at qemu_run's own timeout."""
    result = {}
    guest = threading.Thread(target=lambda: result.update(run=qemu_run()), daemon=True)
    guest.start()
    if not wait_for_socket(sock, timeout=CONNECT_WAIT_S):
        guest.join()
        return result['run'], 'gdb: QEMU made no gdb socket at %s\n' % sock
    try:
        proc = subprocess.run(gdb_cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors='replace', timeout=timeout)
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace') + '\ngdb: timeout\n'
    guest.join()
    return result['run'], out


def debug(qemu_run, gdb_cmd, root):
    """`scons debug`: the guest runs with qemu_run(on_start) (qemu.run in its
    own session, so a Ctrl-C reaches gdb alone and gdb stops the guest; its
    console shown as `run` shows it) in a thread; gdb_cmd runs in the
    foreground with the repository root as its working directory and the
    terminal (or the commands piped in).  gdb's quit ends the guest it is
    attached to; one still running after gdb (detached) is stopped.  Returns
    the guest's exit status when it ended by itself, else gdb's."""
    result = {}
    procs = []
    guest = threading.Thread(target=lambda: result.update(run=qemu_run(procs.append)), daemon=True)
    guest.start()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        gdb_status = subprocess.call(gdb_cmd, cwd=root)
    finally:
        signal.signal(signal.SIGINT, old)
        guest.join(timeout=0.5)     # the guest ending by itself (gdb saw it go)
        stopped = guest.is_alive() and procs
        if stopped:
            procs[0].terminate()
        guest.join()
    return gdb_status if stopped or 'run' not in result else result['run'][0]
