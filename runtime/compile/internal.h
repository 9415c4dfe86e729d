/* Internal helpers shared by the files of runtime/compile (not public API). */
#ifndef BPFY_COMPILE_INTERNAL_H
#define BPFY_COMPILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpfy.h"

/* ----------------------------------------------------------- text buffer */

/* A growable NUL-terminated byte buffer. Zero-initialize before use. */
struct bpfy_cbuf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;	/* an append failed: the content is incomplete */
};

int bpfy_cbuf__append(struct bpfy_cbuf *buf, const char *data, size_t len);
int bpfy_cbuf__puts(struct bpfy_cbuf *buf, const char *str);
int bpfy_cbuf__printf(struct bpfy_cbuf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Gives the heap string to the caller (never NULL unless OOM) and resets buf. */
char *bpfy_cbuf__steal(struct bpfy_cbuf *buf);
void bpfy_cbuf__release(struct bpfy_cbuf *buf);

/* ------------------------------------------------------------- SHA-256 */

#define BPFY_SHA256_LEN 32
#define BPFY_SHA256_HEX_LEN 64

struct bpfy_hash;

struct bpfy_hash *bpfy_hash__new(void);
void bpfy_hash__free(struct bpfy_hash *hash);
void bpfy_hash__update(struct bpfy_hash *hash, const void *data, size_t len);
/* Hashes a length prefix first, so fields cannot run into each other. */
void bpfy_hash__field(struct bpfy_hash *hash, const void *data, size_t len);
void bpfy_hash__field_str(struct bpfy_hash *hash, const char *str);
/* Writes 64 hex chars + NUL; the hash may not be updated afterwards. */
void bpfy_hash__final_hex(struct bpfy_hash *hash, char hex[BPFY_SHA256_HEX_LEN + 1]);
void bpfy_hash__final(struct bpfy_hash *hash, uint8_t digest[BPFY_SHA256_LEN]);
/* One-shot digest of a buffer. 0 or -ENOMEM. */
int bpfy_sha256(const void *data, size_t len, uint8_t digest[BPFY_SHA256_LEN]);

/* ---------------------------------------------------------------- files */

/* Reads a whole file into a NUL-terminated heap buffer. 0 or -errno. */
int bpfy_file__read(const char *path, char **data, size_t *len);
/* Writes data to path atomically (temp file in the same dir + rename), mode. */
int bpfy_file__write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Creates dir with mode 0700 if missing; refuses dirs that are not ours. */
int bpfy_dir__ensure_private(const char *path, struct bpfy_error *error);

/* ------------------------------------------------------------ toolchain */

struct bpfy_clang {
	char path[4096];	/* realpath of the clang binary */
	char identity[4200];	/* path + size + mtime: changes when clang does */
};

/* Finds clang ($BPFY_CLANG, else `clang` on $PATH). */
int bpfy_clang__find(struct bpfy_clang *clang, struct bpfy_error *error);

/*
 * Runs clang with argv (argv[0] is replaced by clang->path), no shell.
 * Collects stderr into *log (heap, may be NULL). Returns clang's exit status
 * (0 = success, > 0 = failure) or -errno when it could not run at all.
 */
int bpfy_clang__run(const struct bpfy_clang *clang, const char *const *argv, char **log,
		    size_t *log_len, struct bpfy_error *error);

/* Storage for the strings of bpfy_clang__common_argv. */
struct bpfy_clang_incs {
	char compat[4200];	/* -I<include_dir>/compat */
	char include[4200];	/* -I<include_dir> */
	char kernel[4200];	/* -I<kernel dir> (vmlinux.h) */
};

struct bpfy_kernel;

/*
 * The argv prefix every compile and the PCH share: "clang -target bpf -O2
 * -g", the arch, the base flags, the include dirs, the libbpf headers.
 * Writes at most BPFY_CLANG_COMMON_ARGS entries; returns how many. The
 * strings live in incs (and the arguments) while argv is used.
 */
#define BPFY_CLANG_COMMON_ARGS 48
size_t bpfy_clang__common_argv(const char **argv, struct bpfy_clang_incs *incs,
			       const char *include_dir, const struct bpfy_kernel *kernel);

/* Copies the first "error:" line of a clang log into out ("clang failed" if none). */
void bpfy_clang__first_error(const char *log, char *out, size_t size);

/* The kernel: where its BTF lives and a cheap key that identifies it. */
struct bpfy_kernel {
	char key[BPFY_SHA256_HEX_LEN + 1];	/* first chars are used in paths */
	char dir[4000];			/* <cache>/kernel-<key16> */
	char vmlinux_h[4096];		/* <dir>/vmlinux.h */
	char sysinc[4096];		/* <dir>/sys: holds a `bpf` link to the libbpf headers */
	unsigned int version_code;	/* LINUX_VERSION_CODE of the running kernel */
};

#define BPFY_VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define BPFY_LIBBPF_INCLUDE "/usr/include/bpf"

/* Fills key and paths (no file access besides stat of the BTF file). */
int bpfy_kernel__identify(struct bpfy_kernel *kernel, const char *cache_dir,
			  struct bpfy_error *error);
/* Makes sure <dir>/vmlinux.h and <dir>/sys/bpf exist (generating once). */
int bpfy_kernel__prepare(const struct bpfy_kernel *kernel, struct bpfy_error *error);
/* Writes vmlinux.h for the BTF at btf_path into path (atomic). */
int bpfy_vmlinux__generate(const char *btf_path, const char *path, struct bpfy_error *error);

/* ----------------------------------------------------------------- flags */

/* Validates user flags: 0, or a BPFY_ERR_USAGE error naming the bad flag. */
int bpfy_cflags__check(const char *const *flags, size_t count, struct bpfy_error *error);
/* The -D naming the target architecture (e.g. "-D__TARGET_ARCH_x86"). */
const char *bpfy_cflags__target_arch(void);
/* Fixed flags every compile (and the PCH) gets, NULL-terminated. */
extern const char *const bpfy_cflags__base[];

/* ------------------------------------------------------------------ PCH */

struct bpfy_pch_args {
	const struct bpfy_clang *clang;
	const struct bpfy_kernel *kernel;
	const char *include_dir;
	const char *include_hash;		/* hash of the include tree */
	const char *const *cflags;
	size_t cflag_count;
};

/* Builds (or finds) the prelude PCH; fills path. */
int bpfy_pch__ensure(const struct bpfy_pch_args *args, char *path, size_t path_size,
		     struct bpfy_error *error);

/* Hash of every file under include_dir (names and contents). */
int bpfy_include__hash(const char *include_dir, char hex[BPFY_SHA256_HEX_LEN + 1],
		       struct bpfy_error *error);

/* ------------------------------------------------------- CO-RE, min BTF */

struct btf;

/* One CO-RE relocation record of .BTF.ext (struct bpf_core_relo's layout). */
struct bpfy_core_relo {
	uint32_t insn_off;
	uint32_t type_id;
	uint32_t access_str_off;
	uint32_t kind;		/* enum bpf_core_relo_kind */
};

/* An object's BTF and its CO-RE relocations. */
struct bpfy_btf_ext {
	struct btf *btf;		/* the object's .BTF, NULL when it has none */
	struct bpfy_core_relo *relos;	/* every section's records, in file order */
	size_t relo_count;
};

/* Reads .BTF and .BTF.ext of an ELF image. 0 or -errno; release either way. */
int bpfy_btf_ext__parse(const void *image, size_t size, struct bpfy_btf_ext *out);
void bpfy_btf_ext__release(struct bpfy_btf_ext *ext);

/*
 * The minimal target BTF for ext's CO-RE relocations against the kernel's
 * BTF (see min_btf.c): 0 and raw BTF in *data (heap, caller frees);
 * -ENODATA when there are no CO-RE relocations; -EOPNOTSUPP or -ENOENT
 * when a relocation needs the full kernel BTF; other -errno on failure.
 */
int bpfy_min_btf__build(const struct bpfy_btf_ext *ext, const struct btf *kernel, void **data,
			size_t *size);

/*
 * On a cache miss: builds the object's minimal BTF against the running
 * kernel's and writes it to path (atomic, 0600), its SHA-256 in digest.
 * -ENODATA when the object has no CO-RE relocations; any error means the
 * object goes without one (libbpf then reads the full kernel BTF).
 */
int bpfy_min_btf__store(const void *image, size_t size, const char *path,
			uint8_t digest[BPFY_SHA256_LEN]);

/* ---------------------------------------------------------------- cache */

/* Resolves the cache dir (opts, $XDG_CACHE_HOME, ~/.cache) and makes it safe. */
int bpfy_cache__open_dir(const char *requested, char *path, size_t path_size,
			 struct bpfy_error *error);
/* Path of the object for a key. */
int bpfy_cache__object_path(const char *cache_dir, const char *key, char *path, size_t size);
/*
 * Reads and verifies a cached object: 0, -ENOENT (absent) or -EBADMSG
 * (corrupt). btf_digest (may be NULL) receives the SHA-256 of the object's
 * minimal BTF, all zeros when it has none.
 */
int bpfy_cache__load(const char *path, void **data, size_t *size,
		     uint8_t btf_digest[BPFY_SHA256_LEN]);
/* Stores an object with its checksum and its minimal BTF's (NULL: none), atomic. */
int bpfy_cache__store(const char *path, const void *data, size_t size,
		      const uint8_t btf_digest[BPFY_SHA256_LEN]);
/* Path of the minimal BTF beside the object of a key (raw BTF, for libbpf). */
int bpfy_cache__btf_path(const char *cache_dir, const char *key, char *path, size_t size);
/* 0 when the file at path has this SHA-256, -ENOENT or -EBADMSG otherwise. */
int bpfy_cache__check_btf(const char *path, const uint8_t digest[BPFY_SHA256_LEN]);

#endif /* BPFY_COMPILE_INTERNAL_H */
