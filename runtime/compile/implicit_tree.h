/* The AST of one function as a flat array (implicit_tree.c), shared by the
 * implicit-read pass's files. Internal to runtime/compile. */
#ifndef BPFY_COMPILE_IMPLICIT_TREE_H
#define BPFY_COMPILE_IMPLICIT_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "libclang.h"

struct ir_node {
	CXCursor cursor;
	enum CXCursorKind kind;
	int parent;		/* index, -1 for the function itself */
	int ord;		/* position among the parent's children */
	uint32_t start, end;	/* spelled byte range in the main file ... */
	bool in_file;		/* ... valid only when true */
};

struct ir_insert {
	uint32_t off;
	uint32_t other;		/* the other end of the wrapped range */
	bool prefix;		/* "BPFY_KREAD(" at the start, else ")" at the end */
};

struct ir_tree {
	const struct bpfy_libclang *lc;
	CXFile main_file;
	const char *src;
	size_t len;
	struct ir_node *nodes;
	size_t count, cap;
	struct ir_insert *ins;
	size_t nins, icap;
	bool oom;
};

/* Appends the subtree of `root` (root itself at index 0). */
int ir_tree__build(struct ir_tree *tree, CXCursor root);
/* Index of the n-th child of node i, or -1. */
int ir_tree__child(const struct ir_tree *tree, int i, int n);
int ir_tree__child_count(const struct ir_tree *tree, int i);
/* Spelled range of a cursor in the main file; false when it is not one. */
bool ir_tree__range(const struct ir_tree *tree, CXCursor cursor, uint32_t *start, uint32_t *end);
/* Records a wrap of [start, end). */
void ir_tree__wrap(struct ir_tree *tree, uint32_t start, uint32_t end);
/* The source with every recorded wrap applied (heap), or NULL (OOM). */
char *ir_tree__apply(struct ir_tree *tree, size_t *out_len);

#endif /* BPFY_COMPILE_IMPLICIT_TREE_H */
