/* SPDX-License-Identifier: BSD-2-Clause */
/* sbi.c: the few SBI calls the kernel makes.
 *
 * Calling convention: a7 = extension id (EID), a6 = function id (FID),
 * a0..a5 = arguments; returns a0 = error, a1 = value. The legacy extensions
 * (EID 0 set_timer, EID 1 console_putchar) return only a0. */
#include "sbi.h"

#define EID_LEGACY_SET_TIMER 0x00
#define EID_LEGACY_PUTCHAR   0x01
#define EID_BASE             0x10
#define EID_TIME             0x54494d45   /* "TIME" */
#define EID_DBCN             0x4442434e   /* "DBCN": debug console (SBI 2.0) */
#define BASE_PROBE_EXT       3
#define DBCN_WRITE_BYTE      2

struct sbiret { long error; long value; };

static struct sbiret sbi_call(long eid, long fid, long arg0)
{
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = 0;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    return (struct sbiret){ a0, a1 };
}

static bool have_dbcn, have_time;

static bool probe(long eid)
{
    struct sbiret r = sbi_call(EID_BASE, BASE_PROBE_EXT, eid);
    return r.error == 0 && r.value != 0;
}

void sbi_init(void)
{
    have_dbcn = probe(EID_DBCN);
    have_time = probe(EID_TIME);
}

const char *sbi_console_kind(void)
{
    return have_dbcn ? "SBI DBCN" : "SBI legacy putchar";
}

void sbi_putc(char c)
{
    if (have_dbcn)
        sbi_call(EID_DBCN, DBCN_WRITE_BYTE, (u8)c);
    else
        sbi_call(EID_LEGACY_PUTCHAR, 0, c);
}

void sbi_set_timer(u64 when)
{
    if (have_time)
        sbi_call(EID_TIME, 0, (long)when);
    else
        sbi_call(EID_LEGACY_SET_TIMER, 0, (long)when);
}
