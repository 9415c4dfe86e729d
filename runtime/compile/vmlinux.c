/* vmlinux.h from the kernel's BTF (libbpf btf_dump), once per kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "internal.h"

/*
 * LINUX_VERSION_CODE of the running kernel, as libbpf computes it: Ubuntu's
 * /proc/version_signature ("Ubuntu 5.15.0-91.101-generic 5.15.131"), Debian's
 * uname version ("... Debian 6.1.76-1 ..."), else the release ("6.18.44-...").
 * The sublevel saturates at 255 as KERNEL_VERSION() does.
 */
static unsigned int version_code(const struct utsname *uts)
{
	unsigned int major = 0, minor = 0, patch = 0;
	const char *debian = strstr(uts->version, "Debian ");
	char sig[256];
	FILE *f;
	int n = 0;

	f = fopen("/proc/version_signature", "re");
	if (f) {
		if (fgets(sig, sizeof(sig), f))
			n = sscanf(sig, "%*s %*s %u.%u.%u", &major, &minor, &patch);
		fclose(f);
	}
	if (n < 2 && debian)
		n = sscanf(debian + 7, "%u.%u.%u", &major, &minor, &patch);
	if (n < 2) {
		patch = 0;
		n = sscanf(uts->release, "%u.%u.%u", &major, &minor, &patch);
	}
	if (n < 2)
		return 0;
	return (major << 16) + (minor << 8) + (patch > 255 ? 255 : patch);
}

int bpfy_kernel__identify(struct bpfy_kernel *kernel, const char *cache_dir,
			  struct bpfy_error *error)
{
	struct bpfy_hash *hash;
	struct utsname uts;
	struct stat st;
	char size[32];

	if (uname(&uts))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "uname: %s", strerror(errno));
	if (stat(BPFY_VMLINUX_BTF, &st))
		return bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, errno,
				       "kernel BTF %s is missing (CONFIG_DEBUG_INFO_BTF): %s",
				       BPFY_VMLINUX_BTF, strerror(errno));
	hash = bpfy_hash__new();
	if (!hash)
		return bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	snprintf(size, sizeof(size), "%lld", (long long)st.st_size);
	kernel->version_code = version_code(&uts);
	bpfy_hash__field_str(hash, uts.release);
	bpfy_hash__field_str(hash, uts.version);
	bpfy_hash__field_str(hash, uts.machine);
	bpfy_hash__field_str(hash, size);
	bpfy_hash__final_hex(hash, kernel->key);
	bpfy_hash__free(hash);
	snprintf(kernel->dir, sizeof(kernel->dir), "%s/kernel-%.16s", cache_dir, kernel->key);
	snprintf(kernel->vmlinux_h, sizeof(kernel->vmlinux_h), "%s/vmlinux.h", kernel->dir);
	snprintf(kernel->sysinc, sizeof(kernel->sysinc), "%s/sys", kernel->dir);
	return 0;
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

static int dump_all(const struct btf *btf, FILE *out)
{
	struct btf_dump *dump;
	__u32 id, count = btf__type_cnt(btf);
	int err = 0;

	dump = btf_dump__new(btf, dump_printf, out, NULL);
	if (!dump)
		return -errno;
	fprintf(out, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
		     "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
		     "#pragma clang attribute push (__attribute__((preserve_access_index)), "
		     "apply_to = record)\n#endif\n\n");
	for (id = 1; id < count && !err; id++)
		err = btf_dump__dump_type(dump, id);
	fprintf(out, "\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n"
		     "#endif\n\n#endif /* __VMLINUX_H__ */\n");
	btf_dump__free(dump);
	return err;
}

