/* ipc.h: message passing between threads (DESIGN.md §4).
 *
 * Each operation is called by kernel_syscall on behalf of thread t with its
 * registers as the message (a0 = cap | msginfo << 32, a1..a6 = words) and
 * returns the registers to resume next. Checks come first; a message whose
 * transfer items do not fit fails with an error for the thread that made the
 * system call, and nothing changes for either party (I3). */
#ifndef TETHER_IPC_H
#define TETHER_IPC_H

#include "wrapper.h"

struct hal_regs *ipc_send(oref t, const struct target *ep, bool call, bool block);
struct hal_regs *ipc_recv(oref t, const struct target *ep, bool block);
/* Reply to the last call t received (one-shot reply right, I2); with
 * `ep`, then receive on it. */
struct hal_regs *ipc_reply(oref t, const struct target *ep);
/* Fast paths (I1): a call, or a reply_recv, with register words only,
 * between two threads that can take it at once, the partner being of at
 * least the caller's priority. NULL if the case is not that simple: the
 * caller then takes the general path, which gives the same result. */
struct hal_regs *ipc_call_fast(oref t, const struct target *ep);
struct hal_regs *ipc_replyrecv_fast(oref t);
/* Send t's fault to its fault endpoint (I5). False if it has none (the
 * caller then stops the thread). */
bool ipc_fault(oref t);
/* Take t out of any IPC it takes part in (it is suspended or destroyed):
 * off endpoint queues; a caller waiting on its reply gets E_REVOKED. */
void ipc_cancel(oref t, bool destroyed);
/* End t's wait on an endpoint with error e (the endpoint is destroyed). */
void ipc_abort(oref t, u64 e);

#endif
