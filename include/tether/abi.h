/* SPDX-License-Identifier: BSD-2-Clause */
/* Tether ABI: the single definition shared by the kernel and user code.
 * The enums are expanded from the X-macro tables in this directory (which
 * also generate docs/abi.md); the layouts and constants below are defined
 * here. Rule names (I3, C1, ...) are those of docs/design.md. */
#ifndef TETHER_ABI_H
#define TETHER_ABI_H

/* Error codes (errors.def). */
enum tether_error {
#define X(name, val, text) name = val,
#include <tether/errors.def>
#undef X
    E_COUNT
};

/* Object types (types.def). */
enum tether_objtype {
#define X(name, val, text) name = val,
#include <tether/types.def>
#undef X
    OBJ_COUNT
};

/* Invocation labels (labels.def). Every consumer of labels.def declares X
 * with `...` after `out`: the seventh field, the manual entry (RIGHTS,
 * CAPARG, ERR, CHANGES, COST), is read only by tools/abidoc.sh and the
 * tests (tests/abi_table.h). */
enum tether_label {
#define X(name, val, type, doc, in, out, ...) name = val,
#include <tether/labels.def>
#undef X
};

/* The named parameters of the methods (labels.def). With IN(n, doc) and
 * OUT(n, doc) as (n, doc), a method's argument and result lists become
 * sequences (n, doc)(n, doc)... that these macros walk (standard C99
 * preprocessor: each element expands to the next walker). */
#define TETHER_CAT(a, b) TETHER_CAT_(a, b)
#define TETHER_CAT_(a, b) a##b
/* The number of elements, 0..6 (more does not compile). */
#define TETHER_SEQ_COUNT(seq) TETHER_CAT(TETHER_SEQ_N_, TETHER_SEQ_N0 seq)
#define TETHER_SEQ_N0(n, d) TETHER_SEQ_N1
#define TETHER_SEQ_N1(n, d) TETHER_SEQ_N2
#define TETHER_SEQ_N2(n, d) TETHER_SEQ_N3
#define TETHER_SEQ_N3(n, d) TETHER_SEQ_N4
#define TETHER_SEQ_N4(n, d) TETHER_SEQ_N5
#define TETHER_SEQ_N5(n, d) TETHER_SEQ_N6
#define TETHER_SEQ_N_TETHER_SEQ_N0 0
#define TETHER_SEQ_N_TETHER_SEQ_N1 1
#define TETHER_SEQ_N_TETHER_SEQ_N2 2
#define TETHER_SEQ_N_TETHER_SEQ_N3 3
#define TETHER_SEQ_N_TETHER_SEQ_N4 4
#define TETHER_SEQ_N_TETHER_SEQ_N5 5
#define TETHER_SEQ_N_TETHER_SEQ_N6 6
/* One word per element: `unsigned long long n;` */
#define TETHER_SEQ_WORDS(seq) TETHER_CAT(TETHER_SEQ_W_A seq, _END)
#define TETHER_SEQ_W_A(n, d) unsigned long long n; TETHER_SEQ_W_B
#define TETHER_SEQ_W_B(n, d) unsigned long long n; TETHER_SEQ_W_A
#define TETHER_SEQ_W_A_END
#define TETHER_SEQ_W_B_END

/* Per label: struct tether_in_<label> / tether_out_<label>, one word per
 * argument / result in register order, then end_. They describe the layout
 * (never overlay the registers): TETHER_IN_INDEX(CS_COPY, src) is the
 * argument word of `src` (2), TETHER_OUT_INDEX(CS_INFO, badge) the result
 * word of `badge` (3), both integer constants; TETHER_NIN_<label> and
 * TETHER_NOUT_<label> count the words. */
