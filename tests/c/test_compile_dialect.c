/* The whole bcc dialect through clang and libbpf's loader, plus every tracepoint struct. */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfy.h"
#include "testutil.h"

/* Every map macro and method the dialect supports, in one program. */
static const char kitchen_sink[] =
	"#include <uapi/linux/ptrace.h>\n"
	"#include <linux/sched.h>\n"
	"#include <net/sock.h>\n"
	"#include <bcc/proto.h>\n"
	"\n"
	"struct data_t {\n"
	"    u32 pid;\n"
	"    u64 ts;\n"
	"    char comm[TASK_COMM_LEN];\n"
	"};\n"
	"struct lpm_key { u32 prefixlen; u32 addr; };\n"
	"\n"
	"BPF_HISTOGRAM(dist);\n"
	"BPF_HISTOGRAM(dist64, u64, 32);\n"
	"BPF_PERF_OUTPUT(events);\n"
	"BPF_RINGBUF_OUTPUT(rb, 8);\n"
	"BPF_STACK_TRACE(stacks, 1024);\n"
	"BPF_PROG_ARRAY(jmp, 4);\n"
	"BPF_QUEUE(q, u32, 16);\n"
	"BPF_STACK(stk, u64, 16);\n"
	"BPF_LPM_TRIE(trie, struct lpm_key, u32, 64);\n"
	"BPF_PERCPU_ARRAY(pcpu, u64, 4);\n"
	"BPF_PERCPU_HASH(pch, u32, u64);\n"
	"BPF_TABLE(\"lru_hash\", u32, struct data_t, lru, 128);\n"
	"BPF_HASH(start, u32, u64);\n"
	"BPF_ARRAY(cfg);\n"
	"\n"
	"static inline u32 helper(u32 x) { return x * 2; }\n"
	"\n"
	"TRACEPOINT_PROBE(sched, sched_switch) {\n"
	"    struct data_t d = {};\n"
	"    u64 zero = 0, *v;\n"
	"    u32 pid = args->next_pid;\n"
	"    d.pid = pid;\n"
	"    d.ts = bpf_ktime_get_ns();\n"
	"    __builtin_memcpy(d.comm, args->next_comm, sizeof(d.comm));\n"
	"    events.perf_submit(args, &d, sizeof(d));\n"
	"    rb.ringbuf_output(&d, sizeof(d), 0);\n"
	"    struct data_t *r = rb.ringbuf_reserve(sizeof(struct data_t));\n"
	"    if (r) { r->pid = pid; rb.ringbuf_submit(r, 0); }\n"
	"    dist.increment(bpf_log2l(d.ts));\n"
	"    dist64.increment(bpf_log2(pid), 2);\n"
	"    int sid = stacks.get_stackid(args, 0);\n"
	"    q.push(&pid, 0);\n"
	"    u64 s = sid; stk.push(&s, 0);\n"
	"    u32 got; q.pop(&got); q.peek(&got);\n"
	"    struct lpm_key k = { 32, pid };\n"
	"    u32 *m = trie.lookup(&k);\n"
	"    if (m) d.pid = *m;\n"
	"    pcpu.increment(1);\n"
	"    pch.atomic_increment(pid, 3);\n"
	"    lru.update(&pid, &d);\n"
	"    v = start.lookup_or_try_init(&pid, &zero);\n"
	"    if (v) *v += 1;\n"
	"    v = start.lookup_or_init(&pid, &zero);\n"
	"    start.insert(&pid, &zero);\n"
	"    start.delete(&pid);\n"
	"    int idx = 1; u64 *c = cfg.lookup(&idx);\n"
	"    bpf_trace_printk(\"switch %d %d\\n\", pid, helper(pid));\n"
	"    bpf_printk(\"many %d %d %d %d\\n\", 1, 2, 3, 4);\n"
	"    jmp.call(args, 0);\n"
	"    return 0;\n"
	"}\n"
	"\n"
	"TRACEPOINT_PROBE(syscalls, sys_enter_openat) {\n"
	"    char fname[64];\n"
	"    bpf_probe_read_user_str(fname, sizeof(fname), args->filename);\n"
	"    u32 k = args->dfd;\n"
	"    u64 one = 1; start.update(&k, &one);\n"
	"    return 0;\n"
	"}\n"
	"\n"
	"TRACEPOINT_PROBE(sched, sched_process_exec) {\n"
	"    char fn[32];\n"
	"    TP_DATA_LOC_READ_CONST(fn, filename, sizeof(fn));\n"
	"    u32 p = args->pid;\n"
	"    if (p == 1) bpf_trace_printk(\"%s\\n\", fn);\n"
	"    return 0;\n"
	"}\n"
	"\n"
	"RAW_TRACEPOINT_PROBE(sched_wakeup) {\n"
	"    struct task_struct *t = (struct task_struct *)ctx->args[0];\n"
	"    u32 pid = BPF_CORE_READ(t, pid);\n"
	"    start.increment(pid);\n"
	"    return 0;\n"
	"}\n"
	"\n"
	"\n"
	"int tracepoint__sched__sched_process_fork(struct tracepoint__sched__sched_process_fork *args) {\n"
	"    u32 p = args->child_pid;\n"
	"    start.increment(p);\n"
	"    return 0;\n"
	"}\n"
	"\n"
	"KFUNC_PROBE(do_unlinkat, int dfd, struct filename *name) {\n"
	"    return 0;\n"
	"}\n"
	"\n"
	"int do_filter(struct __sk_buff *skb) {\n"
	"    return helper(skb->len) > 10 ? -1 : 0;\n"
	"}\n";

