/*
 * The bcc dialect rewriter: a C tokenizer plus the source edits that turn
 * bcc-style BPF C into libbpf-style C the dialect header can compile.
 * Internal to the runtime; callable on strings without clang (tests, fuzzing).
 */
#ifndef BPFY_COMPILE_REWRITE_H
#define BPFY_COMPILE_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfy.h"

enum bpfy_tok_kind {
	BPFY_TOK_IDENT,
	BPFY_TOK_NUMBER,
	BPFY_TOK_STRING,	/* "..." including the quotes */
	BPFY_TOK_CHAR,		/* '...' */
	BPFY_TOK_PUNCT,		/* one char, or "->" / "..." / "##" */
};

struct bpfy_tok {
	enum bpfy_tok_kind kind;
	uint32_t off;		/* byte offset in the source */
	uint32_t len;
	uint32_t line;		/* 1-based */
	uint32_t col;		/* 1-based, in bytes (as clang counts) */
	bool pp;		/* part of a preprocessor directive line */
};

/*
 * Splits src into tokens, skipping whitespace and comments. Tokens of
 * directive lines are kept and flagged pp. *toks is heap (free()).
 * 0, -ENOMEM, or -EINVAL for an unterminated comment/string (error filled
 * with "<name>:<line>:<col>: ...").
 */
int bpfy_lex__tokenize(const char *src, size_t len, const char *source_name,
		       struct bpfy_tok **toks, size_t *count, struct bpfy_error *error);

struct bpfy_rewrite_map {
	char name[128];
	char kind[32];		/* "hash", "array", "percpu_hash", ..., "btf" for SEC(".maps") */
	uint32_t line;
};

struct bpfy_rewrite_tp {
	char category[128];
	char event[128];
};

struct bpfy_rewrite_result {
	char *source;		/* heap, NUL-terminated; starts with a #line directive */
	size_t source_len;
	struct bpfy_rewrite_map *maps;
	size_t map_count;
	struct bpfy_rewrite_tp *tps;	/* tracepoints whose argument struct is needed */
	size_t tp_count;
	bool had_license;	/* false: a GPL license line was appended */
	bool uses_usdt;		/* bpf_usdt_readarg*, bpf_usdt_arg*, BPF_USDT: -include bpfy/usdt.h */
};

/*
 * Rewrites a bcc-dialect source. Every user line keeps its number (the
 * output starts with `#line 1 "<source_name>"`). Errors (unknown map method,
 * unknown BPF_TABLE type, ...) have kind BPFY_ERR_COMPILE and a message
 * starting with "<source_name>:<line>:<col>: ". Free with
 * bpfy_rewrite_result__release.
 */
int bpfy_rewrite__run(const char *src, size_t len, const char *source_name,
		      struct bpfy_rewrite_result *out, struct bpfy_error *error);
void bpfy_rewrite_result__release(struct bpfy_rewrite_result *result);

/* True when the rewrite collected a map of that name. */
const struct bpfy_rewrite_map *bpfy_rewrite_result__map(const struct bpfy_rewrite_result *result,
							 const char *name);

#endif /* BPFY_COMPILE_REWRITE_H */
