/*
 * bpfy prelude: what every program sees before its first line. bpfy builds
 * it into a precompiled header once per kernel and passes -include-pch.
 */
#ifndef BPFY_PRELUDE_H
#define BPFY_PRELUDE_H

#include "vmlinux.h"		/* generated from /sys/kernel/btf/vmlinux */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpfy/dialect.h>

#endif /* BPFY_PRELUDE_H */
