/*
 * Runtime C test of the object layer: compile a bcc-dialect program, load
 * it, auto-attach, trigger real syscalls from this process, read the map,
 * load a plain function on demand, attach it, and report verifier errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "bpfy.h"

static int failures;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                         \
			fprintf(stderr, __VA_ARGS__);                     \
			fprintf(stderr, "\n");                            \
			failures++;                                       \
		}                                                         \
	} while (0)

static char cache_dir[] = "/tmp/bpfy-test-object-XXXXXX";

static struct bpfy_object *build(const char *source, struct bpfy_error *error)
{
	struct bpfy_compile_opts copts = { .sz = sizeof(copts) };
	struct bpfy_object_opts oopts = { .sz = sizeof(oopts), .name = "test" };
	struct bpfy_elf elf = {};
	struct bpfy_object *obj;
	char pid_flag[64];
	const char *cflags[] = { pid_flag };

	snprintf(pid_flag, sizeof(pid_flag), "-DTARGET_PID=%d", getpid());
	copts.source = source;
	copts.source_len = strlen(source);
	copts.source_name = "test_object.c";
	copts.include_dir = getenv("BPFY_INCLUDE_DIR");
	copts.cache_dir = cache_dir;
	copts.cflags = cflags;
	copts.cflag_count = 1;
	if (bpfy_compile(&copts, &elf, error))
		return NULL;
	obj = bpfy_object__open_elf(elf.data, elf.size, &oopts, error);
	bpfy_elf__release(&elf);
	return obj;
}

static uint64_t lookup_u64(struct bpfy_map *map, uint32_t key)
{
	uint64_t value = 0;

	bpfy_map__lookup(bpfy_map__desc(map)->fd, &key, &value, sizeof(value), 0);
	return value;
}

static const char COUNTER[] =
	"BPF_ARRAY(hits, u64, 2);\n"
	"TRACEPOINT_PROBE(syscalls, sys_enter_getppid) {\n"
	"    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID) return 0;\n"
	"    int idx = 0; hits.increment(idx); return 0;\n"
	"}\n"
	"int on_demand(void *ctx) {\n"
	"    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID) return 0;\n"
	"    int idx = 1; hits.increment(idx); return 0;\n"
	"}\n";

static void test_auto_and_on_demand(void)
{
	struct bpfy_error error = {};
	struct bpfy_object *obj = build(COUNTER, &error);
	struct bpfy_prog *auto_prog, *lazy;
	struct bpfy_link *auto_link, *lazy_link;
	struct bpfy_map *hits;

	CHECK(obj, "%s", error.message);
	if (!obj)
		goto out;
	hits = bpfy_object__map_by_name(obj, "hits");
	CHECK(hits, "map 'hits' missing");
	CHECK(!bpfy_object__map_by_name(obj, "nope") && errno == ENOENT, "unknown map");
	CHECK(bpfy_map__desc(hits)->type == BPF_MAP_TYPE_ARRAY, "type %u",
	      bpfy_map__desc(hits)->type);
	CHECK(bpfy_map__desc(hits)->value_type && bpfy_map__desc(hits)->value_type->size == 8,
	      "value layout from BTF");

	auto_prog = bpfy_object__prog_by_name(obj, "tracepoint__syscalls__sys_enter_getppid");
	CHECK(auto_prog && bpfy_prog__has_auto_attach(auto_prog), "auto program");
	lazy = bpfy_object__prog_by_name(obj, "on_demand");
	CHECK(lazy && bpfy_prog__fd(lazy) < 0 && bpfy_prog__type(lazy) == 0,
	      "plain function waits for its attach call");
	if (!auto_prog || !lazy)
		goto out;

	auto_link = bpfy_prog__attach_auto(auto_prog, &error);
	CHECK(auto_link, "%s", error.message);
	lazy_link = bpfy_prog__attach_tracepoint(lazy, "syscalls", "sys_enter_getppid", &error);
	CHECK(lazy_link, "%s", error.message);
	CHECK(bpfy_prog__type(lazy) == BPF_PROG_TYPE_TRACEPOINT && bpfy_prog__fd(lazy) > 2,
	      "loaded on demand as a tracepoint");
	for (int i = 0; i < 9; i++)
		syscall(SYS_getppid);
	CHECK(lookup_u64(hits, 0) == 9, "auto-attached count %llu",
	      (unsigned long long)lookup_u64(hits, 0));
	CHECK(lookup_u64(hits, 1) == 9, "on-demand count shares the map: %llu",
	      (unsigned long long)lookup_u64(hits, 1));
	bpfy_link__destroy(lazy_link);
	bpfy_link__destroy(auto_link);
	syscall(SYS_getppid);
	CHECK(lookup_u64(hits, 0) == 9, "detached: count stays");

	CHECK(bpfy_prog__load(lazy, BPF_PROG_TYPE_SOCKET_FILTER, 0, &error) == -EINVAL,
	      "reloading as another type is refused");
	CHECK(!bpfy_prog__attach_tracepoint(lazy, "nosuch", "event", &error) &&
		      error.code == ENOENT && strstr(error.message, "nosuch:event"),
	      "missing tracepoint named: %s", error.message);
out:
	bpfy_error__clear(&error);
	bpfy_object__close(obj);
}

static void test_verifier_error(void)
{
	static const char bad[] = "BPF_HASH(m, u32, u64);\n"
				  "TRACEPOINT_PROBE(raw_syscalls, sys_enter) {\n"
				  "    u32 k = 1; u64 *v = m.lookup(&k);\n"
				  "    return *v;\n"
				  "}\n";
	struct bpfy_error error = {};
	struct bpfy_object *obj = build(bad, &error);

	CHECK(!obj, "an unchecked map value must be refused");
	CHECK(error.kind == BPFY_ERR_VERIFIER, "kind %d: %s", error.kind, error.message);
	CHECK(error.log && strstr(error.log, "R0"), "log kept");
	bpfy_error__clear(&error);
	bpfy_object__close(obj);
}

int main(void)
{
	char command[128];

	if (getuid() != 0) {
		printf("skipped: needs root\n");
		return 0;
	}
	if (!mkdtemp(cache_dir))
		return 1;
	test_auto_and_on_demand();
	test_verifier_error();
	snprintf(command, sizeof(command), "rm -rf %s", cache_dir);
	if (system(command))
		failures++;
	printf("%s: %d failure(s)\n", __FILE__, failures);
	return failures ? 1 : 0;
}
