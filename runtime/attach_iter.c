/* BPF iterators: a link per program, a readable fd per pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "attach_link.h"

int bpfy_link__new_iter(const struct bpfy_link *link, struct bpfy_error *error)
{
	int fd = bpf_iter_create(bpfy_link__fd(link));

	if (fd < 0)
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "creating an iterator: %s",
				       strerror(errno));
	return fd;
}

struct bpfy_link *bpfy_prog__attach_iter(struct bpfy_prog *prog, int *iter_fd,
					 struct bpfy_error *error)
{
	struct bpfy_link *link;
	char what[300];
	int fd;

	if (prog->fd < 0 || strncmp(prog->section, "iter/", 5)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"function '%s' (section '%s') is not an iterator: declare it with "
				"SEC(\"iter/<target>\"), e.g. SEC(\"iter/task\")",
				prog->name, prog->section);
		return NULL;
	}
	snprintf(what, sizeof(what), "attaching iterator '%s' (%s)", prog->name, prog->section);
	bpfy_libbpf_log__begin();
	link = bpfy_link__wrap(bpf_program__attach_iter(prog->program, NULL), what, error);
	if (!link)
		return NULL;
	fd = bpfy_link__new_iter(link, error);
	if (fd < 0) {
		bpfy_link__destroy(link);
		errno = -fd;
		return NULL;
	}
	*iter_fd = fd;
	return link;
}
