/* syscall.c: system call stubs (riscv64: ecall, number in a7). */
#include "tether.h"

long tether_syscall(uint64_t num, const uint64_t in[7], uint64_t out[4])
{
    register uint64_t a0 __asm__("a0") = in[0];
    register uint64_t a1 __asm__("a1") = in[1];
    register uint64_t a2 __asm__("a2") = in[2];
    register uint64_t a3 __asm__("a3") = in[3];
    register uint64_t a4 __asm__("a4") = in[4];
    register uint64_t a5 __asm__("a5") = in[5];
    register uint64_t a6 __asm__("a6") = in[6];
    register uint64_t a7 __asm__("a7") = num;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4)
                     : "r"(a5), "r"(a6), "r"(a7)
                     : "memory");
    if (out) {
        out[0] = a1;
        out[1] = a2;
        out[2] = a3;
        out[3] = a4;
    }
    return (long)a0;
}

long tether_invoke(uint32_t cap, uint32_t label, const uint64_t args[6], uint64_t results[4])
{
    uint64_t in[7] = { cap | (uint64_t)label << 32 };
    for (int i = 0; i < 6 && args; i++)
        in[1 + i] = args[i];
    return tether_syscall(SYS_INVOKE, in, results);
}

long tether_write(const void *buf, unsigned long len)
{
    register uint64_t a0 __asm__("a0") = (uint64_t)buf;
    register uint64_t a1 __asm__("a1") = len;
    register uint64_t a7 __asm__("a7") = SYS_WRITE;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return (long)a0;
}

long tether_yield(void)
{
    register uint64_t a0 __asm__("a0");
    register uint64_t a7 __asm__("a7") = SYS_YIELD;
    __asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
    return (long)a0;
}

_Noreturn void exit(int status)
{
    register uint64_t a0 __asm__("a0") = (uint64_t)(long)status;
    for (;;)
        __asm__ volatile("ebreak" :: "r"(a0));
}

const char *tether_error_name(long err)
{
    static const char *const names[] = {
#define X(name, val, text) [val] = #name,
#include <tether/errors.def>
#undef X
    };
    if (err < 0 || (unsigned long)err >= sizeof names / sizeof names[0] || !names[err])
        return "E_?";
    return names[err];
}
