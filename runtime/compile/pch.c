/*
 * The prelude PCH: vmlinux.h + libbpf headers + the dialect header, parsed
 * once per (kernel, clang, headers, flags) and reused by every compile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *const libbpf_headers[] = {
	"bpf_helpers.h", "bpf_helper_defs.h", "bpf_tracing.h", "bpf_core_read.h", "bpf_endian.h",
};

static int hash_tree(struct bpfy_hash *hash, const char *dir, const char *rel, int depth)
{
	struct dirent **names = NULL;
	char path[4096], sub[4096], *data;
	struct stat st;
	size_t len;
	int n, i, err = 0;

	if (depth > 8)
		return -ELOOP;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n && !err; i++) {
		const char *name = names[i]->d_name;

		if (name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		snprintf(sub, sizeof(sub), "%s/%s", rel, name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			err = hash_tree(hash, path, sub, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			err = bpfy_file__read(path, &data, &len);
			if (err)
				break;
			bpfy_hash__field_str(hash, sub);
			bpfy_hash__field(hash, data, len);
			free(data);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int bpfy_include__hash(const char *include_dir, char hex[BPFY_SHA256_HEX_LEN + 1],
		       struct bpfy_error *error)
{
	struct bpfy_hash *hash = bpfy_hash__new();
	char path[4200];
	struct stat st;
	size_t i;
	int err;

	if (!hash)
		return bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	err = hash_tree(hash, include_dir, "", 0);
	if (err) {
		err = bpfy_error__set(error, BPFY_ERR_OS, err, "cannot read include dir %s: %s",
				      include_dir, strerror(-err));
		goto err_out;
	}
	/* the libbpf headers: identified by size and mtime (cheap) */
	for (i = 0; i < sizeof(libbpf_headers) / sizeof(libbpf_headers[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", BPFY_LIBBPF_INCLUDE, libbpf_headers[i]);
		if (stat(path, &st)) {
			err = bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, errno,
					      "libbpf header %s missing (install libbpf-dev): %s",
					      path, strerror(errno));
			goto err_out;
		}
		bpfy_hash__field_str(hash, path);
		bpfy_hash__field(hash, &st.st_size, sizeof(st.st_size));
		bpfy_hash__field(hash, &st.st_mtim, sizeof(st.st_mtim));
	}
	bpfy_hash__final_hex(hash, hex);
err_out:
	bpfy_hash__free(hash);
	return err;
}

static int build_pch(const struct bpfy_pch_args *args, const char *path, const char *prelude,
		     struct bpfy_error *error)
{
	char tmp[4200], msg[900];
	const char *argv[BPFY_CLANG_COMMON_ARGS + 8 + 64];
	struct bpfy_clang_incs incs;
	size_t n = 0, i;
	char *log = NULL;
	size_t log_len;
	int fd, err;

	if (args->cflag_count > 64)
		return bpfy_error__set(error, BPFY_ERR_USAGE, E2BIG, "too many cflags");
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot create %s: %s", tmp,
				       strerror(errno));
	close(fd);
	n = bpfy_clang__common_argv(argv, &incs, args->include_dir, args->kernel);
	for (i = 0; i < args->cflag_count; i++)
		argv[n++] = args->cflags[i];
	argv[n++] = "-x";
	argv[n++] = "c-header";
	argv[n++] = prelude;
	argv[n++] = "-o";
	argv[n++] = tmp;
	argv[n] = NULL;
	err = bpfy_clang__run(args->clang, argv, &log, &log_len, error);
	if (err > 0) {
		bpfy_clang__first_error(log ? log : "", msg, sizeof(msg));
		err = bpfy_error__set(error, BPFY_ERR_COMPILE, EINVAL,
				      "building the prelude PCH failed: %s", msg);
		if (log)
			bpfy_error__set_log(error, log, log_len);
		goto err_out;
	}
	if (err < 0)
		goto err_out;
	chmod(tmp, 0600);	/* clang created it anew with the umask's mode */
	if (rename(tmp, path)) {
		err = bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot rename %s: %s", tmp,
				      strerror(errno));
		goto err_out;
	}
	free(log);
	return 0;
err_out:
	unlink(tmp);
	free(log);
	return err;
}

/*
 * Macro definitions and warning flags do not change what the prelude
 * compiles to, and clang accepts extra -D/-U next to a PCH built without
 * them: leaving them out lets every program share one PCH instead of
 * building one (about a second) per distinct set of -D flags.
 */
static size_t pch_relevant_cflags(const struct bpfy_pch_args *args, const char **kept)
{
	size_t count = 0;

	for (size_t i = 0; i < args->cflag_count; i++) {
		const char *flag = args->cflags[i];

		if (!strcmp(flag, "-D") || !strcmp(flag, "-U")) {
			i++;	/* the macro is the next argument */
			continue;
		}
		if (!strncmp(flag, "-D", 2) || !strncmp(flag, "-U", 2) || !strncmp(flag, "-W", 2))
			continue;
		kept[count++] = flag;
	}
	return count;
}

int bpfy_pch__ensure(const struct bpfy_pch_args *given, char *path, size_t path_size,
		     struct bpfy_error *error)
{
	const char *relevant[64];
	struct bpfy_pch_args narrowed = *given, *args = &narrowed;
	struct bpfy_hash *hash = bpfy_hash__new();
	char key[BPFY_SHA256_HEX_LEN + 1], prelude[4200];
	size_t i;
	int err;

	if (!hash)
		return bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	if (given->cflag_count > 64) {
		bpfy_hash__free(hash);
		return bpfy_error__set(error, BPFY_ERR_USAGE, E2BIG, "too many cflags");
	}
	narrowed.cflags = relevant;
	narrowed.cflag_count = pch_relevant_cflags(given, relevant);
	bpfy_hash__field_str(hash, "bpfy-pch-v2");
	bpfy_hash__field_str(hash, args->clang->identity);
	bpfy_hash__field_str(hash, args->kernel->key);
	bpfy_hash__field_str(hash, args->include_dir);
	bpfy_hash__field_str(hash, args->include_hash);
	for (i = 0; i < args->cflag_count; i++)
		bpfy_hash__field_str(hash, args->cflags[i]);
	bpfy_hash__final_hex(hash, key);
	bpfy_hash__free(hash);
	snprintf(path, path_size, "%s/prelude-%.16s.pch", args->kernel->dir, key);
	if (access(path, R_OK) == 0)
		return 0;
	err = bpfy_kernel__prepare(args->kernel, error);
	if (err)
		return err;
	snprintf(prelude, sizeof(prelude), "%s/bpfy/prelude.h", args->include_dir);
	return build_pch(args, path, prelude, error);
}
