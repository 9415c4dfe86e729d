/*
 * kprobes and BPF trampolines (fentry/fexit/fmod_ret/LSM): attach when the
 * kernel allows it, and otherwise say exactly what it refused, found by a
 * real probe rather than by reading the kernel config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "attach_link.h"

#define NO_KPROBES "kernel built without CONFIG_KPROBES; use a tracepoint or raw tracepoint"

bool bpfy_kprobes_supported(void)
{
	struct bpfy_error ignored = {};
	const char *tracefs;
	char path[512];

	if (!access("/sys/bus/event_source/devices/kprobe/type", F_OK))
		return true;
	tracefs = bpfy_tracefs_dir(&ignored);
	bpfy_error__clear(&ignored);
	if (!tracefs)
		return false;
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	return !access(path, F_OK);
}

struct bpfy_link *bpfy_prog__attach_kprobe(struct bpfy_prog *prog, bool retprobe,
					   const char *func, uint64_t offset, int maxactive,
					   struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = retprobe, .offset = offset);
	struct bpf_link *link;
	char what[400];
	int err;

	if (bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_KPROBE, 0, error))
		return NULL;
	snprintf(what, sizeof(what), "attaching '%s' as %s to '%s'", prog->name,
		 retprobe ? "kretprobe" : "kprobe", func);
	bpfy_libbpf_log__begin();
	link = bpf_program__attach_kprobe_opts(prog->program, func, &opts);
	if (link || bpfy_kprobes_supported())
		return bpfy_link__wrap(link, what, error);
	err = errno;
	free(bpfy_libbpf_log__end());
	bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, EOPNOTSUPP,
			"%s: " NO_KPROBES " (the attach failed with %s and the kernel has no "
			"kprobe PMU nor kprobe_events)",
			what, strerror(err));
	errno = EOPNOTSUPP;
	return NULL;
}

/* --------------------------------------------------------- trampolines */

static const struct {
	const char *label;
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
	const char *target;	/* a kernel function or LSM hook every kernel has */
} kinds[] = {
	[BPFY_TRAMPOLINE_FENTRY] = { "fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
				     "do_unlinkat" },
	[BPFY_TRAMPOLINE_FEXIT] = { "fexit", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT,
				    "do_unlinkat" },
	[BPFY_TRAMPOLINE_FMOD_RET] = { "fmod_ret", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN,
				       "security_file_open" },
	[BPFY_TRAMPOLINE_LSM] = { "lsm", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open" },
};

static struct {
	int result;		/* 0 unknown, 1 allowed, 2 refused */
	int err;		/* positive errno of the refusal */
	char reason[256];
} probed[4];

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOTSUP:
		return "ENOTSUPP";
	case ENOENT:
		return "ENOENT";
	default:
		return "error";
	}
}

/* Loads and attaches a `return 0` program of kind; 1, 0 (refused), -errno. */
static int run_probe(enum bpfy_trampoline_kind kind, char *reason, size_t size, int *refused)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, load_opts);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int btf_id, prog_fd = -1, link_fd = -1, ret;

	if (!vmlinux)
		return -errno;
	btf_id = btf__find_by_name_kind(vmlinux, kinds[kind].target, BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (btf_id < 0) {
		snprintf(reason, size, "%s: kernel BTF has no function '%s'", kinds[kind].label,
			 kinds[kind].target);
		*refused = ENOENT;
		return 0;
	}
	load_opts.expected_attach_type = kinds[kind].attach;
	load_opts.attach_btf_id = btf_id;
	prog_fd = bpf_prog_load(kinds[kind].type, "bpfy_probe", "GPL", insns, 2, &load_opts);
	if (prog_fd < 0) {
		ret = -errno;
		snprintf(reason, size,
			 "the kernel refused to load a %s program (BPF trampoline) on '%s': "
			 "%s (%s)",
			 kinds[kind].label, kinds[kind].target, errno_name(-ret), strerror(-ret));
		*refused = -ret;
		return 0;
	}
	link_fd = bpf_link_create(prog_fd, 0, kinds[kind].attach, NULL);
	if (link_fd < 0) {
		ret = -errno;
		snprintf(reason, size,
			 "the kernel refused to attach a BPF trampoline (%s on '%s'): %s (%s)",
			 kinds[kind].label, kinds[kind].target, errno_name(-ret), strerror(-ret));
		*refused = -ret;
		close(prog_fd);
		return 0;
	}
	close(link_fd);
	close(prog_fd);
	return 1;
}

int bpfy_trampoline__probe(enum bpfy_trampoline_kind kind, char *reason, size_t reason_size)
{
	int ret;

	if ((unsigned)kind >= sizeof(kinds) / sizeof(kinds[0]))
		return -EINVAL;
	if (!probed[kind].result) {
		ret = run_probe(kind, probed[kind].reason, sizeof(probed[kind].reason),
				&probed[kind].err);
		if (ret < 0)
			return ret;
		probed[kind].result = ret ? 1 : 2;
	}
	if (reason && reason_size)
		snprintf(reason, reason_size, "%s", probed[kind].reason);
	return probed[kind].result == 1;
}

struct bpfy_link *bpfy_prog__attach_trampoline(struct bpfy_prog *prog,
					       enum bpfy_trampoline_kind kind,
					       struct bpfy_error *error)
{
	char reason[256], what[300];
	int ok = bpfy_trampoline__probe(kind, reason, sizeof(reason));

	if (ok < 0) {
		bpfy_error__set(error, BPFY_ERR_OS, -ok, "probing for %s support: %s",
				kinds[kind].label, strerror(-ok));
		return NULL;
	}
	if (!ok) {
		bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, probed[kind].err,
				"cannot attach '%s' as %s: %s; use a tracepoint, raw tracepoint "
				"or tp_btf program instead",
				prog->name, kinds[kind].label, reason);
		errno = probed[kind].err;
		return NULL;
	}
	if (prog->fd < 0 || strncmp(prog->section, kinds[kind].label, strlen(kinds[kind].label))) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				"function '%s' (section '%s') is not a %s program: declare it "
				"with SEC(\"%s/<target>\")",
				prog->name, prog->section, kinds[kind].label, kinds[kind].label);
		return NULL;
	}
	snprintf(what, sizeof(what), "attaching '%s' (%s)", prog->name, prog->section);
	bpfy_libbpf_log__begin();
	return bpfy_link__wrap(bpf_program__attach(prog->program), what, error);
}