static char cache_dir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int compile(const char *src, size_t len, struct bpfy_elf *elf, struct bpfy_error *err)
{
	struct bpfy_compile_opts opts = {
		.sz = sizeof(opts),
		.source = src,
		.source_len = len,
		.source_name = "dialect.bpf.c",
		.cache_dir = cache_dir,
	};

	return bpfy_compile(&opts, elf, err);
}

static void test_kitchen_sink(void)
{
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	int rc, nprogs = 0;

	rc = compile(kitchen_sink, strlen(kitchen_sink), &elf, &err);
	CHECK(rc == 0, "%s\n%s", err.message, err.log ? err.log : "");
	if (rc)
		goto out;
	obj = bpf_object__open_mem(elf.data, elf.size, NULL);
	CHECK(obj != NULL, "open_mem");
	if (!obj)
		goto out;
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		nprogs++;
		/* bpfy/ sections are typed by the loader later; fentry needs ftrace here */
		if (!strncmp(sec, "bpfy/", 5) || !strncmp(sec, "fentry/", 7))
			bpf_program__set_autoload(prog, false);
	}
	CHECK(nprogs == 7, "programs: %d", nprogs);
	prog = bpf_object__find_program_by_name(obj, "do_filter");
	CHECK(prog && !strcmp(bpf_program__section_name(prog), "bpfy/do_filter"), "bpfy section");
	map = bpf_object__find_map_by_name(obj, "dist");
	CHECK(map && bpf_map__type(map) == BPF_MAP_TYPE_ARRAY, "int histogram is an array");
	map = bpf_object__find_map_by_name(obj, "dist64");
	CHECK(map && bpf_map__type(map) == BPF_MAP_TYPE_HASH && bpf_map__key_size(map) == 8,
	      "u64 histogram is a hash");
	map = bpf_object__find_map_by_name(obj, "lru");
	CHECK(map && bpf_map__type(map) == BPF_MAP_TYPE_LRU_HASH, "BPF_TABLE lru_hash");
	map = bpf_object__find_map_by_name(obj, "rb");
	CHECK(map && bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF &&
	      bpf_map__max_entries(map) == 8 * 4096, "ring buffer pages");
	map = bpf_object__find_map_by_name(obj, "start");
	CHECK(map && bpf_map__btf_key_type_id(map) && bpf_map__btf_value_type_id(map),
	      "hash key/value in BTF");
	rc = bpf_object__load(obj);
	CHECK(rc == 0, "load: %d", rc);
out:
	bpf_object__close(obj);
	bpfy_elf__release(&elf);
	bpfy_error__clear(&err);
}

/* One program naming struct tracepoint__<cat>__<event> for every event of
 * this kernel: each generated struct must compile and pass its offset checks. */
static void test_every_tracepoint_struct(void)
{
	struct { char *p; size_t len; } src = { 0 };
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };
	struct dirent **cats = NULL, **evs = NULL;
	char path[512], line[1024];
	int ncat, nev, i, j, count = 0, rc;
	FILE *f = open_memstream(&src.p, &src.len);
	const char *tracefs = bpfy_tracefs_dir(&err);

	CHECK(tracefs && f, "tracefs: %s", err.message);
	if (!tracefs || !f)
		return;
	fputs("int sizes[] = {\n", f);
	snprintf(path, sizeof(path), "%s/events", tracefs);
	ncat = scandir(path, &cats, NULL, alphasort);
	for (i = 0; i < ncat; i++) {
		snprintf(path, sizeof(path), "%s/events/%s", tracefs, cats[i]->d_name);
		nev = cats[i]->d_name[0] == '.' || !strcmp(cats[i]->d_name, "ftrace") ? -1 :
			scandir(path, &evs, NULL, alphasort);
		for (j = 0; j < nev; j++) {
			const char *c = cats[i]->d_name, *e = evs[j]->d_name;

			snprintf(line, sizeof(line), "%s/%s/format", path, e);
			if (access(line, R_OK) == 0 && strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(c) &&
			    strspn(e, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(e)) {
				fprintf(f, "  sizeof(struct tracepoint__%s__%s),\n", c, e);
				count++;
			}
			free(evs[j]);
		}
		if (nev >= 0)
			free(evs);
		free(cats[i]);
	}
	free(cats);
	fputs("};\n", f);
	fclose(f);
	CHECK(count > 100, "only %d tracepoints", count);
	rc = compile(src.p, src.len, &elf, &err);
	CHECK(rc == 0, "%s\n%.2000s", err.message, err.log ? err.log : "");
	fprintf(stderr, "     %d tracepoint structs compiled\n", count);
	free(src.p);
	bpfy_elf__release(&elf);
	bpfy_error__clear(&err);
}

int main(void)
{
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/bpfy-test-dialect-XXXXXX");
	if (!mkdtemp(cache_dir))
		return 1;
	RUN(test_kitchen_sink);
	RUN(test_every_tracepoint_struct);
	nftw(cache_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return TESTUTIL_EXIT();
}
