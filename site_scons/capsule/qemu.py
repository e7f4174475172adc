"""Boots Capsule images under QEMU with Debian's OpenSBI, streams the console,
symbolizes backtrace lines with addr2line, and returns the guest's exit status.
Used by `scons run`, `scons test`, `scons bench` and tools/capsule-run."""
import os
import pty
import re
import shlex
import struct
import subprocess
import sys
import threading
import time

from capsule import files

QEMU = 'qemu-system-riscv64'
FW_DYNAMIC = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin'
ADDR2LINE = 'riscv64-unknown-elf-addr2line'
CROSS_NM = 'riscv64-unknown-elf-nm'
TIMEOUT_STATUS = 124
# A backtrace or pc line printed by libarch's fault report: "    #3 0xffffffffc0201234"
FRAME_RE = re.compile(r'^(\s*#\d+\s+)(0x[0-9a-fA-F]+)\s*$')


# boot=uboot (docs/boot.md): OpenSBI fw_dynamic starts Debian's U-Boot
# (S-mode build) as its -kernel; QEMU's loader puts <app>.bin at
# UBOOT_IMAGE_ADDR and the boot line, as the text "bootargs=<line>\n", at
# UBOOT_ARGS_ADDR; the runner stops U-Boot's autoboot and types
# "env import" of that text, a move of its device tree to where it has room
# and booti at its prompt (uboot_steps).  Typing the line itself would be
# cut at U-Boot's 256-byte command line and need its shell's quoting; in
# place, U-Boot's device tree has about 1 KiB free, and a longer bootargs
# crashes U-Boot.
UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin'
UBOOT_IMAGE_ADDR = 0x84000000
UBOOT_ARGS_ADDR = 0x83000000
UBOOT_FDT_ADDR = 0x83100000
UBOOT_FDT_BYTES = 0x100000
UBOOT_LINE_MAX_BYTES = 64 * 1024
UBOOT_MIN_MEM_BYTES = 128 << 20     # the image at RAM + 64 MiB, U-Boot relocated to the top
UBOOT_AUTOBOOT = 'Hit any key to stop autoboot'
UBOOT_PROMPT = '=> '
UBOOT_STARTED = 'Starting kernel ...'

# The boot line (docs/console.md): Capsule's options, "--", the arguments.
# The guest has no fixed limit; the boot paths carry this much: QEMU's
# -append is one host command-line argument (Linux: MAX_ARG_STRLEN, 128 KiB
# with its NUL); boot=fw's line sits in the image's padding (1 MiB less its
# header).
BOOT_LINE_MAX_BYTES = {'elf': 128 * 1024 - 1, 'fw': 1024 * 1024 - 32, 'uboot': UBOOT_LINE_MAX_BYTES}
# boot=fw: the line goes into the firmware image's padding, 1 MiB below the
# payload (arch/bootinfo.h: BOOT_BLOB_*).
FW_PAYLOAD_OFFSET = 2 * 1024 * 1024
BOOT_BLOB_OFFSET = 1024 * 1024
BOOT_BLOB_MAGIC = b'CAPSULE-BOOTLINE'
# stdin forwarded from a pipe or file (libc_glue/tty.h): padding and a start
# mark (OpenSBI's UART set-up swallows a byte that arrives early), then the
# bytes with 0xff sent as 0xff 0xff, then the end mark.
STDIN_ESC = b'\xff'
STDIN_START = b'\x00\x00\x00\x00\xff\x01'
STDIN_EOF = b'\xff\x00'


class BootLineError(ValueError):
    pass


# OpenSBI's boot banner (docs/boot.md): blank lines, "OpenSBI v1.1", its
# logo, then "Key<padded to 26 columns>: value" lines.  The runner hides it
# unless verbose=1: the console shows the payload's output from its first line.
BANNER_FIRST_RE = re.compile(r'^OpenSBI v\d')
BANNER_LINE_RE = re.compile(r"^(|[ _|/\\()<>'.,`-]*|[A-Za-z0-9 ]{26}: .*)$")
# A partial line (no newline yet) that may still become a banner line.
BANNER_PARTIAL_RE = re.compile(r"^(OpenSBI.*|[ _|/\\()<>'.,`-]*|[A-Za-z0-9 ]{0,26}|[A-Za-z0-9 ]{26}:.*)$")


