/*
 * Which member accesses read kernel memory (bcc's ProbeVisitor, redone):
 * a pointer is a kernel pointer when it comes from bpf_get_current_task(),
 * from a value read out of a tracing context (ctx->args[i], PT_REGS_PARMn),
 * from a pointer parameter of a kernel struct type, or from a read through
 * another kernel pointer, directly or through local variables. A member
 * access through such a pointer that is loaded (not address-taken, not
 * assigned, not an array, not a bitfield) is wrapped in BPFY_KREAD(...).
 * Map values, stack variables, the context itself and user-declared structs
 * are left alone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "implicit_reads.h"
#include "implicit_tree.h"
#include "internal.h"

#define MAX_TAINTED 256

struct ir_func {
	struct ir_tree *tree;
	const struct bpfy_libclang *lc;
	CXCursor ctx;			/* first parameter */
	bool has_ctx;
	bool tracing_ctx;		/* ctx is pt_regs / raw tracepoint args / tracepoint struct */
	CXCursor tainted[MAX_TAINTED];	/* declarations holding kernel pointers */
	size_t ntainted;
};

/* Context and UAPI structs the verifier lets programs access directly. */
static const char *const direct_structs[] = {
	"__sk_buff", "xdp_md", "sk_msg_md", "sk_reuseport_md", "bpf_sock", "bpf_sock_ops",
	"bpf_sock_addr", "bpf_sockopt", "bpf_sysctl", "bpf_sk_lookup", "bpf_perf_event_data",
	"bpf_raw_tracepoint_args", "bpf_cgroup_dev_ctx", "bpf_flow_keys", "bpf_xdp_sock",
	"bpf_tcp_sock", "bpf_spin_lock", "bpf_timer", "bpf_dynptr",
	"bpf_iter_meta", "bpf_map",
};
static const char *const direct_prefixes[] = { "tracepoint__", "trace_event_raw_", "bpf_iter__" };
static const char *const tracing_ctx_structs[] = {
	"pt_regs", "user_pt_regs", "bpf_raw_tracepoint_args",
};

static bool type_name_is(const struct bpfy_libclang *lc, CXType type, const char *const *names,
			 size_t n, bool prefix)
{
	CXString s = lc->clang_getTypeSpelling(type);
	const char *name = lc->clang_getCString(s);
	bool hit = false;

	if (!strncmp(name, "const ", 6))
		name += 6;
	if (!strncmp(name, "struct ", 7))
		name += 7;
	else if (!strncmp(name, "union ", 6))
		name += 6;
	for (size_t i = 0; i < n && !hit; i++)
		hit = prefix ? !strncmp(name, names[i], strlen(names[i])) : !strcmp(name, names[i]);
	lc->clang_disposeString(s);
	return hit;
}

#define NAMES(a) (a), sizeof(a) / sizeof((a)[0])

static CXType canonical(const struct ir_func *f, CXCursor c)
{
	return f->lc->clang_getCanonicalType(f->lc->clang_getCursorType(c));
}

/* A pointer to a struct/union of the kernel (not the program's own, not a context). */
static bool is_kernel_record_ptr(const struct ir_func *f, CXType type)
{
	const struct bpfy_libclang *lc = f->lc;
	CXType pointee;
	CXCursor decl;

	type = lc->clang_getCanonicalType(type);
	if (type.kind != CXType_Pointer)
		return false;
	pointee = lc->clang_getCanonicalType(lc->clang_getPointeeType(type));
	if (pointee.kind != CXType_Record)
		return false;
	decl = lc->clang_getTypeDeclaration(pointee);
	if (lc->clang_Location_isFromMainFile(lc->clang_getCursorLocation(decl)))
		return false;
	return !type_name_is(lc, pointee, NAMES(direct_structs), false) &&
	       !type_name_is(lc, pointee, NAMES(direct_prefixes), true);
}

static bool is_tainted(const struct ir_func *f, CXCursor decl)
{
	for (size_t i = 0; i < f->ntainted; i++)
		if (f->lc->clang_equalCursors(f->tainted[i], decl))
			return true;
	return false;
}

static bool taint(struct ir_func *f, CXCursor decl)
{
	if (is_tainted(f, decl) || f->ntainted == MAX_TAINTED)
		return false;
	f->tainted[f->ntainted++] = decl;
	return true;
}

static bool is_expr(enum CXCursorKind kind)
{
	return kind >= CXCursor_FirstExpr && kind <= CXCursor_LastExpr;
}