int bpfy_vmlinux__generate(const char *btf_path, const char *path, struct bpfy_error *error)
{
	struct btf *btf = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *out = NULL;
	int err;

	btf = btf__parse(btf_path, NULL);
	if (!btf) {
		err = bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, errno,
				      "cannot parse kernel BTF %s: %s", btf_path, strerror(errno));
		goto err_out;
	}
	out = open_memstream(&text, &len);
	if (!out) {
		err = bpfy_error__set(error, BPFY_ERR_OS, errno, "open_memstream: %s",
				      strerror(errno));
		goto err_out;
	}
	err = dump_all(btf, out);
	if (fclose(out) && !err)
		err = -errno;
	out = NULL;
	if (err) {
		err = bpfy_error__set(error, BPFY_ERR_OS, err, "cannot dump BTF of %s: %s",
				      btf_path, strerror(-err));
		goto err_out;
	}
	err = bpfy_file__write_atomic(path, text, len, 0600);
	if (err)
		err = bpfy_error__set(error, BPFY_ERR_OS, err, "cannot write %s: %s", path,
				      strerror(-err));
err_out:
	if (out)
		fclose(out);
	free(text);
	btf__free(btf);
	return err;
}

/* What a child reports through its pipe. */
struct child_report {
	int kind;
	int code;
	char message[sizeof(((struct bpfy_error *)0)->message)];
};

/*
 * bpfy_vmlinux__generate in a child process: btf_dump over the kernel's 6 MB
 * of BTF peaks at several MiB of heap that the caller (a Python process)
 * would keep as its peak RSS. The child only runs libbpf and writes the file
 * (atomic rename), then _exits; glibc keeps malloc usable after fork in a
 * threaded parent. Its error, if any, comes back through a pipe.
 */
static int generate_in_child(const char *btf_path, const char *path, struct bpfy_error *error)
{
	struct child_report report = { 0 };
	int fds[2], status = 0, err;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return bpfy_error__set(error, BPFY_ERR_OS, err, "fork: %s", strerror(err));
	}
	if (pid == 0) {
		struct bpfy_error child = { 0 };

		close(fds[0]);
		if (bpfy_vmlinux__generate(btf_path, path, &child)) {
			report.kind = child.kind;
			report.code = child.code ? child.code : EIO;
			memcpy(report.message, child.message, sizeof(report.message));
			if (write(fds[1], &report, sizeof(report)) < 0)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(report)) {
		n = read(fds[0], (char *)&report + got, sizeof(report) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		/* reaped elsewhere (SIGCHLD ignored): the file tells */
		status = access(path, R_OK) == 0 ? 0 : 1 << 8;
		break;
	}
	if (got == sizeof(report)) {
		report.message[sizeof(report.message) - 1] = '\0';
		return bpfy_error__set(error, report.kind, report.code, "%s", report.message);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return bpfy_error__set(error, BPFY_ERR_OS, EIO,
				       "generating %s from %s failed in its child process "
				       "(status 0x%x)", path, btf_path, (unsigned)status);
	return 0;
}

/* <dir>/sys/bpf -> the libbpf headers: the only part of /usr/include we expose. */
static int ensure_sysinc(const struct bpfy_kernel *kernel, struct bpfy_error *error)
{
	char link[4200], tmp[4300];
	struct stat st;

	snprintf(link, sizeof(link), "%s/bpf", kernel->sysinc);
	if (stat(link, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(kernel->sysinc, 0700) && errno != EEXIST)
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot create %s: %s",
				       kernel->sysinc, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", link, (int)getpid());
	unlink(tmp);
	if (symlink(BPFY_LIBBPF_INCLUDE, tmp) || rename(tmp, link)) {
		int saved = errno;

		unlink(tmp);
		return bpfy_error__set(error, BPFY_ERR_OS, saved, "cannot link %s to %s: %s", link,
				       BPFY_LIBBPF_INCLUDE, strerror(saved));
	}
	return 0;
}

int bpfy_kernel__prepare(const struct bpfy_kernel *kernel, struct bpfy_error *error)
{
	int err;

	err = bpfy_dir__ensure_private(kernel->dir, error);
	if (err)
		return err;
	err = ensure_sysinc(kernel, error);
	if (err)
		return err;
	if (access(kernel->vmlinux_h, R_OK) == 0)
		return 0;
	return generate_in_child(BPFY_VMLINUX_BTF, kernel->vmlinux_h, error);
}
