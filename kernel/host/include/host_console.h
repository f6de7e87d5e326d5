/* SPDX-License-Identifier: BSD-2-Clause */
/* host_console.h: the hosted machine's console (hal_putc) into a buffer,
 * for tests that check what the kernel prints (the Debug object's dumps,
 * its reports). Host only. */
#ifndef TETHER_HOST_CONSOLE_H
#define TETHER_HOST_CONSOLE_H

#include <stddef.h>

/* From now on the console goes to buf (NUL-terminated; what does not fit
 * is dropped and counted) instead of stdout; buf NULL: stdout again. */
void host_console_capture(char *buf, size_t size);
/* Characters written since the capture started (dropped ones included). */
size_t host_console_written(void);

#endif
