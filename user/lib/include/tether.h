/* tether.h: libtether, the user side of the system call ABI
 * (include/tether/syscalls.def). */
#ifndef LIBTETHER_H
#define LIBTETHER_H

#include <stdint.h>
#include <tether/abi.h>

/* The raw system call: number in a7, arguments in a0..a6; returns a0 and
 * fills out[0..3] from a1..a4 if out is not NULL. */
long tether_syscall(uint64_t num, const uint64_t in[7], uint64_t out[4]);

/* SYS_INVOKE: call method `label` on the capability at cap address `cap`
 * with args[0..5]; results[0..3] filled on return (may be NULL). */
long tether_invoke(uint32_t cap, uint32_t label, const uint64_t args[6], uint64_t results[4]);

long tether_write(const void *buf, unsigned long len);   /* SYS_WRITE */
long tether_yield(void);                                  /* SYS_YIELD */

/* End this task with a status. There is no exit system call: a task ends by
 * a breakpoint (ebreak) with the status in a0 -- a fault like any other,
 * which the kernel handles by ending the task; for the root task the kernel
 * powers the machine off with that status (0 = success). */
_Noreturn void exit(int status);

/* Text of an error code (errors.def). */
const char *tether_error_name(long err);

#endif
