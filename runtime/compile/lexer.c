/* A small C tokenizer: enough to find declarations and calls, not to parse C. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

struct lexer {
	const char *src;
	size_t len;
	size_t pos;
	uint32_t line;
	uint32_t col;
	bool line_start;	/* only whitespace seen on this line so far */
	bool in_pp;		/* inside a directive line */
	struct bpfy_tok *toks;
	size_t count;
	size_t cap;
};

static char peek(const struct lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? lx->src[lx->pos + ahead] : '\0';
}

static void advance(struct lexer *lx)
{
	if (lx->src[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
		lx->line_start = true;
		lx->in_pp = false;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int push_tok(struct lexer *lx, enum bpfy_tok_kind kind, size_t start, uint32_t line,
		    uint32_t col)
{
	if (lx->count == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 256;
		struct bpfy_tok *toks = realloc(lx->toks, cap * sizeof(*toks));

		if (!toks)
			return -ENOMEM;
		lx->toks = toks;
		lx->cap = cap;
	}
	lx->toks[lx->count++] = (struct bpfy_tok){
		.kind = kind, .off = (uint32_t)start, .len = (uint32_t)(lx->pos - start),
		.line = line, .col = col, .pp = lx->in_pp,
	};
	return 0;
}

/* Skips a quoted literal; false when it is not closed on its line. */
static bool skip_quoted(struct lexer *lx, char quote)
{
	advance(lx);
	while (lx->pos < lx->len) {
		char c = lx->src[lx->pos];

		if (c == '\\' && lx->pos + 1 < lx->len) {
			advance(lx);
			advance(lx);
			continue;
		}
		if (c == '\n')
			return false;
		advance(lx);
		if (c == quote)
			return true;
	}
	return false;
}

static void skip_number(struct lexer *lx)
{
	while (lx->pos < lx->len) {
		char c = lx->src[lx->pos];

		if ((c == '+' || c == '-') && lx->pos > 0 &&
		    strchr("eEpP", lx->src[lx->pos - 1])) {
			advance(lx);
			continue;
		}
		if (!is_ident_char(c) && c != '.')
			break;
		advance(lx);
	}
}

int bpfy_lex__tokenize(const char *src, size_t len, const char *source_name,
		       struct bpfy_tok **toks, size_t *count, struct bpfy_error *error)
{
	struct lexer lx = { .src = src, .len = len, .line = 1, .col = 1, .line_start = true };
	const char *what = NULL;
	uint32_t line = 0, col = 0;
	int err = 0;

	while (lx.pos < lx.len) {
		char c = lx.src[lx.pos];
		size_t start = lx.pos;

		line = lx.line;
		col = lx.col;
		if (c == '\\' && peek(&lx, 1) == '\n') {	/* line continuation */
			bool pp = lx.in_pp;

			advance(&lx);
			advance(&lx);
			lx.in_pp = pp;
			lx.line_start = false;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			advance(&lx);
			continue;
		}
		if (c == '/' && peek(&lx, 1) == '/') {
			while (lx.pos < lx.len && lx.src[lx.pos] != '\n') {
				if (lx.src[lx.pos] == '\\' && peek(&lx, 1) == '\n') {
					bool pp = lx.in_pp;

					advance(&lx);
					lx.in_pp = pp;
				}
				advance(&lx);
			}
			continue;
		}
		if (c == '/' && peek(&lx, 1) == '*') {
			bool pp = lx.in_pp, closed = false;

			advance(&lx);
			advance(&lx);
			while (lx.pos < lx.len) {
				if (lx.src[lx.pos] == '*' && peek(&lx, 1) == '/') {
					advance(&lx);
					advance(&lx);
					closed = true;
					break;
				}
				advance(&lx);
			}
			lx.in_pp = pp && lx.line == line;
			if (!closed) {
				what = "unterminated /* comment";
				goto err_syntax;	/* sets err, then err_out */
			}
			continue;
		}
		if (c == '#' && lx.line_start)
			lx.in_pp = true;
		lx.line_start = false;
		if (c == '"' || c == '\'') {
			if (!skip_quoted(&lx, c)) {
				/* '<' ... '>' after #include is not a literal; be lenient in
				 * directives (e.g. #error don't) */
				if (lx.in_pp)
					continue;
				what = c == '"' ? "missing terminating \" character" :
						  "missing terminating ' character";
				goto err_syntax;
			}
			err = push_tok(&lx, c == '"' ? BPFY_TOK_STRING : BPFY_TOK_CHAR, start, line,
				       col);
		} else if (is_ident_start(c)) {
			while (lx.pos < lx.len && is_ident_char(lx.src[lx.pos]))
				advance(&lx);
			err = push_tok(&lx, BPFY_TOK_IDENT, start, line, col);
		} else if ((c >= '0' && c <= '9') ||
			   (c == '.' && peek(&lx, 1) >= '0' && peek(&lx, 1) <= '9')) {
			skip_number(&lx);
			err = push_tok(&lx, BPFY_TOK_NUMBER, start, line, col);
		} else {
			if ((c == '-' && peek(&lx, 1) == '>') || (c == '#' && peek(&lx, 1) == '#'))
				advance(&lx);
			else if (c == '.' && peek(&lx, 1) == '.' && peek(&lx, 2) == '.') {
				advance(&lx);
				advance(&lx);
			}
			advance(&lx);
			err = push_tok(&lx, BPFY_TOK_PUNCT, start, line, col);
		}
		if (err)
			goto err_out;
	}
	*toks = lx.toks;
	*count = lx.count;
	return 0;

err_syntax:
	err = bpfy_error__set(error, BPFY_ERR_COMPILE, EINVAL, "%s:%u:%u: error: %s",
			      source_name, line, col, what);
err_out:
	if (err == -ENOMEM)
		bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory while tokenizing %s",
				source_name);
	free(lx.toks);
	return err;
}