#define IN(n, doc) (n, doc)
#define OUT(n, doc) (n, doc)
#define X(name, val, type, doc, in, out, ...)                                   \
    struct tether_in_##name { TETHER_SEQ_WORDS(in) unsigned long long end_; };  \
    struct tether_out_##name { TETHER_SEQ_WORDS(out) unsigned long long end_; }; \
    enum { TETHER_NIN_##name = TETHER_SEQ_COUNT(in), TETHER_NOUT_##name = TETHER_SEQ_COUNT(out) };
#include <tether/labels.def>
#undef X
#undef IN
#undef OUT
#define TETHER_IN_INDEX(label, n) \
    (__builtin_offsetof(struct tether_in_##label, n) / sizeof(unsigned long long))
#define TETHER_OUT_INDEX(label, n) \
    (__builtin_offsetof(struct tether_out_##label, n) / sizeof(unsigned long long))

/* System call numbers (syscalls.def). */
enum tether_syscall {
#define X(name, val, doc) name = val,
#include <tether/syscalls.def>
#undef X
};

/* Fault kinds (faults.def). */
enum tether_fault {
#define X(name, val, text) name = val,
#include <tether/faults.def>
#undef X
    FAULT_COUNT
};

/* ==== Constants ====
 * Everything below is listed in docs/manual.md ("Constants"), generated
 * from this file by tools/abidoc.sh: a comment block starts a group, each
 * #define carries its own comment. */

/* Thread states: THREAD_INFO's `state`. */
#define THREAD_INACTIVE 0u       /* created, suspended, or configured and not started */
#define THREAD_RUNNABLE 1u       /* started: running or ready */
#define THREAD_FAULTED  2u       /* stopped by a fault nobody took (THREAD_INFO: fault, fault_addr, fault_pc) */
#define THREAD_BLOCKED_SEND  3u  /* queued on an endpoint to send */
#define THREAD_BLOCKED_RECV  4u  /* queued on an endpoint to receive */
#define THREAD_BLOCKED_REPLY 5u  /* called, waiting for the reply */
#define THREAD_BLOCKED_WAIT  6u  /* waiting on a notification (NTFN_WAIT) */

/* IPC messages (I3). A message is a label, MSG_WORDS data words in a1..a6
 * and, on receipt, the badge of the cap it came through in a7. The message
 * info is the high 32 bits of a0: bits 0..19 the label, bits 20..21 the
 * number of transfer items. The last `items` data words are transfer
 * items, each: src cap address (bits 0..31) | op << 32 | rights mask << 40.
 * Items land in the receiver's receive window (THREAD_SET_IPC): item i
 * goes to slot base + i, which must be empty or hold a void cap with
 * nothing derived from it (else E_FULL). */
#define MSG_WORDS       6u       /* data words of a message (a1..a6) */
#define MSG_MAX_ITEMS   3u       /* transfer items a message may carry (its last words) */
#define MSG_LABEL(info)  ((info) & 0xfffffu)          /* the label of a message info */
#define MSG_ITEMS(info)  (((info) >> 20) & 3u)        /* the number of items of a message info */
#define MSG_INFO(label, items) \
    (((unsigned long long)(label) & 0xfffffu) | (unsigned long long)(items) << 20) /* a message info: label, items */
#define ITEM(src, op, rights)                                                \
    ((unsigned long long)(unsigned int)(src) | (unsigned long long)(op) << 32 | \
     (unsigned long long)((rights) & 0xffu) << 40)   /* a cap transfer item: the cap at src, ITEM_COPY/MAP/GRANT, rights mask */
#define ITEM_COPY  0u            /* the receiver gets a copy (C2); also AS_MAP_FRAME, AS_MAP */
#define ITEM_MAP   1u            /* the receiver gets a child (C3): the sender can UNMAP it */
#define ITEM_GRANT 2u            /* the cap moves to the receiver (C4): the sender's slot is emptied */
#define ITEM_MEM   4u            /* op flag of a memory item (flexpage, C9): see MEM_ITEM */
#define MEM_ITEM(va, log2, op, rights) \
    (ITEM((unsigned long long)(va) >> 12, (op) | ITEM_MEM, rights) | (unsigned long long)(log2) << 48) /* a memory item: the 2^log2 pages at va (page-aligned) of the sender; it lands in the receiver's memory window or, in the reply to a page fault, at the faulting address aligned down to the flexpage size (a pager) */

/* Memory. */
#define PAGE_SIZE_BYTES 4096u    /* a page, a frame */
#define FLEX_MAX_LOG2   8u       /* at most 2^FLEX_MAX_LOG2 = 256 pages per flexpage (AS_MAP, AS_UNMAP, memory items) */
#define USER_VA_LIMIT   (1ull << (CAP_ADDR_BITS + 12)) /* user virtual addresses the kernel manages: [0, USER_VA_LIMIT), 16 GiB; above it nothing is ever mapped */

/* Fault messages (I5): a thread's fault becomes a call to its fault
 * endpoint with label = the FAULT_* kind (faults.def), words: address, pc.
 * The handler's reply label says how it goes on. */
#define FAULT_REPLY_RETRY 0u     /* retry the faulting instruction (a pager mapped the page) */
#define FAULT_REPLY_SETPC 1u     /* resume at the pc in word 0 instead */

/* Thread registers by index (THREAD_READ_REGS, THREAD_WRITE_REGS): the
 * same numbering on every machine, by the role a register plays in this
 * ABI, then the machine's other registers in its own order (riscv64: the
 * roles are pc, sp, a0, a1..a6, a7; 22 others follow). */
#define TREG_PC      0u          /* the pc: where it resumes (riscv64 pc) */
#define TREG_SP      1u          /* the stack pointer (riscv64 sp) */
#define TREG_MSGINFO 2u          /* cap address or error, msginfo << 32, of a system call; a new thread's argument (riscv64 a0) */
#define TREG_MSG(i)  (3u + (i))  /* message word i, 0..5: a system call's arguments and results (riscv64 a1..a6) */
#define TREG_SYSNO   9u          /* the system call number; the badge of a received message (riscv64 a7) */
#define TREG_OTHER   10u         /* the machine's other registers from here, in its order (riscv64: 22, x1, x3..x9, x18..x31; the host: none) */
#define TREG_COUNT_RISCV64 32u   /* indices on riscv64 (the host has 10) */

/* Rights on a capability: every transfer may only remove them (C1). */
#define R_READ   0x1u            /* read slots, query */
#define R_WRITE  0x2u            /* modify: write slots, allocate, destroy, configure, signal */
#define R_EXEC   0x4u            /* (memory) execute */
#define R_GRANT  0x8u            /* (IPC) may carry capabilities */
#define R_ALL    0xfu            /* every right: what BANK_CREATE gives */

/* Cap addresses: a cap address is an index into a CSpace; CSpaces are
 * three-level radix trees of 7 + 8 + 7 bits (kernel/include/cspace.h). */
#define CAP_ADDR_BITS   22u      /* bits of a cap address */
#define CAP_ADDR_LIMIT  (1u << CAP_ADDR_BITS) /* cap addresses and slot indices are below it, else E_BADCAP */
#define CAP_NONE 0xffffffffu     /* "no cap" where an argument may name none (THREAD_SET_IPC, _SET_TIMEOUT, _BIND_SC, _BIND_NTFN, CS_WATCH) */

/* Slot status: CS_INFO's and AS_INFO's `status`. */
#define SLOT_EMPTY  0u           /* nothing there */
#define SLOT_VOID   1u           /* the object was destroyed (S3): acts as empty */
#define SLOT_LIVE   2u           /* a cap to a live object */

/* Arguments of particular methods. */
#define MWIN_OFF 0xffu           /* THREAD_SET_IPC mwin_log2: no memory window */
#define MINT_COPY 0u             /* CS_MINT op: COPY with a badge */
#define MINT_MAP  1u             /* CS_MINT op: MAP with a badge */
#define WATCH_MAX   16u          /* CS_WATCH: most slots per call */
#define WATCH_BYTES 64u          /* CS_WATCH: what each registration costs its CSpace's bank */

/* Limits: beyond them a method answers E_DEPTH or E_INVAL. */
#define BANK_MAX_DEPTH 32u       /* banks on a path from the root bank, the root included: BANK_CREATE of a bank from one BANK_MAX_DEPTH - 1 deep is E_DEPTH */
#define WRAP_MAX_DEPTH 8u        /* wrappers on a chain: BANK_WRAP of a chain of WRAP_MAX_DEPTH is E_DEPTH */
#define MDB_MAX_DEPTH 0xfff0u    /* derivation depth: a MAP (CS_MAP, MINT_MAP, ITEM_MAP, bindings that keep a MAP) below a cap this deep is E_DEPTH */
#define SC_MAX_PERIOD (1ull << 32) /* SC_CONFIGURE: the longest period, in ticks (49 days at 1 kHz) */
#define WRITE_MAX 4096u          /* SYS_WRITE: most bytes per call (else E_INVAL) */
#define PRIO_MAX 255u            /* thread priorities are 0..PRIO_MAX, higher runs first */

/* The root task: the first thread, made at boot, whose CSpace holds these
 * caps at well-known addresses (the rest of it is empty). */
#define ROOT_CAP_CSPACE  1u      /* the root task's own CSpace */
#define ROOT_CAP_BANK    2u      /* the root bank (all free RAM) */
#define ROOT_CAP_ASPACE  3u      /* the root task's AddrSpace */
#define ROOT_CAP_THREAD  4u      /* the root task's first thread */
#define ROOT_CAP_SYSTEM  5u      /* the System object (power off, invariant check, checkpoint) */
#define ROOT_CAP_SCHEDCTX 6u     /* the root thread's CPU time: a SchedContext whose budget is its whole period (T1) */
#define ROOT_CAP_DEBUG   7u      /* the Debug object: kernel state as text on the console (docs/debug.md); nothing else reaches it: give it to nobody else to withhold it */
#define ROOT_CAP_FIRST_FREE 16u  /* the first cap address the root task may use for its own caps (below it: reserved) */
#define ROOT_CAP_MODULES 1572864u /* 0x180000: the boot modules' frame caps, module after module (struct tether_bootinfo says where each one's are) */
#define ROOT_THREAD_PRIO 100u    /* priority of the root task's first thread */

/* CS_TREE: its `parent` result when the parent is no slot of the invoked
 * CSpace (all above CAP_ADDR_LIMIT, so never a slot index). */
#define TREE_ROOT     0xffffffffu /* no parent: a root of its derivation tree */
#define TREE_OUTSIDE  0xfffffffeu /* the parent is elsewhere: where is not said */
#define TREE_FAR      0xfffffffdu /* not looked for: more than TREE_WALK_MAX nodes back */
#define TREE_WALK_MAX 1024u       /* derivation-list nodes CS_TREE looks back at, at most */

/* Debug object dumps (DEBUG_*): each call prints at most DEBUG_LINES
 * lines; a longer dump answers next != 0, to pass as start of the next. */
#define DEBUG_LINES 64u           /* lines a DEBUG_* call prints, at most */

/* Boot information and boot modules. Boot modules are ELF programs in the
 * boot image besides the root task's (user/<dir>, listed in mk/riscv64.mk
 * UPROGS). The kernel checks each (a malformed one is refused with a boot
 * message and left out) and copies its file into frames of the root bank:
 * frame i holds bytes [i * 4096, (i + 1) * 4096) of the file (the rest of
 * the last one zero), and the root task holds its cap, R_READ | R_EXEC (a
 * child of the frame's master cap), at cap address first_cap + i of the
 * root CSpace, from ROOT_CAP_MODULES on. One read-only page, the boot
 * information, describes them; the kernel maps it into the root task at
 * BOOTINFO_VA (the machine's layout: kernel/arch/riscv64/uapi/layout.h)
 * and starts the root thread with a0 = that address. libtether's
 * module_start (module.h) starts a module as a task of its own. */
#define BOOTINFO_MAGIC    0x6f666e69746f6f62ull  /* "bootinfo", little-endian */
#define BOOTINFO_VERSION  1u    /* struct tether_bootinfo's version */
#define BOOT_MODULES_MAX  32u   /* more are refused */
#define MODULE_NAME_MAX   24u   /* bytes of a name, its NUL included */
#define BOOT_CMDLINE_MAX  256u  /* bytes of the boot arguments, NUL included */

struct tether_module_info {
    char name[MODULE_NAME_MAX];  /* NUL-terminated, unique among the modules  */
    unsigned long long size;     /* bytes of its ELF file                      */
    unsigned long long entry;    /* its entry point (in an executable segment) */
    unsigned long long lo, hi;   /* its segments lie in [lo, hi), page-aligned */
    unsigned int first_cap;      /* root-CSpace cap address of its frame 0     */
    unsigned int frames;         /* frames: (size + 4095) / 4096, caps first_cap.. */
};

struct tether_bootinfo {
    unsigned long long magic;    /* BOOTINFO_MAGIC                             */
    unsigned int version;        /* BOOTINFO_VERSION                           */
    unsigned int nmodules;       /* entries of module[] in use                 */
    unsigned int refused;        /* modules the kernel refused (not in module[]) */
    unsigned int pad;
    char cmdline[BOOT_CMDLINE_MAX];  /* boot arguments (QEMU -append: "prog=NAME"), NUL-terminated */
    struct tether_module_info module[BOOT_MODULES_MAX];
};
_Static_assert(sizeof(struct tether_bootinfo) <= PAGE_SIZE_BYTES, "boot information is one page");

/* Well-known cap addresses in the CSpace of a task started from a boot
 * module (module_start): the root's numbers where they mean the same, and
 * no System cap (address 5 is empty). */
#define MODULE_CAP_CSPACE   1u  /* its own CSpace */
#define MODULE_CAP_BANK     2u  /* its bank: pays for all of it, a sub-bank of the bank its starter chose */
#define MODULE_CAP_ASPACE   3u  /* its AddrSpace */
#define MODULE_CAP_THREAD   4u  /* its first thread */
#define MODULE_CAP_SCHEDCTX 6u  /* that thread's SchedContext (T1) */
#define MODULE_CAP_PARENT   7u  /* a badged endpoint cap to its starter (R_WRITE, R_GRANT): exit() and its first thread's faults go there */
#define MODULE_CAP_ARG      8u  /* a cap its starter gave it (module_opts.give), else empty */

/* How a module starts: its pc is its entry, a0 the address of a struct
 * tether_modinfo at the top of its stack (USER_STACK_PAGES pages below
 * USER_STACK_TOP, as the root's), sp just below it. */
#define MODINFO_MAGIC 0x006f666e69646f6dull  /* "modinfo", little-endian */
struct tether_modinfo {
    unsigned long long magic;    /* MODINFO_MAGIC                              */
    char name[MODULE_NAME_MAX];  /* the module's name                          */
    unsigned long long badge;    /* the badge of its MODULE_CAP_PARENT         */
    unsigned long long arg[4];   /* words from its starter (module_opts.arg)   */
};
/* A module's end: its starter receives it on the endpoint of
 * MODULE_CAP_PARENT. exit(status) calls it with label MODULE_EXIT and word
 * 0 = status (and is never answered); a fault of its first thread comes as
 * a fault message (label FAULT_*, I5) whose badge is the module's with
 * MODULE_FAULT_BADGE set (a module's own badge is below it). */
#define MODULE_EXIT 0x100u                 /* the label of exit()'s message */
#define MODULE_FAULT_BADGE (1ull << 63)    /* set in the badge of a module's fault message */

/* Invocation: words in and out. */
#define INVOKE_ARGS 6u           /* argument words of an invocation (a1..a6) */
#define INVOKE_RESULTS 4u        /* result words (a1..a4) on success */

/* ==== End of constants ==== */

/* No method takes or returns more than that (labels.def). */
#define X(name, val, type, doc, in, out, ...)                   \
    _Static_assert(TETHER_NIN_##name <= INVOKE_ARGS &&          \
                       TETHER_NOUT_##name <= INVOKE_RESULTS,    \
                   #name ": too many arguments or results");
#include <tether/labels.def>
#undef X

#endif