class BannerFilter:
    """Says which console lines belong to OpenSBI's banner: the leading
    blank lines, and when the first other line is OpenSBI's, every line up
    to the first that is not in the banner's form.  From there on nothing is
    dropped."""

    def __init__(self, until=None):
        self.state = 'start'        # 'start' -> 'banner' -> 'payload'; with until: 'loader', 'blank'
        self.until = until
        self.hidden = []

    def drop(self, line):
        """Whether line (without its newline) is part of the banner (or, with
        until, of everything up to the line until and one blank line after
        it: a boot loader's output)."""
        keep = self._drop(line)
        if keep:
            self.hidden.append(line + '\n')
        return keep

    def _drop(self, line):
        if self.until and self.state == 'start':
            self.state = 'loader'
        if self.state == 'loader':
            if line.strip() == self.until:
                self.state = 'blank'
            return True
        if self.state == 'blank':
            self.state = 'payload'
            if line.strip() == '':
                return True
        if self.state == 'start':
            if line.strip() == '':
                return True
            self.state = 'banner' if BANNER_FIRST_RE.match(line) else 'payload'
            return self.state == 'banner'
        if self.state == 'banner' and BANNER_LINE_RE.match(line):
            return True
        self.state = 'payload'
        return False

    def undecided(self, partial):
        """Whether a partial line may still turn out to be the banner's
        (then it is shown only once complete)."""
        if self.state == 'loader':
            return True
        if self.state != 'payload' and BANNER_PARTIAL_RE.match(partial):
            return True
        self.state = 'payload'
        return False


def strip_banner(text):
    """text without OpenSBI's banner (BannerFilter)."""
    keep = BannerFilter()
    return ''.join(l for l in text.splitlines(True) if not keep.drop(l.rstrip('\n')))


def _option_word(word):
    if '"' in word:
        raise BootLineError('capsule: %r: a double quote cannot be carried in env (quotes group words)' % word)
    return '"%s"' % word if (' ' in word or '\t' in word) else word


def boot_line(args='', env='', stdin_pipe=False, boot='elf', icount=False, out_file=None):
    """The line main's argv and environ come from: options (env="A=1 B=two"
    in shell quoting, stdin mode, capsule.icount when QEMU runs under
    -icount, capsule.out=<host file> for out=DIR), then '--', then args as
    given.  Raises BootLineError beyond what the boot path carries."""
    try:
        opts = ['capsule.env=' + w for w in shlex.split(env or '')]
    except ValueError as e:
        raise BootLineError('capsule: env=%r: %s' % (env, e))
    bad = [w for w in opts if '=' not in w[len('capsule.env='):]]
    if bad:
        raise BootLineError('capsule: env entries must be NAME=VALUE: %s' % ', '.join(bad))
    opts = [_option_word(w) for w in opts] + (['capsule.stdin=pipe'] if stdin_pipe else [])
    opts += ['capsule.icount'] if icount else []
    opts += [_option_word('capsule.out=' + out_file)] if out_file else []
    line = ' '.join(opts + ['--', args or '']).strip() if opts else (args or '')
    if boot == 'uboot' and '\n' in line:
        raise BootLineError('capsule: boot=uboot: the arguments and environment cannot carry a newline')
    if len(line.encode()) > BOOT_LINE_MAX_BYTES[boot]:
        raise BootLineError('capsule: the arguments and environment take %d bytes; boot=%s carries at '
                            'most %d' % (len(line.encode()), boot, BOOT_LINE_MAX_BYTES[boot]))
    return line


