/* SPDX-License-Identifier: BSD-2-Clause */
/* notification.h: notification objects (docs/design.md §2, "Notification"):
 * an asynchronous signal word, as seL4's notifications.
 *
 * NTFN_SIGNAL ORs the badge of the cap it goes through into the word and
 * never blocks; NTFN_WAIT takes the word, or blocks the calling thread
 * (THREAD_BLOCKED_WAIT) in a FIFO queue linked through the threads'
 * qprev/qnext (a thread waits on one thing at a time; thread.ep names the
 * notification it waits on); NTFN_POLL takes it without blocking. A signal
 * finding waiters hands word | badge to the first and leaves the word 0.
 *
 * A thread may have one bound notification (THREAD_BIND_NTFN): it keeps a
 * MAP of the cap (thread.ntfn, a child in the notification's derivation
 * tree, so UNMAP of that cap unbinds it) and the notification names the
 * thread (bound + its epoch). The thread's recv (and reply_recv) on an
 * endpoint then also ends when the notification is signalled: a0 =
 * E_NOTIFIED, the word in the badge register (a7). Both directions are
 * checked when used (ntfn_bound_thread, cap_obj_live), so a destroyed
 * or unbound partner is never used. */
#ifndef TETHER_NOTIFICATION_H
#define TETHER_NOTIFICATION_H

#include "thread.h"

struct notification {
    u64 word;          /* badges signalled and not yet taken, ORed     */
    oref head, tail;   /* waiting threads, oldest first                */
    u32 waiting;       /* queue length                                 */
    oref bound;        /* the bound thread (THREAD_BIND_NTFN), or 0    */
    u32 bound_epoch;   /*   and its epoch: a destroyed thread is seen  */
    sref watches;      /* registrations that signal it (watch.h)       */
    u32 stuck;         /* the last ntfn_notify left the word pending
                        * with threads waiting (see there)             */
};

static inline struct notification *ntfn_body(oref n) { return (struct notification *)obj_body(n); }

/* Does thread th have a bound notification with a pending word? (The
 * reply_recv fast path leaves that case to the general path.) */
static inline bool ntfn_bound_pending(const struct thread *th)
{
    if (__builtin_expect(!th->ntfn.obj, 1))
        return false;  /* none bound: the common case, one load */
    oref n = cap_obj_live(&th->ntfn);
    return n && ntfn_body(n)->word;
}

/* recv by thread t (body th): if its bound notification has a pending
 * word, take it: a0 = E_NOTIFIED is for the caller to set, the word goes
 * to the badge register. True if it did. */
bool ntfn_recv_bound(oref t, struct thread *th);
/* Take thread t off the queue of notification n it waits on (suspended,
 * destroyed). */
void ntfn_remove(oref n, oref t);
/* Thread t is being destroyed: n forgets it as its bound thread. */
void ntfn_forget_thread(oref t);
/* I6: wake every waiter with E_REVOKED, REVOKE_BUDGET per step; the
 * registrations that signal it end (watch.h). */
int ntfn_reap_step(oref n, u32 *budget);
/* The kernel's own signal (T4: watch.c): badge as NTFN_SIGNAL would, but
 * bounded: it passes over at most NOTIFY_PASS waiters that can no longer
 * run; if that many were in front, the badge stays in the word (stuck)
 * for the next NTFN_SIGNAL, which passes over the rest, or NTFN_WAIT. */
#define NOTIFY_PASS 4u
void ntfn_notify(oref n, u64 badge);

struct inv;
int ntfn_invoke(struct inv *iv);
/* THREAD_BIND_NTFN (a thread method, decoded here). */
int thread_bind_ntfn(struct inv *iv);

#endif
