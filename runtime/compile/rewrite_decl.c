/*
 * The rewriter's top-level pass: map declarations, function definitions
 * (which get a section), the license, and the tracepoints the source needs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "rewrite_internal.h"

/* bcc map declaration macros: which argument names the map. */
struct map_macro {
	const char *macro;
	const char *kind;	/* NULL: taken from the "type" string argument */
	int name_arg;
	int type_arg;		/* argument holding the "type" string (NULL kind), else -1 */
	int bare_arg;		/* a string argument passed on as a bare token, else -1 */
};

static const struct map_macro map_macros[] = {
	{ "BPF_HASH", "hash", 0, -1, -1 },
	{ "BPF_ARRAY", "array", 0, -1, -1 },
	{ "BPF_HISTOGRAM", "histogram", 0, -1, -1 },
	{ "BPF_PERCPU_HASH", "percpu_hash", 0, -1, -1 },
	{ "BPF_PERCPU_ARRAY", "percpu_array", 0, -1, -1 },
	{ "BPF_LPM_TRIE", "lpm_trie", 0, -1, -1 },
	{ "BPF_PERF_OUTPUT", "perf_output", 0, -1, -1 },
	{ "BPF_PERF_ARRAY", "perf_array", 0, -1, -1 },
	{ "BPF_RINGBUF_OUTPUT", "ringbuf", 0, -1, -1 },
	{ "BPF_STACK_TRACE", "stacktrace", 0, -1, -1 },
	{ "BPF_STACK_TRACE_BUILDID", "stacktrace", 0, -1, -1 },
	{ "BPF_PROG_ARRAY", "prog", 0, -1, -1 },
	{ "BPF_QUEUE", "queue", 0, -1, -1 },
	{ "BPF_STACK", "stack", 0, -1, -1 },
	{ "BPF_DEVMAP", "devmap", 0, -1, -1 },
	{ "BPF_CPUMAP", "cpumap", 0, -1, -1 },
	{ "BPF_XSKMAP", "xskmap", 0, -1, -1 },
	{ "BPF_SOCKMAP", "sockmap", 0, -1, -1 },
	{ "BPF_SOCKHASH", "sockhash", 0, -1, -1 },
	{ "BPF_CGROUP_ARRAY", "cgroup_array", 0, -1, -1 },
	{ "BPF_SK_STORAGE", "sk_storage", 0, -1, -1 },
	{ "BPF_INODE_STORAGE", "inode_storage", 0, -1, -1 },
	{ "BPF_TASK_STORAGE", "task_storage", 0, -1, -1 },
	{ "BPF_CGRP_STORAGE", "cgrp_storage", 0, -1, -1 },
	{ "BPF_CGROUP_STORAGE", "cgroup_storage", 0, -1, -1 },
	{ "BPF_PERCPU_CGROUP_STORAGE", "percpu_cgroup_storage", 0, -1, -1 },
	{ "BPF_ARRAY_OF_MAPS", "array_of_maps", 0, -1, 1 },
	{ "BPF_HASH_OF_MAPS", "hash_of_maps", 0, -1, 2 },
	{ "BPF_TABLE", NULL, 3, 0, -1 },
	{ "BPF_F_TABLE", NULL, 3, 0, -1 },
	{ "BPF_TABLE_PINNED", NULL, 3, 0, -1 },
	{ "BPF_F_TABLE_PINNED", NULL, 3, 0, -1 },
	{ "BPF_TABLE_PUBLIC", NULL, 3, 0, -1 },
	{ "BPF_TABLE_SHARED", NULL, 3, 0, -1 },
	{ "BPF_QUEUESTACK", NULL, 1, 0, -1 },
	{ "BPF_QUEUESTACK_PINNED", NULL, 1, 0, -1 },
	{ "BPF_QUEUESTACK_PUBLIC", NULL, 1, 0, -1 },
	{ "BPF_QUEUESTACK_SHARED", NULL, 1, 0, -1 },
};

/* The type strings BPF_TABLE accepts; dialect.h has BPFY__TABLE_<type> for each. */
static const char *const table_types[] = {
	"hash", "array", "percpu_hash", "percpu_array", "lru_hash", "lru_percpu_hash",
	"histogram", "prog", "perf_output", "perf_array", "stacktrace", "lpm_trie", "queue",
	"stack", "ringbuf", "devmap", "devmap_hash", "cpumap", "xskmap", "sockmap", "sockhash",
	"cgroup_array", "sk_storage", "inode_storage", "task_storage", "cgrp_storage",
	"bloom_filter", "cgroup_storage", "percpu_cgroup_storage", "array_of_maps",
	"hash_of_maps", "user_ringbuf", "reuseport_sockarray", "extern",
};

