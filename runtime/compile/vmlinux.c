/* vmlinux.h from the kernel's BTF (libbpf btf_dump), once per kernel. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
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
	return bpfy_vmlinux__generate(BPFY_VMLINUX_BTF, kernel->vmlinux_h, error);
}
