"""files=DIR and out=DIR (docs/files.md).

In: the archive of a host directory that the guest's file system starts with,
a cpio "newc" archive as cpio(1) reads it, written here because cpio cannot
align: every regular file's data starts at a page boundary of the archive
(directory entries for "." under longer names pad the space before it), so the
guest keeps the archive's own frames as the files' pages -- nothing is copied.
It travels as QEMU's -initrd (boot=elf) or inside the firmware image (boot=fw,
described by a small header in the image's padding).

Out: at the end of the run the guest writes what its /out holds as one newc
archive to a host file through QEMU's semihosting; unpack() writes it into
out=DIR byte-exact."""
import os
import random
import stat
import struct
import tempfile

PAGE = 4096
NEWC_MAGIC = b'070701'
NEWC_HEADER = 110
TRAILER = b'TRAILER!!!'
PAD_NAME_MAX_PAIRS = 1000           # "." + "/." * k: a padding entry of at most 2112 bytes
PAD_ENTRY_MIN = 112                 # the shortest padding entry: header + ".\0" + 0 bytes of pad
COPY_CHUNK = 1 << 20

# Where the archive goes in guest RAM (arch/bootinfo.h, docs/files.md).
RAM_BASE = 0x80000000
PAYLOAD_PA = RAM_BASE + 0x200000            # fw_jump and fw_dynamic start the payload here
IMAGE_SIZE_OFFSET = 16                      # the Image header's image_size (memory, bss included)
FW_JUMP_FDT_PA = RAM_BASE + 0x2200000       # where Debian's fw_jump copies the device tree
FDT_WINDOW = 0x200000                       # room kept for a device tree
QEMU_FDT_LIMIT = RAM_BASE + (3 << 30)       # QEMU puts its device tree below min(RAM end, this)
INITRD_MAGIC = b'CAPSULE-INITRD\0\0'
INITRD_DESC_BELOW_PAYLOAD = 1024 * 1024 + 64    # BOOT_INITRD_OFFSET


class FilesError(ValueError):
    pass


def _align(x, a):
    return (x + a - 1) // a * a


def _header(name, mode, mtime, size):
    fields = [0, mode, 0, 0, 1, mtime, size, 0, 0, 0, 0, len(name) + 1, 0]
    raw = NEWC_MAGIC + b''.join(b'%08x' % (f & 0xffffffff) for f in fields) + name + b'\0'
    return raw + bytes(_align(len(raw), 4) - len(raw))