static int last_expr_child(const struct ir_tree *t, int i)
{
	int n = ir_tree__child_count(t, i), c;

	for (int k = n - 1; k >= 0; k--) {
		c = ir_tree__child(t, i, k);
		if (c >= 0 && is_expr(t->nodes[c].kind))
			return c;
	}
	return -1;
}

/* Skips parentheses, implicit conversions (UnexposedExpr) and casts. */
static int strip(const struct ir_tree *t, int i)
{
	while (i >= 0) {
		enum CXCursorKind kind = t->nodes[i].kind;

		if (kind == CXCursor_ParenExpr ||
		    (kind == CXCursor_UnexposedExpr && ir_tree__child_count(t, i) == 1))
			i = ir_tree__child(t, i, 0);
		else if (kind == CXCursor_CStyleCastExpr)
			i = last_expr_child(t, i);
		else
			break;
	}
	return i;
}

static bool refers_to_ctx(const struct ir_func *f, int i)
{
	const struct ir_tree *t = f->tree;

	i = strip(t, i);
	return i >= 0 && f->has_ctx && t->nodes[i].kind == CXCursor_DeclRefExpr &&
	       f->lc->clang_equalCursors(f->lc->clang_getCursorReferenced(t->nodes[i].cursor), f->ctx);
}

static bool is_kptr(struct ir_func *f, int i);

/* The member access at i is an lvalue in kernel memory. */
static bool is_kernel_lvalue(struct ir_func *f, int i)
{
	const struct ir_tree *t = f->tree;
	int base;
	CXType btype;

	if (i < 0 || t->nodes[i].kind != CXCursor_MemberRefExpr)
		return false;
	base = ir_tree__child(t, i, 0);
	if (base < 0 || !is_expr(t->nodes[base].kind))
		return false;
	btype = canonical(f, t->nodes[base].cursor);
	if (btype.kind == CXType_Pointer)
		return is_kernel_record_ptr(f, btype) && is_kptr(f, base);
	while (base >= 0 && t->nodes[base].kind == CXCursor_ParenExpr)
		base = ir_tree__child(t, base, 0);
	return is_kernel_lvalue(f, base);
}

static bool callee_is(const struct ir_func *f, int call, const char *name)
{
	const struct ir_tree *t = f->tree;
	int callee = strip(t, ir_tree__child(t, call, 0));
	CXString s;
	bool hit;

	if (callee < 0 || t->nodes[callee].kind != CXCursor_DeclRefExpr)
		return false;
	s = f->lc->clang_getCursorSpelling(t->nodes[callee].cursor);
	hit = !strcmp(f->lc->clang_getCString(s), name);
	f->lc->clang_disposeString(s);
	return hit;
}

/* The expression at i evaluates to a kernel pointer (or an address as an integer). */
static bool is_kptr(struct ir_func *f, int i)
{
	const struct ir_tree *t = f->tree;
	int base;

	i = strip(t, i);
	if (i < 0)
		return false;
	switch (t->nodes[i].kind) {
	case CXCursor_CallExpr:
		return callee_is(f, i, "bpf_get_current_task");
	case CXCursor_DeclRefExpr:
		return is_tainted(f, f->lc->clang_getCursorReferenced(t->nodes[i].cursor));
	case CXCursor_MemberRefExpr:
		if (f->tracing_ctx && refers_to_ctx(f, ir_tree__child(t, i, 0)))
			return true;	/* ctx->di (PT_REGS_PARMn) */
		return is_kernel_lvalue(f, i);
	case CXCursor_ArraySubscriptExpr:	/* ctx->args[n] */
		base = strip(t, ir_tree__child(t, i, 0));
		return f->tracing_ctx && base >= 0 && t->nodes[base].kind == CXCursor_MemberRefExpr &&
		       refers_to_ctx(f, ir_tree__child(t, base, 0));
	default:
		return false;
	}
}

/* Variables that can hold a kernel pointer: pointers and 64-bit integers. */
static bool can_hold_pointer(CXType type)
{
	switch (type.kind) {
	case CXType_Pointer:
	case CXType_Long:
	case CXType_ULong:
	case CXType_LongLong:
	case CXType_ULongLong:
		return true;
	default:
		return false;
	}
}