def fw_with_boot_line(fw, line, initrd=None, mem='128M'):
    """A copy of the firmware image fw (written beside it as <fw>-args.bin)
    carrying line in its padding, and the files archive initrd when given
    (files.fw_add_initrd); returns its path."""
    with open(fw, 'rb') as f:
        data = bytearray(f.read())
    raw = line.encode()
    at = FW_PAYLOAD_OFFSET - BOOT_BLOB_OFFSET
    blob = BOOT_BLOB_MAGIC + struct.pack('<QQ', len(raw), ~len(raw) & (2**64 - 1)) + raw
    if any(data[at:at + len(blob)]) or at + len(blob) > FW_PAYLOAD_OFFSET:
        raise BootLineError('capsule: %s has no free padding for the boot line' % fw)
    if line:
        data[at:at + len(blob)] = blob
    if initrd:
        try:
            files.fw_add_initrd(data, initrd, mem, FW_PAYLOAD_OFFSET)
        except files.FilesError as e:
            raise BootLineError(str(e))
    path = fw[:-len('.bin')] + '-args.bin' if fw.endswith('.bin') else fw + '-args'
    with open(path, 'wb') as f:
        f.write(data)
    return path


def command(elf=None, fw=None, mem='128M', args='', icount=False, gdb=False, extra=(), env='',
            stdin_pipe=False, uboot=None, initrd=None, out_file=None):
    """The QEMU command line: boot=elf gives OpenSBI fw_dynamic + -kernel ELF
    (the boot line as -append), boot=fw gives the combined firmware file as
    -bios (the boot line written into a copy of the image,
    fw_with_boot_line), uboot=<app>.bin gives OpenSBI fw_dynamic + U-Boot
    with the image loaded for booti (the boot line is typed at U-Boot's
    prompt: run(prelude=uboot_steps(...)); stdin is then always a pipe).
    stdin_pipe: the console is not muxed with QEMU's monitor (every byte
    reaches the guest) and the guest is told its stdin is a forwarded pipe
    (run(stdin_data=...) or run(stdin_stream=...)).  gdb: QEMU starts halted
    with its gdb server on TCP port 1234 (True), on the given port (an int)
    or on the Unix socket at the given path (a str).
    initrd: the files archive (files=DIR; boot=elf: QEMU -initrd, boot=fw: in
    the image); out_file: the host file the guest writes its /out archive to
    through semihosting (out=DIR; files.unpack)."""
    stdin_pipe = stdin_pipe or bool(uboot)
    boot = 'fw' if fw else 'uboot' if uboot else 'elf'
    line = boot_line(args, env, stdin_pipe, boot, icount, out_file)
    if initrd and boot == 'uboot':
        raise BootLineError('capsule: files= works with boot=elf and boot=fw, not boot=uboot')
    if initrd and boot == 'elf':
        why = files.check_elf_initrd(os.path.getsize(initrd), mem)
        if why:
            raise BootLineError(why)
    cmd = [QEMU, '-M', 'virt', '-m', str(mem), '-nographic', '-no-reboot']
    if stdin_pipe:
        cmd += ['-serial', 'stdio', '-monitor', 'none']
    if out_file:
        cmd += ['-semihosting-config', 'enable=on,target=native']
    if fw:
        cmd += ['-bios', fw_with_boot_line(fw, line, initrd, mem) if line or initrd else fw]
    elif uboot:
        cmd += ['-bios', FW_DYNAMIC, '-kernel', UBOOT,
                '-device', 'loader,file=%s,addr=%#x,force-raw=on' % (uboot, UBOOT_IMAGE_ADDR),
                '-device', 'loader,file=%s,addr=%#x,force-raw=on' % (_uboot_args_file(uboot, line),
                                                                     UBOOT_ARGS_ADDR)]
    else:
        cmd += ['-bios', FW_DYNAMIC, '-kernel', elf]
        if line:
            cmd += ['-append', line]
        if initrd:
            cmd += ['-initrd', initrd]
    if icount:
        cmd += ['-icount', icount if isinstance(icount, str) else 'shift=0']
    if isinstance(gdb, str):
        cmd += ['-chardev', 'socket,path=%s,server=on,wait=off,id=gdb' % gdb, '-gdb', 'chardev:gdb', '-S']
    elif gdb:
        cmd += ['-gdb', 'tcp::%d' % (1234 if gdb is True else gdb), '-S']
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


