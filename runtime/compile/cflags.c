/* Compiler flags: the fixed ones every compile gets, and checks on user flags. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* bcc's warning set plus what BPF needs; -target/-O2/-g/-c are added by the caller. */
const char *const bpfy_cflags__base[] = {
	"-Wno-unused-value",
	"-Wno-pointer-sign",
	"-Wno-compare-distinct-pointer-types",
	"-Wno-unknown-attributes",
	"-Wno-gnu-variable-sized-type-not-at-end",
	"-Wno-address-of-packed-member",
	"-Wno-tautological-compare",
	"-Wno-unknown-warning-option",
	"-Wno-unused-function",
	"-fno-stack-protector",
	"-fno-asynchronous-unwind-tables",
	"-nostdlibinc",
	/* a crashing clang must not leave a copy of the program in $TMPDIR */
	"-fno-crash-diagnostics",
	NULL,
};

const char *bpfy_cflags__target_arch(void)
{
#if defined(__x86_64__)
	return "-D__TARGET_ARCH_x86";
#elif defined(__aarch64__)
	return "-D__TARGET_ARCH_arm64";
#elif defined(__s390x__)
	return "-D__TARGET_ARCH_s390";
#elif defined(__powerpc64__)
	return "-D__TARGET_ARCH_powerpc";
#elif defined(__riscv)
	return "-D__TARGET_ARCH_riscv";
#elif defined(__loongarch__)
	return "-D__TARGET_ARCH_loongarch";
#else
	return "-D__TARGET_ARCH_unknown";
#endif
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Flags that take the next argv element as their value when given alone. */
static const char *const with_value[] = {
	"-D", "-U", "-I", "-include", "-isystem", "-iquote", "-idirafter",
};

/* Allowed families; each is still checked against `denied` below. */
static const char *const allowed_prefixes[] = {
	"-D", "-U", "-I", "-W", "-O", "-g", "-std=", "-f", "-m", "-w", "-include",
	"-isystem", "-iquote", "-idirafter", "-pedantic", "-ansi", "-nostdinc",
};

/* Within the allowed families: whatever can write files or load code. */
static const char *const denied_prefixes[] = {
	"-Wl,", "-Wa,", "-Wp,", "-Xclang", "-fplugin", "-fpass-plugin", "-fprofile",
	"-fcoverage", "-ftime-trace", "-fcrash-diagnostics", "-fmodule", "-fimplicit-module",
	"-fprebuilt-module", "-fsave-optimization-record", "-foptimization-record",
	"-fproc-stat-report", "-fdump", "-fembed", "-fsanitize", "-fxray", "-gsplit-dwarf",
	"-mllvm", "-include-pch", "-fbuild-session",
	/* write files of their own beside the output (found by tests) */
	"-fstack-usage", "-ftest-coverage", "-fmemory-profile", "-fcs-profile", "-femit-",
};

static bool in_list(const char *flag, const char *const *list, size_t n, bool prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix ? starts_with(flag, list[i]) : strcmp(flag, list[i]) == 0)
			return true;
	return false;
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int bpfy_cflags__check(const char *const *flags, size_t count, struct bpfy_error *error)
{
	size_t i;
	const char *flag;

	for (i = 0; i < count; i++) {
		flag = flags[i];
		if (!flag)
			return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "cflag %zu is NULL", i);
		if (in_list(flag, with_value, ARRAY_LEN(with_value), false)) {
			if (i + 1 >= count || !flags[i + 1])
				return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
						       "cflag '%s' needs a value", flag);
			i++;
			continue;
		}
		if (in_list(flag, denied_prefixes, ARRAY_LEN(denied_prefixes), true) ||
		    !in_list(flag, allowed_prefixes, ARRAY_LEN(allowed_prefixes), true))
			return bpfy_error__set(error, BPFY_ERR_USAGE, EPERM,
					       "cflag '%s' is not allowed (bpfy accepts -D, -U, -I, "
					       "-W*, -O*, -g, -std=, -f*, -m* and include options; "
					       "nothing that writes files or loads code)", flag);
	}
	return 0;
}
