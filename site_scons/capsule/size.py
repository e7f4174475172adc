"""`scons app=X size`: text, rodata, data and bss of each part of the image
(the app, newlib, libmm, libarch, libc_glue, libgcc), read from the linker
map, and the sizes of <app>.bin and <app>-fw.bin."""
import os
import re

# Output sections of libarch/capsule.ld.S, by kind: the libOS's in the high
# half (.kernel.*) and the app's in the low half.  Other output sections
# (.debug_*, .riscv.attributes, an empty .rela.dyn) are not in the image.
KINDS = ('text', 'rodata', 'data', 'bss')
OUTPUT_KIND = {'.kernel.text': 'text', '.text': 'text', '.kernel.rodata': 'rodata', '.rodata': 'rodata',
               '.kernel.data': 'data', '.data': 'data', '.kernel.bss': 'bss', '.bss': 'bss'}
PARTS = ('app', 'newlib', 'libmm', 'libarch', 'libc_glue', 'libgcc')
ALIGNMENT = 'alignment'     # padding inside output sections (*fill* and ALIGN)

# A map line: an output section ("name addr size ...", at column 0), or an
# input section (" name addr size file", one space in); a long name puts
# addr, size and file on the next line.
OUTPUT_RE = re.compile(r'^(\.\S+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?')
INPUT_RE = re.compile(r'^ (\.\S+|COMMON|\*fill\*)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+(\S.*))?)?$')
NEXT_RE = re.compile(r'^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+(\S.*))?$')


def part_of(path):
    """Which part of the image an input file belongs to."""
    base = path.replace('\\', '/')
    if re.search(r'/libarch(-[^/]*)?/libarch\.a\(', base):
        return 'libarch'
    if re.search(r'/libmm(-[^/]*)?/libmm\.a\(', base):
        return 'libmm'
    if re.search(r'/libc_glue(-[^/]*)?/', base):    # the library and its malloc objects
        return 'libc_glue'
    if re.search(r'/lib[cm]\.a\(', base) and '/newlib/' in base:
        return 'newlib'
    if re.search(r'/libgcc\.a\(', base):
        return 'libgcc'
    return 'app'


def parse_map(text):
    """{part: {kind: bytes}} for the image's sections, ALIGNMENT included as
    a part, and {kind: bytes} of the output sections."""
    sizes = {p: dict.fromkeys(KINDS, 0) for p in PARTS + (ALIGNMENT,)}
    totals = dict.fromkeys(KINDS, 0)
    lines = text.splitlines()
    started = False
    kind = None
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith('Linker script and memory map'):
            started = True
            continue
        if not started:
            continue
        m = OUTPUT_RE.match(line)
        if m:
            name, size = m.group(1), m.group(3)
            if size is None and i < len(lines) and NEXT_RE.match(lines[i]):
                size = NEXT_RE.match(lines[i]).group(2)
                i += 1
            kind = OUTPUT_KIND.get(name)
            if kind:
                totals[kind] += int(size or '0', 16)
            continue
        m = INPUT_RE.match(line)
        if not m or not kind:
            continue
        name, size, path = m.group(1), m.group(3), m.group(4)
        if size is None:
            nxt = NEXT_RE.match(lines[i]) if i < len(lines) else None
            if not nxt:
                continue
            size, path = nxt.group(2), nxt.group(3)
            i += 1
        if name == '*fill*' or not path:
            continue
        sizes[part_of(path)][kind] += int(size, 16)
    for k in KINDS:
        sizes[ALIGNMENT][k] = totals[k] - sum(sizes[p][k] for p in PARTS)
    return sizes, totals


def report(map_path, bin_path, fw_path):
    """The size report as text."""
    with open(map_path) as f:
        sizes, totals = parse_map(f.read())
    head = '%-10s %9s %9s %9s %9s %10s' % (('part',) + KINDS + ('total',))
    out = [head]
    for p in PARTS + (ALIGNMENT,):
        row = sizes[p]
        out.append('%-10s %9d %9d %9d %9d %10d' % ((p,) + tuple(row[k] for k in KINDS) + (sum(row.values()),)))
    out.append('%-10s %9d %9d %9d %9d %10d' % (('total',) + tuple(totals[k] for k in KINDS)
                                             + (sum(totals.values()),)))
    out.append('(bytes, from %s; bss takes RAM, not room in the image)' % os.path.relpath(map_path))
    out.append('%-24s %9d bytes  (loaded at 0x80200000: text, rodata, data and the gaps between them)'
               % (os.path.basename(bin_path), os.path.getsize(bin_path)))
    out.append('%-24s %9d bytes  (OpenSBI fw_jump padded to 2 MiB, then %s)'
               % (os.path.basename(fw_path), os.path.getsize(fw_path), os.path.basename(bin_path)))
    return '\n'.join(out)
