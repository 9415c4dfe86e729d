/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Part of the bpfy runtime's public API (included by bpfy.h): syms. */
#ifndef BPFY_SYMS_H
#define BPFY_SYMS_H

#include "bpfy.h"

#endif
