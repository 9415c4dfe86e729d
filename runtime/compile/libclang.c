/* Loading libclang's C API with dlopen, once per process. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "libclang.h"

static const char *const candidates[] = {
	"libclang-14.so.1", "libclang.so.1", "/usr/lib/llvm-14/lib/libclang-14.so.1",
	"libclang-15.so.1", "libclang-16.so.1", "libclang.so",
};

static struct bpfy_libclang table;
static bool loaded;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *open_library(void)
{
	const char *env = getenv("BPFY_LIBCLANG");
	void *handle;
	size_t i;

	if (env && *env)
		return dlopen(env, RTLD_NOW | RTLD_LOCAL);
	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
		if (handle)
			return handle;
	}
	return NULL;
}

static void load(void)
{
	void *handle = open_library();
	const char *missing = NULL;

	if (!handle) {
		snprintf(load_error, sizeof(load_error),
			 "libclang not found (install libclang-14-dev or set BPFY_LIBCLANG): %s",
			 dlerror());
		return;
	}
#define BPFY_LIBCLANG_LOAD(name)						\
	if (!missing) {								\
		*(void **)&table.name = dlsym(handle, #name);			\
		if (!table.name)						\
			missing = #name;					\
	}
	BPFY_LIBCLANG_FUNCS(BPFY_LIBCLANG_LOAD)
#undef BPFY_LIBCLANG_LOAD
	if (missing) {
		snprintf(load_error, sizeof(load_error), "libclang lacks %s", missing);
		dlclose(handle);
		return;
	}
	loaded = true;
}

const struct bpfy_libclang *bpfy_libclang__get(struct bpfy_error *error)
{
	pthread_once(&once, load);
	if (loaded)
		return &table;
	bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, ENOENT, "%s", load_error);
	errno = ENOENT;
	return NULL;
}