def _uboot_args_text(line):
    return ('bootargs=%s\n' % line).encode()


def _uboot_args_file(image, line):
    """The boot line as U-Boot's "env import -t" reads it, in a file beside
    image (<app>-bootargs.txt); returns its path."""
    path = os.path.splitext(image)[0] + '-bootargs.txt'
    with open(path, 'wb') as f:
        f.write(_uboot_args_text(line))
    return path


def uboot_steps(args='', env='', icount=False):
    """What the runner types into U-Boot for boot=uboot, as run()'s prelude
    [(output marker, how many times it must have appeared, bytes)]: a key
    that stops the autoboot, the import of the boot line as bootargs (the
    text command() had QEMU load), U-Boot's own device tree moved where
    bootargs fits, then booti of the image with it."""
    size = len(_uboot_args_text(boot_line(args, env, True, 'uboot', icount)))
    return [(UBOOT_AUTOBOOT, 1, b'\n'),
            (UBOOT_PROMPT, 1, b'env import -t %#x %#x bootargs\n' % (UBOOT_ARGS_ADDR, size)),
            (UBOOT_PROMPT, 2, b'fdt move ${fdtcontroladdr} %#x %#x\n' % (UBOOT_FDT_ADDR, UBOOT_FDT_BYTES)),
            (UBOOT_PROMPT, 3, b'booti %#x - %#x\n' % (UBOOT_IMAGE_ADDR, UBOOT_FDT_ADDR))]


def _wait_for(marker, count, seen, deadline):
    """Wait until the output seen() holds marker count times; False after
    the deadline."""
    while seen().count(marker) < count:
        if time.time() > deadline:
            return False
        time.sleep(0.02)
    return True


def _feed_prelude(pipe, steps, seen, timeout, then):
    """Type each step's bytes once its marker has appeared (a boot loader's
    prompt), then wait for the payload to start (UBOOT_STARTED) and call
    then() (the pipe feeder)."""
    deadline = time.time() + timeout
    try:
        for marker, count, data in steps:
            if not _wait_for(marker, count, seen, deadline):
                return
            pipe.write(data)
            pipe.flush()
        if _wait_for(UBOOT_STARTED, 1, seen, deadline):
            then()
    except (BrokenPipeError, OSError, ValueError):
        pass


def escape_stdin(data):
    """Bytes as the guest's pipe mode reads them (without the end mark)."""
    return data.replace(STDIN_ESC, STDIN_ESC + STDIN_ESC)


def _feed_pipe(pipe, data=None, stream=None):
    """Write data (bytes) or everything read from stream (a binary file),
    escaped, then the end mark; errors (QEMU gone) end it quietly."""
    try:
        pipe.write(STDIN_START)
        if data is not None:
            pipe.write(escape_stdin(data))
        else:
            for chunk in iter(lambda: stream.read1(65536) if hasattr(stream, 'read1') else stream.read(65536), b''):
                pipe.write(escape_stdin(chunk))
                pipe.flush()
        pipe.write(STDIN_EOF)
        pipe.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass


def _feed_tty(master, steps, seen, timeout):
    """Typed input through a pty: for each (marker, bytes), wait until the
    output so far contains marker, then type bytes."""
    deadline = time.time() + timeout
    for marker, data in steps:
        while marker not in seen() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        try:
            os.write(master, data)
        except OSError:
            return


