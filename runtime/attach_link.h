/*
 * Private to runtime/attach*.c: how the attach families build a bpfy_link.
 *
 * A bpfy_link owns what keeps one attachment alive and undoes it on
 * bpfy_link__destroy(): libbpf links (usually one; perf events on every CPU
 * hold one per CPU), or an fd whose close detaches (a BPF link fd made with
 * bpf_link_create, a socket carrying a filter), or a detach callback for
 * attachments the kernel does not model as links (tc filters on clsact,
 * BPF_PROG_ATTACH). The body lives in attach.c.
 */
#ifndef BPFY_ATTACH_LINK_H
#define BPFY_ATTACH_LINK_H

#include <bpf/libbpf.h>

#include "internal.h"

/*
 * Wraps one libbpf link. `link` NULL means the attach failed with errno set:
 * the error is reported with libbpf's captured messages and NULL returned.
 * Ends the libbpf log capture the caller began with bpfy_libbpf_log__begin().
 */
struct bpfy_link *bpfy_link__wrap(struct bpf_link *link, const char *what,
				  struct bpfy_error *error);

/* Takes ownership of links[0..count) and of the array (malloc'ed), count >= 1.
 * NULL with errno ENOMEM (the links are destroyed then). */
struct bpfy_link *bpfy_link__from_links(struct bpf_link **links, size_t count);

/* Takes ownership of fd; destroying the link closes it. NULL with errno
 * ENOMEM (fd closed then). */
struct bpfy_link *bpfy_link__from_fd(int fd);

/*
 * A link undone by detach(priv) on destroy; priv is freed with free()
 * afterwards. fd is what bpfy_link__fd reports (not owned, may be -1).
 * NULL with errno ENOMEM (priv is then NOT freed: the caller still owns it).
 */
struct bpfy_link *bpfy_link__from_detach(int (*detach)(void *priv), void *priv, int fd);

/* Loads prog as `type`/`expected` unless it is loaded already; a function
 * already loaded as another type gives -EINVAL naming both. */
int bpfy_attach__ensure_loaded(struct bpfy_prog *prog, uint32_t type, uint32_t expected,
			       struct bpfy_error *error);

#endif /* BPFY_ATTACH_LINK_H */
