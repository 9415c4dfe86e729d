/*
 * bcc's implicit kernel memory reads, done with CO-RE: an AST pass (libclang)
 * over the rewritten source finds member accesses through kernel pointers
 * and wraps each loaded one in BPFY_KREAD(...) (programs/include/bpfy/dialect.h),
 * a bpf_probe_read_kernel of a field whose offset CO-RE relocates.
 */
#ifndef BPFY_COMPILE_IMPLICIT_READS_H
#define BPFY_COMPILE_IMPLICIT_READS_H

#include <stdbool.h>
#include <stddef.h>

#include "bpfy.h"

struct bpfy_implicit_args {
	const char *source;		/* rewritten source (NUL-terminated) */
	size_t source_len;
	const char *path;		/* the name clang sees for it (a temp file path) */
	const char *const *argv;	/* clang flags (no argv[0], no -c/-o, no input) */
	size_t argc;
};

/*
 * Cheap pre-check on the rewritten source: false when no member access could
 * need a read (then libclang is not even loaded), or when the user turned the
 * pass off with -DBPFY_NO_IMPLICIT_READS.
 */
bool bpfy_implicit__wanted(const char *source, size_t len, const char *const *cflags,
			   size_t cflag_count);

/*
 * Parses args->source and, when it has no errors, returns in *out (heap,
 * NUL-terminated, caller frees) the source with every implicit kernel read
 * wrapped; *out is NULL when nothing changed or the parse had errors (clang
 * will report them against the untouched text). Insertions never add a
 * newline, so line numbers stay the user's. 0 or -errno with error filled
 * (libclang missing, out of memory).
 */
int bpfy_implicit__rewrite(const struct bpfy_implicit_args *args, char **out, size_t *out_len,
			   struct bpfy_error *error);

#endif /* BPFY_COMPILE_IMPLICIT_READS_H */
