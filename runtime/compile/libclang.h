/*
 * libclang, loaded on first use with dlopen: linking it would add ~50 ms to
 * every `import bpfy`, and only a cache miss that needs the AST pays for it.
 */
#ifndef BPFY_COMPILE_LIBCLANG_H
#define BPFY_COMPILE_LIBCLANG_H

#include <clang-c/Index.h>

#include "bpfy.h"

#define BPFY_LIBCLANG_FUNCS(X)							\
	X(clang_createIndex)							\
	X(clang_disposeIndex)							\
	X(clang_parseTranslationUnit2)						\
	X(clang_disposeTranslationUnit)						\
	X(clang_getNumDiagnostics)						\
	X(clang_getDiagnostic)							\
	X(clang_getDiagnosticSeverity)						\
	X(clang_disposeDiagnostic)						\
	X(clang_getTranslationUnitCursor)					\
	X(clang_visitChildren)							\
	X(clang_getCursorKind)							\
	X(clang_getCursorExtent)						\
	X(clang_getCursorLocation)						\
	X(clang_getCursorType)							\
	X(clang_equalCursors)						\
	X(clang_getCursorReferenced)						\
	X(clang_getCursorSpelling)						\
	X(clang_getCursorResultType)						\
	X(clang_Cursor_getStorageClass)						\
	X(clang_Cursor_isBitField)						\
	X(clang_Cursor_getNumArguments)						\
	X(clang_Cursor_getArgument)						\
	X(clang_Location_isFromMainFile)					\
	X(clang_getRangeStart)							\
	X(clang_getRangeEnd)							\
	X(clang_getSpellingLocation)						\
	X(clang_getExpansionLocation)						\
	X(clang_getFile)							\
	X(clang_File_isEqual)							\
	X(clang_getCanonicalType)						\
	X(clang_getPointeeType)							\
	X(clang_getTypeDeclaration)						\
	X(clang_getTypedefDeclUnderlyingType)					\
	X(clang_equalTypes)							\
	X(clang_getTypeSpelling)						\
	X(clang_getCString)							\
	X(clang_disposeString)

struct bpfy_libclang {
#define BPFY_LIBCLANG_FIELD(name) __typeof__(&name) name;
	BPFY_LIBCLANG_FUNCS(BPFY_LIBCLANG_FIELD)
#undef BPFY_LIBCLANG_FIELD
};

/*
 * The process-wide libclang table (loaded once, never unloaded), or NULL
 * with error filled (BPFY_ERR_UNSUPPORTED) when libclang is missing.
 * $BPFY_LIBCLANG overrides the library path.
 */
const struct bpfy_libclang *bpfy_libclang__get(struct bpfy_error *error);

#endif /* BPFY_COMPILE_LIBCLANG_H */
