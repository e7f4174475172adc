"""Checks what docs/boot.md says about the image against a built one: the
entry, the addresses it quotes, the sections its layout diagram names (each
must exist, in that physical order), the app's .bss sharing the libOS .bss's
load address and taking no bytes of the .bin.  Used by tools/check-boot-doc
and scons test."""
import re
import struct

ENTRY_PHYS = 0x80200000
KERNEL_VIRT = 0xffffffffc0200000
APP_BASE = 0x10000
QUOTED = ('0x8020_0000', '0xffff_ffff_c020_0000', '0x0000_0000_0001_0000')
SHT_NOBITS = 8
SHF_ALLOC = 2


def elf_sections(path):
    """(entry, {name: (vma, lma, size, nobits)}) of an ELF64 little-endian
    file's allocated sections; lma from the program headers."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'\x7fELF' or data[4] != 2:
        raise ValueError('%s: not an ELF64 file' % path)
    entry, phoff, shoff = struct.unpack_from('<QQQ', data, 24)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from('<HHHHH', data, 54)
    segments = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from(
            '<IIQQQQQ', data, phoff + i * phentsize)
        if p_type == 1:     # PT_LOAD
            segments.append((p_vaddr, p_paddr, p_memsz))
    headers = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    strtab = headers[shstrndx][4]
    sections = {}
    for name_off, sh_type, flags, addr, _, size, _, _, _, _ in headers:
        if not flags & SHF_ALLOC:
            continue
        name = data[strtab + name_off:data.index(b'\0', strtab + name_off)].decode()
        lma = next((pa + addr - va for va, pa, memsz in segments if va <= addr < va + max(memsz, 1)), None)
        sections[name] = (addr, lma, size, sh_type == SHT_NOBITS)
    return entry, sections


def diagram_sections(doc_text):
    """The section names in docs/boot.md's layout diagram (the block that
    starts with 'physical (LMA)'), in order."""
    start = doc_text.index('physical (LMA)')
    block = doc_text[start:doc_text.index('```', start)]
    names = []
    for line in block.splitlines()[1:]:
        m = re.search(r'(?:^|\s)(\.[a-z][a-z_.]*)(?:\s|$)', line)
        if m:
            names.append(m.group(1))
    return names


def check(doc_path, elf_path, bin_path):
    """The ways docs/boot.md and the image disagree (empty: none)."""
    with open(doc_path) as f:
        doc = f.read()
    entry, sec = elf_sections(elf_path)
    why = []
    why += ['docs/boot.md no longer quotes %s' % q for q in QUOTED if q not in doc]
    if entry != ENTRY_PHYS:
        why.append('entry is %#x, the doc says 0x8020_0000' % entry)
    named = diagram_sections(doc)
    missing = [n for n in named if n not in sec]
    why += ['the diagram names %s, which the image does not have' % n for n in missing]
    present = [n for n in named if n in sec]
    by_lma = sorted(present, key=lambda n: (sec[n][1], named.index(n)))
    if by_lma != present:
        why.append('the diagram lists %s; their physical order is %s' % (' '.join(present), ' '.join(by_lma)))
    if '.kernel.text' in sec and sec['.kernel.text'][:2] != (KERNEL_VIRT, ENTRY_PHYS):
        why.append('.kernel.text is at %#x (LMA %#x), the doc says 0xffff_ffff_c020_0000 (0x8020_0000)'
                   % sec['.kernel.text'][:2])
    if '.text' in sec and sec['.text'][0] != APP_BASE:
        why.append('the app .text is at %#x, the doc says 0x1_0000' % sec['.text'][0])
    for n in ('.kernel.rodata', '.kernel.data', '.kernel.bss'):
        if n in sec and sec[n][0] - sec[n][1] != KERNEL_VIRT - ENTRY_PHYS:
            why.append('%s: VMA - LMA is not KERNEL_OFFSET' % n)
    if '.bss' in sec and '.kernel.bss' in sec:
        if sec['.bss'][1] != sec['.kernel.bss'][1]:
            why.append('the app .bss loads at %#x, the libOS .bss at %#x: the doc says the same address'
                       % (sec['.bss'][1], sec['.kernel.bss'][1]))
        with open(bin_path, 'rb') as f:
            bin_end = ENTRY_PHYS + len(f.read())
        if not sec['.bss'][3] or sec['.bss'][1] < bin_end:
            why.append('the app .bss takes bytes of the .bin (it ends at %#x)' % bin_end)
    with open(bin_path, 'rb') as f:
        header = f.read(64)
    if header[0x30:0x35] != b'RISCV' or header[0x38:0x3c] != b'RSC\x05':
        why.append('the .bin does not start with the RISC-V Image header')
    return why