/* Text of the source between two offsets, spaces trimmed, into buf. */
static void text_between(const struct ir_tree *t, uint32_t from, uint32_t to, char *buf,
			 size_t size)
{
	size_t n = 0;

	for (uint32_t k = from; k < to && k < t->len && n + 1 < size; k++)
		if (t->src[k] != ' ' && t->src[k] != '\t' && t->src[k] != '\n')
			buf[n++] = t->src[k];
	buf[n] = '\0';
}

/* Operator of a binary expression spelled in the file ("" if unknown). */
static void binary_op(const struct ir_tree *t, int i, char *op, size_t size)
{
	int lhs = ir_tree__child(t, i, 0), rhs = ir_tree__child(t, i, 1);

	op[0] = '\0';
	if (lhs >= 0 && rhs >= 0 && t->nodes[lhs].in_file && t->nodes[rhs].in_file &&
	    t->nodes[lhs].end <= t->nodes[rhs].start)
		text_between(t, t->nodes[lhs].end, t->nodes[rhs].start, op, size);
}

/* bpf_probe_read_kernel(&var, ...): var (a pointer) now holds kernel data. */
static bool probe_read_target(struct ir_func *f, int call, int *var)
{
	const struct ir_tree *t = f->tree;
	int arg, ref;

	if (!callee_is(f, call, "bpf_probe_read_kernel") || f->lc->clang_Cursor_getNumArguments(
		    t->nodes[call].cursor) < 1)
		return false;
	arg = strip(t, ir_tree__child(t, call, 1));
	if (arg < 0 || t->nodes[arg].kind != CXCursor_UnaryOperator)
		return false;
	ref = strip(t, ir_tree__child(t, arg, 0));
	if (ref < 0 || t->nodes[ref].kind != CXCursor_DeclRefExpr ||
	    canonical(f, t->nodes[ref].cursor).kind != CXType_Pointer ||
	    canonical(f, t->nodes[arg].cursor).kind != CXType_Pointer)
		return false;
	*var = ref;
	return !is_tainted(f, f->lc->clang_getCursorReferenced(t->nodes[ref].cursor));
}

static bool propagate(struct ir_func *f)
{
	struct ir_tree *t = f->tree;
	bool changed = false;
	char op[8];

	for (size_t i = 1; i < t->count; i++) {
		struct ir_node *n = &t->nodes[i];
		int init, lhs;

		if (n->kind == CXCursor_VarDecl) {
			init = last_expr_child(t, (int)i);
			if (init >= 0 && can_hold_pointer(canonical(f, n->cursor)) &&
			    !is_tainted(f, n->cursor) && is_kptr(f, init))
				changed |= taint(f, n->cursor);
		} else if (n->kind == CXCursor_CallExpr && probe_read_target(f, (int)i, &lhs)) {
			changed |= taint(f, f->lc->clang_getCursorReferenced(t->nodes[lhs].cursor));
		} else if (n->kind == CXCursor_BinaryOperator) {
			binary_op(t, (int)i, op, sizeof(op));
			lhs = strip(t, ir_tree__child(t, (int)i, 0));
			if (strcmp(op, "=") || lhs < 0 || t->nodes[lhs].kind != CXCursor_DeclRefExpr)
				continue;
			if (is_kptr(f, ir_tree__child(t, (int)i, 1)))
				changed |= taint(f, f->lc->clang_getCursorReferenced(t->nodes[lhs].cursor));
		}
	}
	return changed;
}

static bool is_array_or_bitfield(const struct ir_func *f, CXCursor member)
{
	CXType type = f->lc->clang_getCanonicalType(f->lc->clang_getCursorType(member));

	if (type.kind == CXType_ConstantArray || type.kind == CXType_IncompleteArray ||
	    type.kind == CXType_VariableArray || type.kind == CXType_DependentSizedArray)
		return true;
	return f->lc->clang_Cursor_isBitField(f->lc->clang_getCursorReferenced(member));
}

