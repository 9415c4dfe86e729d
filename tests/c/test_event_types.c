/* Event types recorded by perf_submit/ringbuf_* and found in BTF by the loader. */
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfy.h"
#include "testutil.h"

static const char program[] =
	"struct data_t { u32 pid; u64 ts; char comm[16]; };\n"
	"struct rec { u64 a; s32 b; };\n"
	"typedef struct { u16 x; } small_t;\n"
	"BPF_PERF_OUTPUT(events);\n"
	"BPF_RINGBUF_OUTPUT(rb, 4);\n"
	"BPF_RINGBUF_OUTPUT(rb2, 4);\n"
	"BPF_RINGBUF_OUTPUT(rb3, 4);\n"
	"BPF_PERF_OUTPUT(untyped);\n"
	"RAW_TRACEPOINT_PROBE(sys_enter) {\n"
	"    struct data_t data = {};\n"
	"    data.pid = bpf_get_current_pid_tgid() >> 32;\n"
	"    events.perf_submit(ctx, &data, sizeof(data));\n"
	"    struct rec *r = rb.ringbuf_reserve(sizeof(struct rec));\n"
	"    if (r) { r->a = 1; rb.ringbuf_submit(r, 0); }\n"
	"    small_t s = { 3 };\n"
	"    rb2.ringbuf_output(&s, sizeof(s), 0);\n"
	"    struct rec *q = rb3.ringbuf_reserve(\n"
	"        sizeof(*q));\n"
	"    if (q) rb3.ringbuf_discard(q, 0);\n"
	"    return 0;\n"
	"}\n";

static char cache_dir[] = "/tmp/bpfy-test-evtypes-XXXXXX";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static const struct bpfy_type *event_type(struct bpfy_object *obj, const char *map)
{
	struct bpfy_map *m = bpfy_object__map_by_name(obj, map);

	CHECK(m != NULL, "map %s", map);
	return m ? bpfy_map__desc(m)->event_type : NULL;
}

static void test_event_types(void)
{
	struct bpfy_compile_opts opts = {
		.sz = sizeof(opts), .source = program, .source_len = strlen(program),
		.source_name = "events.bpf.c", .cache_dir = cache_dir, .no_cache = true,
	};
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };
	struct bpfy_object *obj = NULL;
	const struct bpfy_type *t;
	int rc;

	rc = bpfy_compile(&opts, &elf, &err);
	CHECK(rc == 0, "%s\n%s", err.message, err.log ? err.log : "");
	if (rc)
		goto out;
	obj = bpfy_object__open_elf(elf.data, elf.size, NULL, &err);
	CHECK(obj != NULL, "open: %s\n%s", err.message, err.log ? err.log : "");
	if (!obj)
		goto out;
	t = event_type(obj, "events");
	CHECK(t && !strcmp(t->name, "struct data_t") && t->nr_fields == 3 &&
	      !strcmp(t->fields[0].name, "pid") && !strcmp(t->fields[2].name, "comm") &&
	      t->size == 32, "perf_submit type: %s", t ? t->name : "(none)");
	t = event_type(obj, "rb");
	CHECK(t && !strcmp(t->name, "struct rec") && t->nr_fields == 2 &&
	      t->fields[1].bit_offset == 64, "ringbuf_reserve(sizeof(struct rec)): %s",
	      t ? t->name : "(none)");
	t = event_type(obj, "rb2");
	CHECK(t && !strcmp(t->name, "small_t"), "ringbuf_output typedef: %s", t ? t->name : "(none)");
	t = event_type(obj, "rb3");
	CHECK(t && !strcmp(t->name, "struct rec"), "ringbuf_reserve(sizeof(*q)) over two lines: %s",
	      t ? t->name : "(none)");
	CHECK(event_type(obj, "untyped") == NULL, "no submit, no type");
out:
	bpfy_object__close(obj);
	bpfy_elf__release(&elf);
	bpfy_error__clear(&err);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return 0;
	}
	if (!mkdtemp(cache_dir))
		return 1;
	RUN(test_event_types);
	nftw(cache_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return TESTUTIL_EXIT();
}
