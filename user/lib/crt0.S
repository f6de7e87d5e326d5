/* crt0.S: user program entry. The kernel starts a boot task with
 * sp = top of its stack, a0 = its argument, a1 = its task id.
 * When main returns, its result is the exit status (see exit()). */
    .section .text.entry, "ax"
    .globl _start
_start:
    call    main
    tail    exit
