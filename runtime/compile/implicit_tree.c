/* A function's AST as a flat array, and the wraps the implicit-read pass makes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "implicit_tree.h"
#include "internal.h"

#define KREAD_OPEN "BPFY_KREAD("

struct build_ctx {
	struct ir_tree *tree;
	int parent;
	int ord;
};

/* Parentheses and brackets balance, outside of string and char literals. */
static bool balanced(const char *text, size_t len)
{
	int paren = 0, bracket = 0;
	char quote = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (quote) {
			if (c == '\\')
				i++;
			else if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '#')
			return false;
		paren += (c == '(') - (c == ')');
		bracket += (c == '[') - (c == ']');
		if (paren < 0 || bracket < 0)
			return false;
	}
	return !paren && !bracket && !quote;
}

static bool spelled_in_main(const struct ir_tree *tree, CXSourceLocation loc, uint32_t *off)
{
	CXFile file = NULL;
	unsigned line, col, offset;

	tree->lc->clang_getSpellingLocation(loc, &file, &line, &col, &offset);
	if (!file || !tree->lc->clang_File_isEqual(file, tree->main_file) || offset > tree->len)
		return false;
	*off = offset;
	return true;
}

bool ir_tree__range(const struct ir_tree *tree, CXCursor cursor, uint32_t *start, uint32_t *end)
{
	CXSourceRange range = tree->lc->clang_getCursorExtent(cursor);

	if (!spelled_in_main(tree, tree->lc->clang_getRangeStart(range), start) ||
	    !spelled_in_main(tree, tree->lc->clang_getRangeEnd(range), end))
		return false;
	/*
	 * libclang maps a token of a macro body to the macro's invocation: a range
	 * with one end in a body and the other in an argument is not the node's
	 * text. Such ranges are unbalanced or empty; whole invocations are fine.
	 */
	return *start < *end && balanced(tree->src + *start, *end - *start);
}

static int add_node(struct ir_tree *tree, CXCursor cursor, int parent, int ord)
{
	struct ir_node *node;

	if (tree->count == tree->cap) {
		size_t cap = tree->cap ? tree->cap * 2 : 256;

		node = realloc(tree->nodes, cap * sizeof(*node));
		if (!node) {
			tree->oom = true;
			return -1;
		}
		tree->nodes = node;
		tree->cap = cap;
	}
	node = &tree->nodes[tree->count];
	node->cursor = cursor;
	node->kind = tree->lc->clang_getCursorKind(cursor);
	node->parent = parent;
	node->ord = ord;
	node->in_file = ir_tree__range(tree, cursor, &node->start, &node->end);
	return (int)tree->count++;
}

static enum CXChildVisitResult visit(CXCursor cursor, CXCursor parent, CXClientData data)
{
	struct build_ctx *ctx = data;
	struct build_ctx child = { .tree = ctx->tree };
	int index = add_node(ctx->tree, cursor, ctx->parent, ctx->ord++);

	if (index < 0)
		return CXChildVisit_Break;
	child.parent = index;
	ctx->tree->lc->clang_visitChildren(cursor, visit, &child);
	return ctx->tree->oom ? CXChildVisit_Break : CXChildVisit_Continue;
}

int ir_tree__build(struct ir_tree *tree, CXCursor root)
{
	struct build_ctx ctx = { .tree = tree, .parent = 0 };

	tree->count = 0;
	if (add_node(tree, root, -1, 0) < 0)
		return -ENOMEM;
	tree->lc->clang_visitChildren(root, visit, &ctx);
	return tree->oom ? -ENOMEM : 0;
}

int ir_tree__child(const struct ir_tree *tree, int i, int n)
{
	for (size_t k = (size_t)i + 1; k < tree->count; k++)
		if (tree->nodes[k].parent == i && tree->nodes[k].ord == n)
			return (int)k;
	return -1;
}

int ir_tree__child_count(const struct ir_tree *tree, int i)
{
	int n = 0;

	for (size_t k = (size_t)i + 1; k < tree->count; k++)
		n += tree->nodes[k].parent == i;
	return n;
}

static void add_insert(struct ir_tree *tree, uint32_t off, uint32_t other, bool prefix)
{
	struct ir_insert *ins;

	for (size_t k = 0; k < tree->nins; k++)	/* a macro that expands its argument twice */
		if (tree->ins[k].off == off && tree->ins[k].other == other &&
		    tree->ins[k].prefix == prefix)
			return;
	if (tree->nins == tree->icap) {
		size_t cap = tree->icap ? tree->icap * 2 : 32;

		ins = realloc(tree->ins, cap * sizeof(*ins));
		if (!ins) {
			tree->oom = true;
			return;
		}
		tree->ins = ins;
		tree->icap = cap;
	}
	tree->ins[tree->nins++] = (struct ir_insert){ .off = off, .other = other, .prefix = prefix };
}

void ir_tree__wrap(struct ir_tree *tree, uint32_t start, uint32_t end)
{
	add_insert(tree, start, end, true);
	add_insert(tree, end, start, false);
}

/* At one offset: closing parens first (inner ranges first), then openings
 * (outer ranges first), so nested wraps stay nested. */
static int cmp_insert(const void *a, const void *b)
{
	const struct ir_insert *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix ? 1 : -1;
	if (x->other != y->other)
		return x->other > y->other ? -1 : 1;
	return 0;
}

char *ir_tree__apply(struct ir_tree *tree, size_t *out_len)
{
	struct bpfy_cbuf buf = { 0 };
	uint32_t pos = 0;

	qsort(tree->ins, tree->nins, sizeof(*tree->ins), cmp_insert);
	for (size_t k = 0; k < tree->nins; k++) {
		const struct ir_insert *in = &tree->ins[k];

		bpfy_cbuf__append(&buf, tree->src + pos, in->off - pos);
		bpfy_cbuf__puts(&buf, in->prefix ? KREAD_OPEN : ")");
		pos = in->off;
	}
	bpfy_cbuf__append(&buf, tree->src + pos, tree->len - pos);
	*out_len = buf.len;
	if (buf.oom) {
		bpfy_cbuf__release(&buf);
		return NULL;
	}
	return bpfy_cbuf__steal(&buf);
}