/* Function-like macros that define a program themselves (dialect.h, bpf_tracing.h). */
static const char *const probe_macros[] = {
	"TRACEPOINT_PROBE", "RAW_TRACEPOINT_PROBE", "KFUNC_PROBE", "KRETFUNC_PROBE", "LSM_PROBE",
	"KMOD_RET", "BPF_ITER",
	"BPF_PROG", "BPF_PROG2", "BPF_KPROBE", "BPF_KRETPROBE", "BPF_KSYSCALL", "BPF_UPROBE",
	"BPF_URETPROBE", "BPF_USDT",
};

/* Words that make a definition a helper (left alone) or already placed. */
static const char *const keep_words[] = {
	"static", "inline", "__inline", "__inline__", "__always_inline", "extern", "SEC",
	"__section", "section",
};

/* Words before '(' that are not the function's name. */
static const char *const attr_words[] = {
	"__attribute__", "__attribute", "SEC", "__section", "__declspec", "__aligned",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool tok_in(const struct rewriter *rw, size_t i, const char *const *words, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (rw_tok_is(rw, i, words[k]))
			return true;
	return false;
}

static const struct map_macro *find_map_macro(const struct rewriter *rw, size_t i)
{
	size_t k;

	for (k = 0; k < ARRAY_LEN(map_macros); k++)
		if (rw_tok_is(rw, i, map_macros[k].macro))
			return &map_macros[k];
	return NULL;
}

/* Splits the argument list of the call whose '(' is at lparen; start indexes of args. */
static size_t split_args(const struct rewriter *rw, size_t lparen, size_t rparen, size_t *starts,
			 size_t max)
{
	size_t i, n = 0;
	int depth = 0;

	if (rparen == lparen + 1)
		return 0;
	starts[n++] = lparen + 1;
	for (i = lparen + 1; i < rparen; i++) {
		if (rw->toks[i].pp)
			continue;
		if (rw_tok_is(rw, i, "(") || rw_tok_is(rw, i, "[") || rw_tok_is(rw, i, "{"))
			depth++;
		else if (rw_tok_is(rw, i, ")") || rw_tok_is(rw, i, "]") || rw_tok_is(rw, i, "}"))
			depth--;
		else if (depth == 0 && rw_tok_is(rw, i, ",") && n < max)
			starts[n++] = i + 1;
	}
	return n;
}

static int scan_map_macro(struct rewriter *rw, size_t start, const struct map_macro *mm)
{
	size_t lparen = start + 1, rparen, args[8], nargs, name;
	const char *kind = mm->kind;
	char type[40];
	size_t k;

	rparen = rw_match_paren(rw, lparen);
	if (rparen >= rw->ntok)
		return rw_error_at(rw, start, "unbalanced parentheses in %.*s(...)",
				   (int)rw->toks[start].len, rw->src + rw->toks[start].off);
	nargs = split_args(rw, lparen, rparen, args, ARRAY_LEN(args));
	if ((size_t)mm->name_arg >= nargs)
		return rw_error_at(rw, start, "%s needs a map name", mm->macro);
	if (!kind) {
		size_t t = args[mm->type_arg];
		const struct bpfy_tok *tok = &rw->toks[t];
		bool known = false;

		if (!rw_tok_kind(rw, t, BPFY_TOK_STRING) || tok->len < 2 ||
		    tok->len - 2 >= sizeof(type))
			return rw_error_at(rw, t, "%s: the map type must be a string like \"hash\"",
					   mm->macro);
		snprintf(type, sizeof(type), "%.*s", (int)tok->len - 2, rw->src + tok->off + 1);
		for (k = 0; k < ARRAY_LEN(table_types); k++)
			known |= strcmp(type, table_types[k]) == 0;
		if (!known)
			return rw_error_at(rw, t, "%s: unsupported map type \"%s\"", mm->macro, type);
		/* the preprocessor cannot switch on strings: pass a bare token */
		if (rw_edit(rw, tok->off, tok->len, type))
			return -ENOMEM;
		kind = type;
	}
	if (mm->bare_arg >= 0 && (size_t)mm->bare_arg < nargs &&
	    rw_tok_kind(rw, args[mm->bare_arg], BPFY_TOK_STRING)) {	/* inner map "name" */
		const struct bpfy_tok *tok = &rw->toks[args[mm->bare_arg]];

		if (tok->len < 3 || tok->len - 2 >= sizeof(type))
			return rw_error_at(rw, args[mm->bare_arg], "%s: bad inner map name",
					   mm->macro);
		snprintf(type, sizeof(type), "%.*s", (int)tok->len - 2, rw->src + tok->off + 1);
		if (rw_edit(rw, tok->off, tok->len, type))
			return -ENOMEM;
	}
	name = args[mm->name_arg];
	if (!rw_tok_kind(rw, name, BPFY_TOK_IDENT) ||
	    (name + 1 < rparen && !rw_tok_is(rw, name + 1, ",")))
		return rw_error_at(rw, name, "%s: the map name must be a plain identifier",
				   mm->macro);
	return rw_add_map(rw, name, kind);
}

/* `struct {...} name SEC(".maps");` or with __attribute__((section(".maps"))). */
static int scan_btf_map(struct rewriter *rw, size_t start, size_t end)
{
	size_t i, j;

	for (i = start; i < end; i++) {
		if (!rw_tok_is(rw, i, "\".maps\""))
			continue;
		for (j = i; j > start; j--) {
			if (rw_tok_is(rw, j, "SEC") || rw_tok_is(rw, j, "__attribute__") ||
			    rw_tok_is(rw, j, "__section"))
				break;
		}
		if (j > start && rw_tok_kind(rw, j - 1, BPFY_TOK_IDENT))
			return rw_add_map(rw, j - 1, "btf");
		return 0;
	}
	return 0;
}

static void scan_license(struct rewriter *rw, size_t start, size_t end)
{
	size_t i;

	for (i = start; i < end; i++)
		if (rw_tok_is(rw, i, "\"license\"") || rw_tok_is(rw, i, "_license"))
			rw->has_license = true;
}

static int scan_declaration(struct rewriter *rw, size_t start, size_t end)
{
	const struct map_macro *mm = find_map_macro(rw, start);

	scan_license(rw, start, end);
	if (mm && start + 1 < end && rw_tok_is(rw, start + 1, "("))
		return scan_map_macro(rw, start, mm);
	return scan_btf_map(rw, start, end);
}

/* Index of the function's name in [start, end), or end when none. */
static size_t function_name(const struct rewriter *rw, size_t start, size_t end)
{
	size_t i;

	for (i = start; i + 1 < end; i++) {
		if (rw->toks[i].pp)
			continue;
		if (rw_tok_is(rw, i, "(")) {	/* e.g. a parenthesized declarator */
			return end;
		}
		if (!rw_tok_kind(rw, i, BPFY_TOK_IDENT) || !rw_tok_is(rw, i + 1, "("))
			continue;
		if (tok_in(rw, i, attr_words, ARRAY_LEN(attr_words))) {
			i = rw_match_paren(rw, i + 1);
			continue;
		}
		return i;
	}
	return end;
}

static bool is_function_definition(const struct rewriter *rw, size_t start, size_t brace)
{
	size_t i;

	if (brace == start || !rw_tok_is(rw, brace - 1, ")"))
		return false;
	for (i = start; i < brace; i++)
		if (!rw->toks[i].pp && rw_tok_is(rw, i, "="))
			return false;
	return true;
}

/* Section for a plain function: auto-attach by name, else bpfy/<name>. */
static void section_for(const char *name, char *sec, size_t size)
{
	static const struct {
		const char *prefix;
		const char *section;
	} auto_names[] = {
		{ "tracepoint__", "tracepoint/" },
		{ "raw_tracepoint__", "raw_tp/" },
		{ "kprobe__", "kprobe/" },
		{ "kretprobe__", "kretprobe/" },
		{ "kfunc__", "fentry/" },
		{ "kretfunc__", "fexit/" },
		{ "kmod_ret__", "fmod_ret/" },
		{ "lsm__", "lsm/" },
	};
	size_t k, plen;
	const char *rest, *sep;

	for (k = 0; k < ARRAY_LEN(auto_names); k++) {
		plen = strlen(auto_names[k].prefix);
		if (strncmp(name, auto_names[k].prefix, plen) != 0 || !name[plen])
			continue;
		rest = name + plen;
		if (k == 0) {	/* tracepoint__<cat>__<event> */
			sep = strstr(rest, "__");
			if (!sep || sep == rest || !sep[2])
				break;
			snprintf(sec, size, "tracepoint/%.*s/%s", (int)(sep - rest), rest, sep + 2);
			return;
		}
		/* bcc's KFUNC_PROBE names are kfunc__vmlinux__<fn>: the same target */
		if (k >= 4 && k <= 6 && !strncmp(rest, "vmlinux__", 9) && rest[9])
			rest += 9;
		snprintf(sec, size, "%s%s", auto_names[k].section, rest);
		return;
	}
	snprintf(sec, size, "bpfy/%s", name);
}

/* Last identifier in [from, to), or to. */
static size_t last_ident(const struct rewriter *rw, size_t from, size_t to)
{
	size_t found = to;

	for (size_t i = from; i < to; i++)
		if (rw_tok_kind(rw, i, BPFY_TOK_IDENT))
			found = i;
	return found;
}

/*
 * bcc's kprobe parameters: `int fn(struct pt_regs *ctx, struct sock *sk, int x)`
 * keeps only ctx; the others become locals read from the calling convention
 * (from the syscall's inner pt_regs for syscall__* and kprobe____<arch>_sys_*),
 * declared after the '{' on the same line.
 */
static int kprobe_params(struct rewriter *rw, size_t name_tok, size_t brace, const char *name)
{
	size_t lparen = name_tok + 1, rparen, args[8], nargs, k, ctx_tok, pname, end;
	bool syscall = !strncmp(name, "syscall__", 9) || !strncmp(name, "kprobe____x64_sys_", 18) ||
		       !strncmp(name, "kprobe____arm64_sys_", 20);
	struct bpfy_cbuf decl = { 0 }, blank = { 0 };
	char ctx[128];
	int err;

	if (!rw_tok_is(rw, lparen, "("))
		return 0;
	rparen = rw_match_paren(rw, lparen);
	if (rparen >= brace)
		return 0;
	nargs = split_args(rw, lparen, rparen, args, ARRAY_LEN(args));
	if (nargs < 2 || !rw_tok_is(rw, args[0], "struct") || !rw_tok_is(rw, args[0] + 1, "pt_regs"))
		return 0;
	if (nargs > 7)
		return rw_error_at(rw, args[7], "a kprobe function takes at most 6 arguments after ctx");
	ctx_tok = last_ident(rw, args[0], args[1] - 1);
	if (ctx_tok >= args[1])
		return rw_error_at(rw, args[0], "the pt_regs parameter needs a name");
	rw_tok_text(rw, ctx_tok, ctx, sizeof(ctx));
	bpfy_cbuf__puts(&decl, " ");
	if (syscall)
		bpfy_cbuf__printf(&decl, "struct pt_regs *__bpfy_regs = (struct pt_regs *)PT_REGS_PARM1(%s);",
				  ctx);
	for (k = 1; k < nargs; k++) {
		end = k + 1 < nargs ? args[k + 1] - 1 : rparen;
		pname = last_ident(rw, args[k], end);
		if (pname >= end || pname == args[k]) {
			err = rw_error_at(rw, args[k], "parameter %zu of %s needs a type and a name", k,
					  name);
			goto out;
		}
		bpfy_cbuf__printf(&decl, " %.*s %.*s = (%.*s)BPFY__PARM%zu%s(%s);",
				  (int)(rw->toks[pname].off - rw->toks[args[k]].off),
				  rw->src + rw->toks[args[k]].off, (int)rw->toks[pname].len,
				  rw->src + rw->toks[pname].off,
				  (int)(rw->toks[pname].off - rw->toks[args[k]].off),
				  rw->src + rw->toks[args[k]].off, k, syscall ? "_SYSCALL" : "",
				  syscall ? "__bpfy_regs" : ctx);
	}
	/* drop ", T1 a, T2 b" from the signature, keeping its newlines */
	for (uint32_t off = rw->toks[args[1] - 1].off; off < rw->toks[rparen].off; off++)
		if (rw->src[off] == '\n')
			bpfy_cbuf__puts(&blank, "\n");
	err = decl.oom || blank.oom ? -ENOMEM : 0;
	if (!err)
		err = rw_edit(rw, rw->toks[args[1] - 1].off,
			      rw->toks[rparen].off - rw->toks[args[1] - 1].off, blank.data ? blank.data : "");
	if (!err)
		err = rw_edit(rw, rw->toks[brace].off + 1, 0, decl.data);
out:
	bpfy_cbuf__release(&decl);
	bpfy_cbuf__release(&blank);
	return err;
}

static int scan_function(struct rewriter *rw, size_t start, size_t brace)
{
	size_t name_tok = function_name(rw, start, brace), i;
	char name[256], sec[300], attr[400];

	if (name_tok >= brace)
		return 0;
	if (rw_tok_is(rw, name_tok, "TRACEPOINT_PROBE")) {
		size_t cat = name_tok + 2, ev = name_tok + 4;

		if (ev >= brace || !rw_tok_kind(rw, cat, BPFY_TOK_IDENT) ||
		    !rw_tok_is(rw, cat + 1, ",") || !rw_tok_kind(rw, ev, BPFY_TOK_IDENT))
			return rw_error_at(rw, name_tok,
					   "TRACEPOINT_PROBE takes (category, event) identifiers");
		return rw_add_tp(rw, rw->src + rw->toks[cat].off, rw->toks[cat].len,
				 rw->src + rw->toks[ev].off, rw->toks[ev].len);
	}
	if (tok_in(rw, name_tok, probe_macros, ARRAY_LEN(probe_macros)))
		return 0;
	for (i = start; i < brace; i++)
		if (!rw->toks[i].pp && tok_in(rw, i, keep_words, ARRAY_LEN(keep_words)))
			return 0;
	rw_tok_text(rw, name_tok, name, sizeof(name));
	section_for(name, sec, sizeof(sec));
	snprintf(attr, sizeof(attr), "__attribute__((section(\"%s\"), used)) ", sec);
	if (rw_edit(rw, rw->toks[start].off, 0, attr))
		return -ENOMEM;
	return kprobe_params(rw, name_tok, brace, name);
}

/* Any identifier tracepoint__<cat>__<event> asks for that tracepoint's struct. */
static int scan_tracepoint_names(struct rewriter *rw)
{
	static const char prefix[] = "tracepoint__";
	const size_t plen = sizeof(prefix) - 1;
	size_t i;
	int err;

	for (i = 0; i < rw->ntok; i++) {
		const struct bpfy_tok *t = &rw->toks[i];
		const char *s = rw->src + t->off, *sep;
		size_t n = t->len;

		if (t->kind != BPFY_TOK_IDENT || n <= plen || memcmp(s, prefix, plen) != 0)
			continue;
		sep = memmem(s + plen, n - plen, "__", 2);
		if (!sep || sep == s + plen || sep + 2 >= s + n)
			continue;
		err = rw_add_tp(rw, s + plen, (size_t)(sep - s - plen), sep + 2,
				(size_t)(s + n - sep - 2));
		if (err)
			return err;
	}
	return 0;
}

static void scan_license_macro(struct rewriter *rw)
{
	size_t i;

	for (i = 0; i + 2 < rw->ntok; i++)
		if (rw->toks[i].pp && rw_tok_is(rw, i, "#") && rw_tok_is(rw, i + 1, "define") &&
		    rw_tok_is(rw, i + 2, "BPF_LICENSE"))
			rw->license_macro = true;
}

int rw_scan_top_level(struct rewriter *rw)
{
	size_t i, start = SIZE_MAX;
	int paren = 0, brace = 0, err;
	bool in_function = false;

	for (i = 0; i < rw->ntok; i++) {
		if (rw->toks[i].pp)
			continue;
		if (brace > 0) {
			if (rw_tok_is(rw, i, "{")) {
				brace++;
			} else if (rw_tok_is(rw, i, "}") && --brace == 0 && in_function) {
				in_function = false;
				start = SIZE_MAX;
			}
			continue;
		}
		if (start == SIZE_MAX)
			start = i;
		if (rw_tok_is(rw, i, "(")) {
			paren++;
		} else if (rw_tok_is(rw, i, ")")) {
			if (paren > 0)
				paren--;
		} else if (paren > 0) {
			continue;
		} else if (rw_tok_is(rw, i, ";")) {
			err = scan_declaration(rw, start, i);
			if (err)
				return err;
			start = SIZE_MAX;
		} else if (rw_tok_is(rw, i, "{")) {
			if (is_function_definition(rw, start, i)) {
				err = scan_function(rw, start, i);
				if (err)
					return err;
				in_function = true;
			}
			brace = 1;
		}
	}
	if (start != SIZE_MAX && brace == 0) {	/* a last declaration without ';' */
		err = scan_declaration(rw, start, rw->ntok);
		if (err)
			return err;
	}
	scan_license_macro(rw);
	return scan_tracepoint_names(rw);
}
