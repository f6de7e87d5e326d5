/* init.c: the root task of `make run`. Prints what the kernel told it in the
 * bootinfo page, and ends (the kernel then powers off with the status). */
#include "bootinfo.h"
#include "tether.h"
#include "ulib.h"

int main(void)
{
    const struct bootinfo *bi = (const void *)BOOTINFO_VA;
    printf("init: hello from the root task (user mode)\n");
    if (bi->magic != BOOTINFO_MAGIC) {
        printf("init: bad bootinfo page\n");
        return 1;
    }
    printf("init: RAM %lu MiB at %p; kernel image %lu bytes; %lu KiB for the core\n",
           bi->ram_size >> 20, (void *)bi->ram_base, bi->kernel_bytes, bi->free_bytes >> 10);
    printf("init: %lu boot task(s); timer ticks so far: %lu\n", bi->ntasks, bi->ticks);
    printf("init: done, exiting with status 0\n");
    return 0;
}
