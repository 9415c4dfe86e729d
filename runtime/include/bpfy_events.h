/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Part of the bpfy runtime's public API (included by bpfy.h): events. */
#ifndef BPFY_EVENTS_H
#define BPFY_EVENTS_H

#include "bpfy.h"

#endif
