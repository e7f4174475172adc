"""Boots Capsule images under QEMU with Debian's OpenSBI, streams the console,
symbolizes backtrace lines with addr2line, and returns the guest's exit status.
Used by `scons run`, `scons test`, `scons bench` and tools/capsule-run."""
import os
import re
import subprocess
import sys
import threading
import time

QEMU = 'qemu-system-riscv64'
FW_DYNAMIC = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin'
ADDR2LINE = 'riscv64-unknown-elf-addr2line'
TIMEOUT_STATUS = 124
# A backtrace or pc line printed by libarch's fault report: "    #3 0xffffffffc0201234"
FRAME_RE = re.compile(r'^(\s*#\d+\s+)(0x[0-9a-fA-F]+)\s*$')


def command(elf=None, fw=None, mem='128M', args='', icount=False, gdb=False, extra=()):
    """The QEMU command line: boot=elf gives OpenSBI fw_dynamic + -kernel ELF,
    boot=fw gives the combined firmware file as -bios."""
    cmd = [QEMU, '-M', 'virt', '-m', str(mem), '-nographic', '-no-reboot']
    if fw:
        cmd += ['-bios', fw]
    else:
        cmd += ['-bios', FW_DYNAMIC, '-kernel', elf]
        if args:
            cmd += ['-append', args]
    if icount:
        cmd += ['-icount', 'shift=0']
    if gdb:
        cmd += ['-s', '-S']
    return cmd + list(extra)


class Symbolizer:
    """Turns an address into 'function at file:line' using the image's ELF."""

    def __init__(self, elf):
        self.elf = elf
        self.cache = {}

    def __call__(self, addr):
        if not self.elf or not os.path.exists(self.elf):
            return ''
        if addr not in self.cache:
            try:
                out = subprocess.run([ADDR2LINE, '-f', '-p', '-C', '-e', self.elf, addr],
                                     capture_output=True, text=True, timeout=10).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                out = ''
            self.cache[addr] = '' if out.startswith('??') else out
        return self.cache[addr]


def annotate(line, symbolize):
    """Append the symbol to a backtrace line; other lines pass unchanged."""
    m = FRAME_RE.match(line.rstrip('\r\n'))
    if not m:
        return line
    sym = symbolize(m.group(2))
    return '%s%s%s\n' % (m.group(1), m.group(2), ('  ' + sym) if sym else '')


def run(cmd, elf=None, timeout=60, echo=True, stdin=None):
    """Run QEMU; returns (status, output text, seconds).  status is QEMU's exit
    status (the guest's), or 124 after a timeout."""
    symbolize = Symbolizer(elf)
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=stdin if stdin is not None else subprocess.DEVNULL)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    lines = []
    try:
        for raw in proc.stdout:
            line = annotate(raw.decode('utf-8', 'replace').replace('\r\n', '\n'), symbolize)
            lines.append(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
        status = proc.wait()
    finally:
        timer.cancel()
    if status < 0:      # killed by the timer
        msg = 'capsule: guest did not finish within %s s; stopped\n' % timeout
        lines.append(msg)
        if echo:
            sys.stdout.write(msg)
        status = TIMEOUT_STATUS
    return status, ''.join(lines), time.time() - start
