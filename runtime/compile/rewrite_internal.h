/* State shared by the rewriter's files (rewrite.c, rewrite_decl.c). */
#ifndef BPFY_COMPILE_REWRITE_INTERNAL_H
#define BPFY_COMPILE_REWRITE_INTERNAL_H

#include "rewrite.h"

struct rewrite_edit {
	uint32_t off;		/* where in the source */
	uint32_t del;		/* bytes replaced */
	char *text;		/* heap: inserted text */
};

struct rewriter {
	const char *src;
	size_t len;
	const char *name;
	struct bpfy_tok *toks;
	size_t ntok;
	struct rewrite_edit *edits;
	size_t nedit;
	size_t edit_cap;
	struct bpfy_rewrite_result *out;
	bool has_license;
	bool license_macro;	/* #define BPF_LICENSE ... */
	struct bpfy_error *error;
};

bool rw_tok_is(const struct rewriter *rw, size_t i, const char *text);
bool rw_tok_kind(const struct rewriter *rw, size_t i, enum bpfy_tok_kind kind);
/* Copies token i's text into buf (truncating). */
void rw_tok_text(const struct rewriter *rw, size_t i, char *buf, size_t size);
/* Index of the ')' matching the '(' at i, or ntok. */
size_t rw_match_paren(const struct rewriter *rw, size_t i);
int rw_edit(struct rewriter *rw, uint32_t off, uint32_t del, const char *text);
int rw_error_at(struct rewriter *rw, size_t tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rw_add_map(struct rewriter *rw, size_t name_tok, const char *kind);
int rw_add_tp(struct rewriter *rw, const char *category, size_t cat_len, const char *event,
	      size_t event_len);

/* Top-level pass: maps, functions (sections), license, tracepoints. */
int rw_scan_top_level(struct rewriter *rw);
/* Builtins: printk format checks, bpf_num_cpus(), bpf_usdt_readarg (rewrite_builtins.c). */
int rw_scan_builtins(struct rewriter *rw);

#endif /* BPFY_COMPILE_REWRITE_INTERNAL_H */
