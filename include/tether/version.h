/* SPDX-License-Identifier: BSD-2-Clause */
/* version.h: Tether's version, defined here only. The riscv64 boot banner
 * and the host demo print TETHER_VERSION_STRING; CHANGELOG.md has a section
 * per version. */
#ifndef TETHER_VERSION_H
#define TETHER_VERSION_H

#define TETHER_VERSION_MAJOR 0
#define TETHER_VERSION_MINOR 1
#define TETHER_VERSION "0.1"
#define TETHER_VERSION_STRING "Tether " TETHER_VERSION

#endif