/* Whether the context of the kernel lvalue at i reads it. */
static bool is_loaded(struct ir_func *f, int i)
{
	const struct ir_tree *t = f->tree;
	int child = i, p = t->nodes[i].parent;
	char op[8];

	while (p > 0 && (t->nodes[p].kind == CXCursor_ParenExpr ||
			 (t->nodes[p].kind == CXCursor_UnexposedExpr &&
			  ir_tree__child_count(t, p) == 1))) {
		child = p;
		p = t->nodes[p].parent;
	}
	if (p <= 0)
		return true;
	switch (t->nodes[p].kind) {
	case CXCursor_MemberRefExpr:	/* base of a '.': the outer access reads */
		return canonical(f, t->nodes[child].cursor).kind == CXType_Pointer;
	case CXCursor_UnaryOperator:
		if (t->nodes[p].in_file) {
			text_between(t, t->nodes[p].start, t->nodes[p].end, op, 3);
			if (op[0] == '&' || !strncmp(op, "++", 2) || !strncmp(op, "--", 2))
				return false;
			if (t->nodes[child].in_file && t->nodes[child].end + 2 <= t->nodes[p].end &&
			    (!strncmp(t->src + t->nodes[child].end, "++", 2) ||
			     !strncmp(t->src + t->nodes[child].end, "--", 2)))
				return false;
			return true;
		}
		/* in a macro: &x has type pointer-to-x */
		return !f->lc->clang_equalTypes(
			f->lc->clang_getCanonicalType(f->lc->clang_getPointeeType(
				canonical(f, t->nodes[p].cursor))),
			canonical(f, t->nodes[child].cursor));
	case CXCursor_UnaryExpr:	/* sizeof, alignof */
		return false;
	case CXCursor_CompoundAssignOperator:
		return t->nodes[child].ord != 0;
	case CXCursor_BinaryOperator:
		binary_op(t, p, op, sizeof(op));
		return t->nodes[child].ord != 0 || strcmp(op, "=") != 0;
	default:
		return true;
	}
}

static void taint_params(struct ir_func *f)
{
	const struct ir_tree *t = f->tree;
	const struct bpfy_libclang *lc = f->lc;
	bool is_static = lc->clang_Cursor_getStorageClass(t->nodes[0].cursor) == CX_SC_Static;
	int nparams = lc->clang_Cursor_getNumArguments(t->nodes[0].cursor);

	for (int k = 0; k < nparams; k++) {
		CXCursor param = lc->clang_Cursor_getArgument(t->nodes[0].cursor, (unsigned)k);
		CXType type = lc->clang_getCursorType(param);

		if (k == 0) {
			f->ctx = param;
			if (type_name_is(lc, lc->clang_getCanonicalType(lc->clang_getPointeeType(
						     lc->clang_getCanonicalType(type))),
					 NAMES(tracing_ctx_structs), false))
				is_static = false;	/* a context handed down: not a kernel pointer */
			f->has_ctx = true;
			f->tracing_ctx = type_name_is(
				lc, lc->clang_getCanonicalType(lc->clang_getPointeeType(
					    lc->clang_getCanonicalType(type))),
				NAMES(tracing_ctx_structs), false) ||
				type_name_is(lc, lc->clang_getCanonicalType(lc->clang_getPointeeType(
							 lc->clang_getCanonicalType(type))),
					     NAMES(direct_prefixes), true);
			if (!is_static)
				continue;	/* a program's context */
		}
		if (is_kernel_record_ptr(f, type))
			taint(f, param);
	}
}

/* The node's text is `<base> -> <member>` or `<base> . <member>`. */
static bool spelled_as_member(const struct ir_func *f, int i)
{
	const struct ir_tree *t = f->tree;
	const struct ir_node *n = &t->nodes[i];
	CXString s = f->lc->clang_getCursorSpelling(n->cursor);
	const char *member = f->lc->clang_getCString(s);
	size_t len = strlen(member);
	uint32_t k = n->end;
	bool ok = len && n->end - n->start > len &&
		  !memcmp(t->src + n->end - len, member, len);

	f->lc->clang_disposeString(s);
	if (!ok)
		return false;
	k -= (uint32_t)len;
	while (k > n->start && isspace((unsigned char)t->src[k - 1]))
		k--;
	return (k > n->start && t->src[k - 1] == '.') ||
	       (k > n->start + 1 && t->src[k - 1] == '>' && t->src[k - 2] == '-');
}

static void analyze_function(struct ir_tree *tree, CXCursor fn)
{
	struct ir_func f = { .tree = tree, .lc = tree->lc };
	struct ir_node *n;

	if (ir_tree__build(tree, fn))
		return;
	taint_params(&f);
	for (int round = 0; round < 6 && propagate(&f); round++)
		;
	for (size_t i = 1; i < tree->count; i++) {
		n = &tree->nodes[i];
		if (n->kind != CXCursor_MemberRefExpr || !n->in_file)
			continue;
		if (spelled_as_member(&f, (int)i) && is_kernel_lvalue(&f, (int)i) &&
		    !is_array_or_bitfield(&f, n->cursor) && is_loaded(&f, (int)i))
			ir_tree__wrap(tree, n->start, n->end);
	}
}

