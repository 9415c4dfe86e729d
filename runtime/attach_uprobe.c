/* uprobes, uretprobes and USDT probes: perf_event based, through libbpf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "attach_link.h"

struct bpfy_link *bpfy_prog__attach_uprobe(struct bpfy_prog *prog, bool retprobe, int pid,
					   const char *path, uint64_t offset,
					   struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
	char what[600];

	if (access(path, R_OK)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, errno, "uprobe: cannot read '%s': %s", path,
				strerror(errno));
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_KPROBE, 0, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' as %s to %s+0x%llx (pid %d)", prog->name,
		 retprobe ? "uretprobe" : "uprobe", path, (unsigned long long)offset, pid);
	bpfy_libbpf_log__begin();
	return bpfy_link__wrap(bpf_program__attach_uprobe_opts(prog->program, pid, path, offset,
							       &opts),
			       what, error);
}

struct bpfy_link *bpfy_prog__attach_usdt(struct bpfy_prog *prog, int pid, const char *path,
					 const char *provider, const char *name,
					 struct bpfy_error *error)
{
	char what[600];

	if (access(path, R_OK)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, errno, "USDT: cannot read '%s': %s", path,
				strerror(errno));
		return NULL;
	}
	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_KPROBE, 0, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' to USDT probe %s:%s in %s (pid %d)",
		 prog->name, provider, name, path, pid);
	bpfy_libbpf_log__begin();
	return bpfy_link__wrap(bpf_program__attach_usdt(prog->program, pid, path, provider, name,
							NULL),
			       what, error);
}
