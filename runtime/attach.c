/*
 * Attaching programs. Every attachment is a libbpf link owned by one
 * bpfy_link; destroying it detaches. Programs of the bcc dialect that are
 * not loaded yet are loaded here with the type the attach call implies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "attach_link.h"

/* What keeps one attachment alive; see attach_link.h for the kinds. */
struct bpfy_link {
	struct bpf_link *link;		/* the (first) libbpf link, or NULL */
	struct bpf_link **more;		/* further libbpf links (one per CPU), heap */
	size_t more_count;
	int fd;				/* owned fd closed on destroy, or -1 */
	int (*detach)(void *priv);	/* custom detach (tc filter, prog_attach), or NULL */
	void *priv;			/* freed after detach */
	int shown_fd;			/* fd reported for custom links */
};

static struct bpfy_link *link_alloc(void)
{
	struct bpfy_link *link = calloc(1, sizeof(*link));

	if (link) {
		link->fd = -1;
		link->shown_fd = -1;
	}
	return link;
}

struct bpfy_link *bpfy_link__from_links(struct bpf_link **links, size_t count)
{
	struct bpfy_link *link = link_alloc();

	if (!link) {
		for (size_t i = 0; i < count; i++)
			bpf_link__destroy(links[i]);
		free(links);
		errno = ENOMEM;
		return NULL;
	}
	link->link = links[0];
	link->more = links;
	link->more_count = count;
	return link;
}

struct bpfy_link *bpfy_link__from_fd(int fd)
{
	struct bpfy_link *link = link_alloc();

	if (!link) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	link->fd = fd;
	return link;
}

struct bpfy_link *bpfy_link__from_detach(int (*detach)(void *priv), void *priv, int fd)
{
	struct bpfy_link *link = link_alloc();

	if (!link) {
		errno = ENOMEM;
		return NULL;
	}
	link->detach = detach;
	link->priv = priv;
	link->shown_fd = fd;
	return link;
}

int bpfy_attach__ensure_loaded(struct bpfy_prog *prog, uint32_t type, uint32_t expected,
			       struct bpfy_error *error)
{
	if (prog->fd >= 0 && prog->type != type)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "function '%s' is a program of type %u (section '%s'), "
				       "not one that can attach here (type %u)",
				       prog->name, prog->type, prog->section, type);
	return bpfy_prog__load(prog, type, expected, error);
}

struct bpfy_link *bpfy_link__wrap(struct bpf_link *link, const char *what,
				  struct bpfy_error *error)
{
	struct bpfy_link *wrapper;
	int err;

	if (!link) {
		err = -errno;
		bpfy_report_load_failure(error, err, what, bpfy_libbpf_log__end());
		errno = -err;
		return NULL;
	}
	free(bpfy_libbpf_log__end());
	wrapper = link_alloc();
	if (!wrapper) {
		bpf_link__destroy(link);
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		return NULL;
	}
	wrapper->link = link;
	return wrapper;
}

struct bpfy_link *bpfy_prog__attach_auto(struct bpfy_prog *prog, struct bpfy_error *error)
{
	char what[300];

	if (prog->fd < 0) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"function '%s' (section '%s') has no attach point of its own",
				prog->name, prog->section);
		return NULL;
	}
	/* kprobe/fn, kretprobe/fn: the kprobe path, which says plainly when the
	 * kernel has no kprobes at all */
	if (!strncmp(prog->section, "kprobe/", 7) && !strchr(prog->section, '+'))
		return bpfy_prog__attach_kprobe(prog, false, prog->section + 7, 0, 0, error);
	if (!strncmp(prog->section, "kretprobe/", 10) && !strchr(prog->section, '+'))
		return bpfy_prog__attach_kprobe(prog, true, prog->section + 10, 0, 0, error);
	snprintf(what, sizeof(what), "attaching '%s' at '%s'", prog->name, prog->section);
	bpfy_libbpf_log__begin();
	return bpfy_link__wrap(bpf_program__attach(prog->program), what, error);
}

struct bpfy_link *bpfy_prog__attach_tracepoint(struct bpfy_prog *prog, const char *category,
					       const char *event, struct bpfy_error *error)
{
	const char *tracefs = bpfy_tracefs_dir(error);
	char path[512], what[300];

	if (!tracefs)
		return NULL;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs, category, event);
	if (access(path, F_OK)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, ENOENT,
				"tracepoint '%s:%s' does not exist (no %s)", category, event, path);
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_TRACEPOINT, 0, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' to tracepoint '%s:%s'", prog->name, category,
		 event);
	bpfy_libbpf_log__begin();
	return bpfy_link__wrap(bpf_program__attach_tracepoint(prog->program, category, event), what,
			 error);
}

struct bpfy_link *bpfy_prog__attach_raw_tracepoint(struct bpfy_prog *prog, const char *name,
						   struct bpfy_error *error)
{
	char what[300];

	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' to raw tracepoint '%s'", prog->name, name);
	bpfy_libbpf_log__begin();
	return bpfy_link__wrap(bpf_program__attach_raw_tracepoint(prog->program, name), what, error);
}

int bpfy_link__fd(const struct bpfy_link *link)
{
	if (link->link)
		return bpf_link__fd(link->link);
	return link->fd >= 0 ? link->fd : link->shown_fd;
}

int bpfy_link__destroy(struct bpfy_link *link)
{
	int err = 0;

	if (!link)
		return 0;
	if (link->more) {
		for (size_t i = 0; i < link->more_count; i++) {
			int one = bpf_link__destroy(link->more[i]);

			err = err ? err : one;
		}
		free(link->more);
	} else {
		err = bpf_link__destroy(link->link);
	}
	if (link->fd >= 0 && close(link->fd) && !err)
		err = -errno;
	if (link->detach) {
		int one = link->detach(link->priv);

		err = err ? err : one;
		free(link->priv);
	}
	free(link);
	return err;
}
