/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_VERSION_H
#define TOLLGATE_VERSION_H

#include <stdio.h>

/* Tollgate's own version: meson.build's project version, passed by the build. */
#ifndef TOLLGATE_VERSION
#error "TOLLGATE_VERSION must be defined (meson.build passes the project version)"
#endif

/*
 * --version: "tollgated VERSION" then one line per library linked in, each named once, as
 * the library reports its own version at run time (what is loaded, not what the build saw).
 * Any thread; needs no EAL.
 */
void version_print(FILE *f);

#endif