def run(cmd, elf=None, timeout=60, echo=True, stdin=None, stdin_data=None, stdin_stream=None,
        tty_steps=None, banner=False, prelude=None, on_start=None, new_session=False):
    """Run QEMU; returns (status, output text, seconds).  status is QEMU's exit
    status (the guest's), or 124 after a timeout.  The output text is the
    whole console; echo shows it as it comes, without OpenSBI's banner (and
    with a prelude, without U-Boot's output) unless banner is true.
    prelude: [(marker, count, bytes)] typed first (uboot_steps), then the
    pipe's input once the payload started.  Input: stdin_data (bytes)
    or stdin_stream (a binary file) forwarded as a pipe (command(...,
    stdin_pipe=True)); tty_steps [(output marker, bytes typed)] through a pty
    (a terminal); stdin a file object QEMU inherits; else nothing.
    timeout None: no limit.  on_start(process) is called once QEMU started;
    new_session puts it in a session of its own (a Ctrl-C on the terminal
    does not reach it)."""
    symbolize = Symbolizer(elf)
    hide = BannerFilter(until=UBOOT_STARTED if prelude else None)
    if banner:
        hide.state = 'payload'
    start = time.time()
    master = None
    if stdin_data is not None or stdin_stream is not None:
        qin = subprocess.PIPE
    elif tty_steps is not None:
        master, slave = pty.openpty()
        qin = slave
    else:
        qin = stdin if stdin is not None else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=qin,
                            start_new_session=new_session)
    if on_start:
        on_start(proc)
    timer = threading.Timer(timeout if timeout is not None else 0, proc.kill)
    if timeout is not None:
        timer.start()
    lines = []
    out_so_far = []
    feeder = None
    if qin is subprocess.PIPE and prelude:
        pipe_feed = lambda: _feed_pipe(proc.stdin, stdin_data, stdin_stream)   # noqa: E731
        feeder = threading.Thread(target=_feed_prelude, daemon=True,
                                  args=(proc.stdin, prelude, lambda: ''.join(out_so_far), timeout, pipe_feed))
    elif qin is subprocess.PIPE:
        feeder = threading.Thread(target=_feed_pipe, args=(proc.stdin, stdin_data, stdin_stream), daemon=True)
    elif master is not None:
        os.close(slave)
        feeder = threading.Thread(target=_feed_tty, daemon=True,
                                  args=(master, tty_steps, lambda: ''.join(out_so_far), timeout))
    if feeder:
        feeder.start()
    try:
        pending = b''
        shown = ''      # of the current partial line: what was echoed, what the tty feeder saw
        fed = ''
        fd = proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b'\n')
            for raw in complete:
                text = raw.decode('utf-8', 'replace').replace('\r', '') + '\n'
                line = annotate(text, symbolize)
                lines.append(line)
                out_so_far.append(line)
                if echo and not hide.drop(line.rstrip('\n')):
                    sys.stdout.write(line[len(shown):] if line.startswith(shown) else line)
                shown = ''
                fed = ''
            partial = pending.decode('utf-8', 'replace').replace('\r', '')
            if partial and not partial.lstrip().startswith('#'):
                out_so_far.append(partial[len(fed):])
                fed = partial
                if echo and not hide.undecided(partial):
                    sys.stdout.write(partial[len(shown):])
                    shown = partial
            if echo:
                sys.stdout.flush()
        if pending:
            line = pending.decode('utf-8', 'replace').replace('\r', '')
            lines.append(line)
            if echo and not hide.drop(line):
                sys.stdout.write(line[len(shown):])
        status = proc.wait()
        if echo and hide.state == 'loader':
            sys.stdout.write(''.join(hide.hidden))     # the payload never started: show why
    finally:
        timer.cancel()
        if master is not None:
            os.close(master)
    if status < 0:      # killed by the timer
        msg = ('capsule: guest did not finish within %s s; stopped.  If the app should have ended: '
               'an S-mode app that writes satp, stvec or sscratch, or sleeps with nothing to wake it, '
               'stops the libOS silently (docs/memory.md, "What S-mode cannot protect")\n' % timeout)
        lines.append(msg)
        if echo:
            sys.stdout.write(msg)
        status = TIMEOUT_STATUS
    return status, ''.join(lines), time.time() - start