def _padding(gap, mode, mtime):
    """Entries for "." that fill exactly gap bytes (a multiple of 4, at least
    PAD_ENTRY_MIN): headers of the root under names "." + "/." * k, k even."""
    out = []
    biggest = PAD_ENTRY_MIN + 2 * PAD_NAME_MAX_PAIRS
    n = -(-gap // biggest)
    extra = gap - n * PAD_ENTRY_MIN          # spread over the entries, 4 bytes = two more "/."
    for _ in range(n):
        more = min(extra, biggest - PAD_ENTRY_MIN)
        extra -= more
        out.append(_header(b'.' + b'/.' * (more // 2), mode, mtime, 0))
    return b''.join(out)


def _tree(top):
    """(relative name, os.stat) of top's directories and regular files, each
    directory before what it holds, names sorted; symbolic links to files are
    followed, anything else is refused."""
    found = []

    def walk(rel):
        path = os.path.join(top, rel) if rel else top
        for name in sorted(os.listdir(path)):
            sub = os.path.join(rel, name) if rel else name
            full = os.path.join(top, sub)
            st = os.stat(full)
            if stat.S_ISDIR(st.st_mode) and not os.path.islink(full):
                found.append((sub, st))
                walk(sub)
            elif stat.S_ISREG(st.st_mode):
                found.append((sub, st))
            else:
                raise FilesError('files=%s: %s is neither a regular file nor a directory' % (top, sub))
    walk('')
    return found


def signature(top):
    """What the archive of top depends on: names, modes, sizes and times."""
    return repr([(n, st.st_mode, st.st_size, st.st_mtime_ns) for n, st in _tree(top)])


def write_archive(top, dst):
    """Write the newc archive of directory top to dst (see the top)."""
    root = os.stat(top)
    entries = _tree(top)
    with open(dst, 'wb') as f:
        pos = 0

        def put(data):
            nonlocal pos
            f.write(data)
            pos += len(data)
        put(_header(b'.', root.st_mode, int(root.st_mtime), 0))
        for name, st in entries:
            raw = name.encode()
            size = st.st_size if stat.S_ISREG(st.st_mode) else 0
            head = _header(raw, st.st_mode, int(st.st_mtime), size)
            if size:
                gap = (-(pos + len(head))) % PAGE
                if gap and gap < PAD_ENTRY_MIN:
                    gap += PAGE
                if gap:
                    put(_padding(gap, root.st_mode, int(root.st_mtime)))
            put(head)
            if size:
                with open(os.path.join(top, name), 'rb') as src:
                    for chunk in iter(lambda: src.read(COPY_CHUNK), b''):
                        put(chunk)
                put(bytes(_align(pos, 4) - pos))
        put(_header(TRAILER, 0, 0, 0))


def archive_action(target, source, env):
    write_archive(env['FILES_DIR'], str(target[0]))
    return 0


def check_dir(path, what):
    """Why path cannot be used as files= or out= (a string), or None."""
    if what == 'files' and not os.path.isdir(path):
        return 'scons: files=%s: not a directory' % path
    if what == 'out' and os.path.exists(path) and not os.path.isdir(path):
        return 'scons: out=%s: exists and is not a directory' % path
    return None


# ---- placing the archive in guest RAM ------------------------------------

def _mem_bytes(mem):
    units = {'': 1 << 20, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}
    mem = str(mem).upper()
    unit = mem[-1] if mem[-1] in units else ''
    return int(mem[:-1] if unit else mem) * units[unit]


def _fdt_window(mem):
    """Where QEMU puts its device tree: the last 2 MiB below the end of RAM
    (or 3 GiB into it)."""
    top = min(RAM_BASE + _mem_bytes(mem), QEMU_FDT_LIMIT)
    return top - FDT_WINDOW


def check_elf_initrd(size, mem):
    """Why QEMU cannot load an initrd of size bytes with mem of RAM, or None:
    it puts it at the kernel plus min(RAM / 2, 128 MiB) (hw/riscv/boot.c)."""
    start = PAYLOAD_PA + min(_mem_bytes(mem) // 2, 128 << 20)
    if start + size > _fdt_window(mem):
        return ('capsule: files=: the archive takes %d MiB, but with mem=%s QEMU has room for %d MiB '
                '(it loads it at RAM + %d MiB): give the guest more mem='
                % (-(-size // (1 << 20)), mem, max(0, _fdt_window(mem) - start) >> 20, (start - RAM_BASE) >> 20))
    return None


def fw_initrd_place(image_size, size, mem):
    """Where boot=fw's archive goes (physical): the first 2 MiB boundary past
    the image in memory, or past fw_jump's copy of the device tree when it
    would cover it.  Raises FilesError when RAM is too small."""
    at = _align(PAYLOAD_PA + image_size, FDT_WINDOW)
    if at < FW_JUMP_FDT_PA + FDT_WINDOW and at + size > FW_JUMP_FDT_PA:
        at = FW_JUMP_FDT_PA + FDT_WINDOW
    if at + size > _fdt_window(mem):
        raise FilesError('capsule: files=: the archive takes %d MiB, which does not fit in the firmware '
                         "image's RAM with mem=%s: give the guest more mem=" % (-(-size // (1 << 20)), mem))
    return at


def fw_add_initrd(data, initrd, mem, fw_payload_offset):
    """Append the archive at initrd to the firmware image data (a bytearray)
    where fw_initrd_place says, with its descriptor below the payload."""
    image_size = struct.unpack_from('<Q', data, fw_payload_offset + IMAGE_SIZE_OFFSET)[0]
    size = os.path.getsize(initrd)
    at = fw_initrd_place(image_size, size, mem)
    offset = at - RAM_BASE
    desc = fw_payload_offset - INITRD_DESC_BELOW_PAYLOAD
    if any(data[desc:desc + 40]):
        raise FilesError('capsule: the firmware image has no free padding for the files descriptor')
    data[desc:desc + 40] = INITRD_MAGIC + struct.pack('<QQQ', at, size, ~size & (2**64 - 1))
    data.extend(bytes(offset - len(data)))
    with open(initrd, 'rb') as f:
        data.extend(f.read())


# ---- out=DIR ----------------------------------------------------------------

def unpack(archive, dst):
    """Write the guest's /out archive into directory dst (made if needed);
    returns the number of files written, or None when the guest wrote no
    archive (then nothing changes).  Entries with absolute names or ".."
    are refused."""
    if not os.path.exists(archive) or os.path.getsize(archive) == 0:
        return None
    with open(archive, 'rb') as f:
        data = f.read()
    os.makedirs(dst, exist_ok=True)
    pos, files, times = 0, 0, []
    while pos + NEWC_HEADER <= len(data) and data[pos:pos + 6] == NEWC_MAGIC:
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, mtime, size, namesize = fields[1], fields[5], fields[6], fields[11]
        name = data[pos + NEWC_HEADER:pos + NEWC_HEADER + namesize - 1]
        start = _align(pos + NEWC_HEADER + namesize, 4)
        pos = _align(start + size, 4)
        if name == TRAILER:
            break
        rel = name.decode('utf-8', 'surrogateescape')
        if rel.startswith('/') or '..' in rel.split('/'):
            raise FilesError('capsule: out=: the guest named %r, outside out/' % rel)
        path = os.path.join(dst, rel)
        if stat.S_ISDIR(mode):
            os.makedirs(path, exist_ok=True)
        elif stat.S_ISREG(mode):
            if os.path.isdir(path):
                raise FilesError('capsule: out=: %s is a directory on the host, a file in the guest' % path)
            with open(path, 'wb') as out:
                out.write(data[start:start + size])
            files += 1
        else:
            continue
        os.chmod(path, stat.S_IMODE(mode) | (0o700 if stat.S_ISDIR(mode) else 0o600))
        times.append((path, mtime))
    for path, mtime in reversed(times):     # a directory's time after what was written in it
        os.utime(path, (mtime, mtime))
    return files


def random_file(path, size, seed):
    """A file of size pseudo-random bytes, the same for the same seed (test inputs)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    rng = random.Random(seed)
    with open(path, 'wb') as f:
        left = size
        while left:
            n = min(left, COPY_CHUNK)
            f.write(rng.randbytes(n))
            left -= n


class OutCollector:
    """out=DIR for one run: path is the host file the guest writes its /out
    archive to (absent until it does), in the system's temporary directory
    (the boot option that names it is one word: no spaces); finish() unpacks
    it into DIR and says what happened, in one line (or None when nothing is
    to be said)."""

    def __init__(self, dst):
        self.dst = dst
        fd, self.path = tempfile.mkstemp(prefix='capsule-out-', suffix='.cpio')
        os.close(fd)
        os.unlink(self.path)

    def finish(self):
        try:
            n = unpack(self.path, self.dst)
        except FilesError as e:
            return str(e)
        finally:
            if os.path.exists(self.path):
                os.unlink(self.path)
        if n is None:
            return 'capsule: out=%s: the guest wrote no results (it did not reach its end)' % self.dst
        return None