static bool has_body(const struct bpfy_libclang *lc, CXCursor fn);

static enum CXChildVisitResult visit_top(CXCursor cursor, CXCursor parent, CXClientData data)
{
	struct ir_tree *tree = data;
	const struct bpfy_libclang *lc = tree->lc;

	if (lc->clang_getCursorKind(cursor) == CXCursor_FunctionDecl && has_body(lc, cursor))
		analyze_function(tree, cursor);
	return tree->oom ? CXChildVisit_Break : CXChildVisit_Continue;
}

static enum CXChildVisitResult find_body(CXCursor cursor, CXCursor parent, CXClientData data)
{
	bool *found = data;

	*found = *found || cursor.kind == CXCursor_CompoundStmt;
	return CXChildVisit_Continue;
}

static bool has_body(const struct bpfy_libclang *lc, CXCursor fn)
{
	bool found = false;

	lc->clang_visitChildren(fn, find_body, &found);
	return found;
}

static bool has_errors(const struct bpfy_libclang *lc, CXTranslationUnit tu)
{
	unsigned n = lc->clang_getNumDiagnostics(tu);
	bool bad = false;

	for (unsigned i = 0; i < n && !bad; i++) {
		CXDiagnostic d = lc->clang_getDiagnostic(tu, i);

		bad = lc->clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error;
		lc->clang_disposeDiagnostic(d);
	}
	return bad;
}

int bpfy_implicit__rewrite(const struct bpfy_implicit_args *args, char **out, size_t *out_len,
			   struct bpfy_error *error)
{
	const struct bpfy_libclang *lc = bpfy_libclang__get(error);
	struct CXUnsavedFile unsaved;
	struct ir_tree tree = { .lc = lc, .src = args->source, .len = args->source_len };
	CXTranslationUnit tu = NULL;
	CXIndex index = NULL;
	int err = 0;

	*out = NULL;
	*out_len = 0;
	if (!lc)
		return -ENOENT;
	unsaved = (struct CXUnsavedFile){ .Filename = args->path, .Contents = args->source,
					  .Length = args->source_len };
	/* excludeDeclarationsFromPCH: visiting the TU walks only this file's decls */
	index = lc->clang_createIndex(1, 0);
	if (!index || lc->clang_parseTranslationUnit2(index, args->path, args->argv, (int)args->argc,
						     &unsaved, 1, CXTranslationUnit_None, &tu) ||
	    !tu || has_errors(lc, tu))
		goto err_out;	/* clang reports the problem against the untouched text */
	tree.main_file = lc->clang_getFile(tu, args->path);
	lc->clang_visitChildren(lc->clang_getTranslationUnitCursor(tu), visit_top, &tree);
	if (tree.oom) {
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		goto err_out;
	}
	if (tree.nins) {
		*out = ir_tree__apply(&tree, out_len);
		if (!*out)
			err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
	}
err_out:
	if (tu)
		lc->clang_disposeTranslationUnit(tu);
	if (index)
		lc->clang_disposeIndex(index);
	free(tree.nodes);
	free(tree.ins);
	return err;
}

static bool tok_before_is(const char *src, size_t at, const char *word)
{
	size_t n = strlen(word), k = at;

	while (k > 0 && (src[k - 1] == ' ' || src[k - 1] == '\t'))
		k--;
	return k >= n && !memcmp(src + k - n, word, n) &&
	       (k == n || !(src[k - n - 1] == '_' || isalnum((unsigned char)src[k - n - 1])));
}

bool bpfy_implicit__wanted(const char *source, size_t len, const char *const *cflags,
			   size_t cflag_count)
{
	const char *p = source, *end = source + len;

	for (size_t i = 0; i < cflag_count; i++)
		if (strstr(cflags[i], "BPFY_NO_IMPLICIT_READS"))
			return false;	/* -DBPFY_NO_IMPLICIT_READS (or -D BPFY_NO_...) */
	if (memmem(source, len, "BPFY_NO_IMPLICIT_READS", 22))
		return false;	/* #define BPFY_NO_IMPLICIT_READS in the source */
	/* any `x->` other than the tracepoint `args->` and `ctx->` */
	while ((p = memmem(p, (size_t)(end - p), "->", 2)) != NULL) {
		size_t at = (size_t)(p - source);

		if (!tok_before_is(source, at, "args") && !tok_before_is(source, at, "ctx"))
			return true;
		p += 2;
	}
	return false;
}
