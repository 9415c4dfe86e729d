/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Part of the bpfy runtime's public API (included by bpfy.h): attach. */
#ifndef BPFY_ATTACH_H
#define BPFY_ATTACH_H

#include "bpfy.h"

#endif
