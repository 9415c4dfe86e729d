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

#include "internal.h"

struct bpfy_link {
	struct bpf_link *link;
};

static struct bpfy_link *wrap_link(struct bpf_link *link, const char *what,
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
	wrapper = calloc(1, sizeof(*wrapper));
	if (!wrapper) {
		bpf_link__destroy(link);
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		return NULL;
	}
	wrapper->link = link;
	return wrapper;
}

static int ensure_loaded(struct bpfy_prog *prog, uint32_t type, struct bpfy_error *error)
{
	if (prog->fd >= 0 && prog->type != type)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "function '%s' is a program of type %u (section '%s'), "
				       "not one that can attach here (type %u)",
				       prog->name, prog->type, prog->section, type);
	return bpfy_prog__load(prog, type, 0, error);
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
	snprintf(what, sizeof(what), "attaching '%s' at '%s'", prog->name, prog->section);
	bpfy_libbpf_log__begin();
	return wrap_link(bpf_program__attach(prog->program), what, error);
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
	if (ensure_loaded(prog, BPF_PROG_TYPE_TRACEPOINT, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' to tracepoint '%s:%s'", prog->name, category,
		 event);
	bpfy_libbpf_log__begin();
	return wrap_link(bpf_program__attach_tracepoint(prog->program, category, event), what,
			 error);
}

struct bpfy_link *bpfy_prog__attach_raw_tracepoint(struct bpfy_prog *prog, const char *name,
						   struct bpfy_error *error)
{
	char what[300];

	if (ensure_loaded(prog, BPF_PROG_TYPE_RAW_TRACEPOINT, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' to raw tracepoint '%s'", prog->name, name);
	bpfy_libbpf_log__begin();
	return wrap_link(bpf_program__attach_raw_tracepoint(prog->program, name), what, error);
}

int bpfy_link__fd(const struct bpfy_link *link)
{
	return bpf_link__fd(link->link);
}

int bpfy_link__destroy(struct bpfy_link *link)
{
	int err;

	if (!link)
		return 0;
	err = bpf_link__destroy(link->link);
	free(link);
	return err;
}
