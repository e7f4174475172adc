"""gdb-multiarch against QEMU's gdb server: the command line `scons debug`
runs in the foreground and the one a guest test runs in batch mode."""
import os
import subprocess
import threading
import time

GDB = 'gdb-multiarch'
CONNECT_WAIT_S = 10     # for QEMU to create its gdb socket


def command(elf, connect, script=None, commands=(), batch=False):
    """gdb's command line: no ~/.gdbinit (-nx), the ELF loaded, the project
    script (tools/capsule.gdb) sourced when given, then `target remote
    connect` (':1234' or a Unix socket's path) and each of commands; batch
    makes gdb exit after them."""
    cmd = [GDB, '-q', '-nx'] + (['-batch'] if batch else [])
    if script:
        cmd += ['-x', script]
    cmd += ['-ex', 'target remote ' + connect]
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
