# tether.gdb: gdb settings for debugging Tether on QEMU (tools/qemu-gdb.sh
# loads the kernel and root-task symbols and connects first).
set confirm off
set pagination off
set print pretty on
# The kernel runs at its high (direct-map) address once entry.S has turned
# paging on; breakpoints at kernel symbols work from then on. User symbols
# (0x10000...) are those of the root task.
define regs
  print/x *(struct hal_regs *)$arg0
end
document regs
regs ADDR: print a saved user context (struct hal_regs) at ADDR.
end
define curthread
  print *(struct thread *)(store.base + (unsigned long)store.tab[sched_cur].body * 32)
end
document curthread
curthread: print the current thread (sched_cur): saved registers, caps, state, fault.
end
