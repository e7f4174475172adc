# gdb-multiarch script for debugging a Capsule image under QEMU.  `scons
# app=X debug` runs gdb with it from the repository root (the paths below
# are relative to it), then connects with capsule-connect.  By hand, from
# the repository root, with QEMU waiting (qemu-system-riscv64 ... -s -S):
#   gdb-multiarch -x tools/capsule.gdb -ex 'capsule-connect :1234' build/debug/apps/X/X.elf
#
# Helper commands (`help user-defined`): capsule-connect, capsule-vmas,
# capsule-mm, capsule-trap.

# A register set QEMU answers in full: its own lists RV32-only CSRs it
# refuses to read (tools/capsule-riscv64.xml says which).  Must come before
# `target remote`.
set tdesc filename tools/capsule-riscv64.xml
set architecture riscv:rv64

# Sources: the objects name their files relative to the repository root
# (their compilation directory) or, for an app outside it, absolutely.
directory .

# Quiet, whole-screen friendly output; no pager in a script's output.
set confirm off
set pagination off
set print pretty on

# Stop where the app's own code starts.  The libOS runs first (symbols in
# the high half; the entry is physical: `hbreak *0x80200000` for the boot).
break main

define capsule-connect
  # target remote, then have QEMU's gdb server answer single-register reads.
  # QEMU (7.2) answers `p` (the FP registers, the CSRs) only once gdb has
  # read its target.xml, which gdb skips with a description of its own: read
  # it once, the reply unused.
  target remote $arg0
  python gdb.execute("maint packet qXfer:features:read:target.xml:0,ffb", to_string=True)
end
document capsule-connect
capsule-connect :PORT (or the path of QEMU's Unix gdb socket): connect to QEMU's gdb server.
end

define capsule-vmas
  # The running address space's VMAs, as mm_print_vmas prints them.
  set $capsule_v = current_mm ? current_mm->first : 0
  while $capsule_v
    printf "  %016lx-%016lx %c%c%c %s (%lu KiB)\n", $capsule_v->start, $capsule_v->end, \
      ($capsule_v->prot & 1) ? 'r' : '-', ($capsule_v->prot & 2) ? 'w' : '-', \
      ($capsule_v->prot & 4) ? 'x' : '-', $capsule_v->name, \
      ($capsule_v->end - $capsule_v->start) / 1024
    set $capsule_v = $capsule_v->next
  end
end
document capsule-vmas
The running address space's VMAs (libmm's current_mm): start-end, r/w/x, name, size.
end

define capsule-mm
  # The running address space's counters.
  if current_mm
    printf "VMAs %lu, heap 0x%lx-0x%lx, faults resolved %lu (zero page %lu), 2 MiB collapses %lu\n", \
      current_mm->nr_vmas, current_mm->heap_start, current_mm->brk, current_mm->faults, \
      current_mm->zero_maps, current_mm->collapses
  else
    printf "no address space yet\n"
  end
end
document capsule-mm
The running address space (libmm's current_mm): VMA count, heap range, fault counts.
end

define capsule-trap
  # Inside the trap handler: the frame trapvec.S saved.
  if $argc == 1
    set $capsule_tf = (struct trapframe *)($arg0)
  else
    set $capsule_tf = tf
  end
  printf "sepc 0x%lx scause 0x%lx stval 0x%lx sstatus 0x%lx sp 0x%lx ra 0x%lx\n", \
    $capsule_tf->sepc, $capsule_tf->scause, $capsule_tf->stval, $capsule_tf->sstatus, \
    $capsule_tf->regs[2], $capsule_tf->regs[1]
  info symbol $capsule_tf->sepc
end
document capsule-trap
The trap frame: `capsule-trap` in a frame with a variable tf (trap_dispatch,
page_fault, unresolved_fault), or `capsule-trap ADDRESS`.  Prints sepc (where
the trap happened), scause, stval, sstatus and the trapped sp and ra.
`bt` from there continues into the trapped code.
end
