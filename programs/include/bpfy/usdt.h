/*
 * bcc's USDT argument readers on libbpf's USDT support. bpfy compiles a
 * source with `-include bpfy/usdt.h` when it uses bpf_usdt_readarg or
 * bpf_usdt_readarg_p (bcc numbers arguments from 1; libbpf's
 * bpf_usdt_arg(ctx, n - 1, &v) works too). The definitions are token for token
 * those of bpfy.usdt.PRELUDE, so both may be present without a redefinition.
 */
#ifndef BPFY_USDT_H
#define BPFY_USDT_H

#include <bpf/usdt.bpf.h>
#define bpf_usdt_readarg(n, ctx, addr) ({                                   \
        long __bpfy_usdt_v = 0;                                             \
        int __bpfy_usdt_r = bpf_usdt_arg((void *)(ctx), (n) - 1, &__bpfy_usdt_v); \
        *(addr) = (__typeof__(*(addr)))__bpfy_usdt_v;                       \
        __bpfy_usdt_r; })
#define bpf_usdt_readarg_p(n, ctx, buf, len) ({                             \
        long __bpfy_usdt_p = 0;                                             \
        int __bpfy_usdt_r = bpf_usdt_arg((void *)(ctx), (n) - 1, &__bpfy_usdt_p); \
        if (!__bpfy_usdt_r)                                                 \
            __bpfy_usdt_r = bpf_probe_read_user(buf, len, (void *)__bpfy_usdt_p); \
        __bpfy_usdt_r; })

#endif /* BPFY_USDT_H */
