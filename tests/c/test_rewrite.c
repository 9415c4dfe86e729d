/* The dialect rewriter on strings: no clang, no kernel. */
#include "compile/rewrite.h"
#include "testutil.h"

#include <unistd.h>

static int count_lines(const char *s, size_t len)
{
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* Rewrites src; checks the line count is the input's + the #line (+ license). */
static int rewrite(const char *src, struct bpfy_rewrite_result *res, struct bpfy_error *err)
{
	int rc;

	memset(err, 0, sizeof(*err));
	rc = bpfy_rewrite__run(src, strlen(src), "prog.c", res, err);
	if (rc == 0) {
		size_t n = strlen(src);
		int extra = 1 + (res->had_license ? 0 : 1) + (!res->had_license && n && src[n - 1] != '\n');

		CHECK(count_lines(res->source, res->source_len) == count_lines(src, strlen(src)) + extra,
		      "line count changed: %d -> %d\n%s", count_lines(src, strlen(src)),
		      count_lines(res->source, res->source_len), res->source);
	}
	return rc;
}

static void test_basic_program(void)
{
	const char *src = "BPF_HASH(counts, u32, u64);\n"
			  "TRACEPOINT_PROBE(raw_syscalls, sys_enter) {\n"
			  "    u32 id = args->id;\n"
			  "    counts.increment(id);\n"
			  "    return 0;\n"
			  "}\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK(!strncmp(res.source, "#line 1 \"prog.c\"\n", 17), "%s", res.source);
	CHECK_STR_CONTAINS(res.source, "    BPFY_MAP_INCREMENT(counts, id);\n");
	CHECK_STR_CONTAINS(res.source, "\nchar _license[] __attribute__((section(\"license\"), used)) = \"GPL\";\n");
	CHECK(res.map_count == 1 && !strcmp(res.maps[0].name, "counts") &&
	      !strcmp(res.maps[0].kind, "hash"), "maps");
	CHECK(res.tp_count == 1 && !strcmp(res.tps[0].category, "raw_syscalls") &&
	      !strcmp(res.tps[0].event, "sys_enter"), "tracepoints");
	CHECK(!res.had_license, "license");
	bpfy_rewrite_result__release(&res);
}

static void test_all_map_forms(void)
{
	const char *src =
		"BPF_HASH(h1);\nBPF_HASH(h2, u32);\nBPF_HASH(h3, u32, u64);\nBPF_HASH(h4, struct k, struct v, 100);\n"
		"BPF_ARRAY(a1);\nBPF_ARRAY(a2, u32, 4);\nBPF_HISTOGRAM(hist);\nBPF_HISTOGRAM(hist2, u64, 10);\n"
		"BPF_PERCPU_HASH(ph, u32, u64);\nBPF_PERCPU_ARRAY(pa, u64, 1);\n"
		"BPF_TABLE(\"lru_hash\", u32, u64, lru, 128);\n"
		"BPF_F_TABLE(\"lpm_trie\", struct key, u32, trie, 16, BPF_F_NO_PREALLOC);\n"
		"BPF_PERF_OUTPUT(events);\nBPF_RINGBUF_OUTPUT(rb, 8);\nBPF_STACK_TRACE(stacks, 1024);\n"
		"BPF_PROG_ARRAY(jmp, 8);\nBPF_QUEUE(q, u32, 16);\nBPF_STACK(st, u32, 16);\n"
		"BPF_LPM_TRIE(lpm, struct key, u32, 64);\n"
		"struct {\n  __uint(type, BPF_MAP_TYPE_HASH);\n  __type(key, u32);\n  __type(value, u64);\n} btfmap SEC(\".maps\");\n"
		"BPF_LICENSE_UNUSED;\n";
	static const char *const names[] = {
		"h1", "h2", "h3", "h4", "a1", "a2", "hist", "hist2", "ph", "pa", "lru", "trie",
		"events", "rb", "stacks", "jmp", "q", "st", "lpm", "btfmap",
	};
	static const char *const kinds[] = {
		"hash", "hash", "hash", "hash", "array", "array", "histogram", "histogram",
		"percpu_hash", "percpu_array", "lru_hash", "lpm_trie", "perf_output", "ringbuf",
		"stacktrace", "prog", "queue", "stack", "lpm_trie", "btf",
	};
	struct bpfy_rewrite_result res;
	struct bpfy_error err;
	size_t i;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK(res.map_count == sizeof(names) / sizeof(names[0]), "map count %zu", res.map_count);
	for (i = 0; i < res.map_count && i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK(!strcmp(res.maps[i].name, names[i]), "map %zu: %s", i, res.maps[i].name);
		CHECK(!strcmp(res.maps[i].kind, kinds[i]), "map %s kind %s", names[i],
		      res.maps[i].kind);
	}
	CHECK_STR_CONTAINS(res.source, "BPF_TABLE(lru_hash, u32, u64, lru, 128);");
	CHECK_STR_CONTAINS(res.source, "BPF_F_TABLE(lpm_trie, struct key,");
	bpfy_rewrite_result__release(&res);
}

static void test_methods_nested(void)
{
	const char *src =
		"BPF_HASH(start, u32, u64);\nBPF_PERF_OUTPUT(events);\nBPF_ARRAY(cfg);\n"
		"struct s { int start; };\n"
		"int probe(struct pt_regs *ctx) {\n"
		"    u32 k = 0; u64 zero = 0, *v;\n"
		"    // start.bogus(k) in a comment\n"
		"    /* start.lookup(&k) in a block\n       comment */\n"
		"    char *s = \"start.lookup(&k)\"; char c = '(';\n"
		"    v = start.lookup_or_try_init(&k, &zero);\n"
		"    start.update(&k, cfg.lookup(&k) ? cfg.lookup(&k) : &zero);\n"
		"    start\n      .delete(&k);\n"
		"    events.perf_submit(ctx, &k, sizeof(k));\n"
		"    struct s x; x.start = 1; (&x)->start = 2;\n"
		"    return v ? 1 : 0;\n"
		"}\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK_STR_CONTAINS(res.source, "// start.bogus(k) in a comment");
	CHECK_STR_CONTAINS(res.source, "/* start.lookup(&k) in a block");
	CHECK_STR_CONTAINS(res.source, "char *s = \"start.lookup(&k)\"; char c = '(';");
	CHECK_STR_CONTAINS(res.source, "v = BPFY_MAP_LOOKUP_OR_TRY_INIT(start, &k, &zero);");
	CHECK_STR_CONTAINS(res.source,
			   "BPFY_MAP_UPDATE(start, &k, BPFY_MAP_LOOKUP(cfg, &k) ? BPFY_MAP_LOOKUP(cfg, &k) : &zero);");
	CHECK_STR_CONTAINS(res.source, "BPFY_MAP_DELETE(start, \n&k);");
	CHECK_STR_CONTAINS(res.source, "BPFY_MAP_PERF_SUBMIT(events, ctx, &k, sizeof(k));");
	CHECK_STR_CONTAINS(res.source, "x.start = 1; (&x)->start = 2;");
	CHECK_STR_CONTAINS(res.source, "__attribute__((section(\"bpfy/probe\"), used)) int probe(");
	bpfy_rewrite_result__release(&res);
}

static void test_unknown_method(void)
{
	const char *src = "BPF_HASH(counts);\n"
			  "int f(void *ctx) {\n"
			  "  u64 k = 1;\n"
			  "  counts.frobnicate(&k);\n"
			  "  return 0;\n}\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == -EINVAL, "should fail");
	CHECK(err.kind == BPFY_ERR_COMPILE, "kind %d", err.kind);
	CHECK_STR_CONTAINS(err.message, "prog.c:4:10:");
	CHECK_STR_CONTAINS(err.message, "frobnicate");
	CHECK(res.source == NULL, "no output on error");
}

static void test_sections(void)
{
	const char *src =
		"static int helper(int x) { return x + 1; }\n"
		"static inline int helper2(int x) { return x; }\n"
		"static __always_inline int helper3(int x) { return x; }\n"
		"int tracepoint__sched__sched_switch(struct tracepoint__sched__sched_switch *args) { return 0; }\n"
		"int raw_tracepoint__sched_wakeup(struct bpf_raw_tracepoint_args *ctx) { return 0; }\n"
		"int kprobe__do_sys_open(struct pt_regs *ctx) { return 0; }\n"
		"int kretprobe__do_sys_open(struct pt_regs *ctx) { return 0; }\n"
		"int\non_packet(struct __sk_buff *skb)\n{ return helper(1); }\n"
		"SEC(\"tracepoint/syscalls/sys_enter_openat\") int handle(void *ctx) { return 0; }\n"
		"RAW_TRACEPOINT_PROBE(sched_switch) { return 0; }\n"
		"int declared_only(void *ctx);\n"
		"struct data { int x; } data_var = { 1 };\n"
		"char LICENSE[] SEC(\"license\") = \"Dual BSD/GPL\";\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK_STR_CONTAINS(res.source, "\nstatic int helper(int x)");
	CHECK_STR_CONTAINS(res.source, "\nstatic inline int helper2");
	CHECK_STR_CONTAINS(res.source, "\nstatic __always_inline int helper3");
	CHECK_STR_CONTAINS(res.source, "\n__attribute__((section(\"tracepoint/sched/sched_switch\"), used)) int tracepoint__sched__sched_switch(");
	CHECK_STR_CONTAINS(res.source, "\n__attribute__((section(\"raw_tp/sched_wakeup\"), used)) int raw_tracepoint__sched_wakeup(");
	CHECK_STR_CONTAINS(res.source, "\n__attribute__((section(\"kprobe/do_sys_open\"), used)) int kprobe__do_sys_open(");
	CHECK_STR_CONTAINS(res.source, "\n__attribute__((section(\"kretprobe/do_sys_open\"), used)) int kretprobe__do_sys_open(");
	CHECK_STR_CONTAINS(res.source, "\n__attribute__((section(\"bpfy/on_packet\"), used)) int\non_packet(");
	CHECK_STR_CONTAINS(res.source, "\nSEC(\"tracepoint/syscalls/sys_enter_openat\") int handle(");
	CHECK_STR_CONTAINS(res.source, "\nRAW_TRACEPOINT_PROBE(sched_switch) {");
	CHECK_STR_CONTAINS(res.source, "\nint declared_only(void *ctx);");
	CHECK(res.had_license, "SEC(\"license\") seen");
	CHECK(strstr(res.source, "\"GPL\";") == NULL, "no license appended");
	CHECK(res.tp_count == 1 && !strcmp(res.tps[0].event, "sched_switch"), "tp");
	bpfy_rewrite_result__release(&res);
}

static void test_license_macro(void)
{
	const char *src = "#define BPF_LICENSE Dual BSD/GPL\nint f(void *ctx) { return 0; }";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK_STR_CONTAINS(res.source, "return 0; }\nchar _license[] __attribute__((section(\"license\"), used)) = BPFY__STR(BPF_LICENSE);\n");
	bpfy_rewrite_result__release(&res);
}

static void test_bad_input(void)
{
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite("int x;\n/* open", &res, &err) == -EINVAL, "unterminated comment");
	CHECK_STR_CONTAINS(err.message, "prog.c:2:1:");
	CHECK(rewrite("char *s = \"abc;\n", &res, &err) == -EINVAL, "unterminated string");
	CHECK(rewrite("BPF_TABLE(\"nope\", u32, u32, m, 1);\n", &res, &err) == -EINVAL, "bad table type");
	CHECK_STR_CONTAINS(err.message, "prog.c:1:11:");
	CHECK(rewrite("BPF_HASH(", &res, &err) == -EINVAL, "unbalanced");
	CHECK(rewrite("", &res, &err) == 0, "empty");
	bpfy_rewrite_result__release(&res);
	CHECK(rewrite("}}}))) ;;; {{{ ((( \"", &res, &err) != 0, "garbage");
}

static void test_macro_lines(void)
{
	const char *src = "BPF_HASH(c);\n#define BUMP(k) c.increment(k)\n"
			  "int f(void *ctx) { BUMP(1); return 0; }\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK_STR_CONTAINS(res.source, "#define BUMP(k) BPFY_MAP_INCREMENT(c, k)\n");
	bpfy_rewrite_result__release(&res);
}

/* Format checks follow the kernel's bpf_bprintf_prepare(); errors name the '%'. */
static void test_printk_formats(void)
{
	static const char *const good[] = {
		"bpf_trace_printk(\"%d %i %u\\n\", 1, 2, 3);",
		"bpf_trace_printk(\"%ld %lu %lx %%\\n\", 1, 2, 3);",
		"bpf_trace_printk(\"%lld %llu %llx\\n\", 1, 2, 3);",
		"bpf_trace_printk(\"%X %+5i % d\\n\", 1, 2, 3);",
		"bpf_trace_printk(\"%-08d|%c|%s.\", 1, 'c', \"s\");",
		"bpf_trace_printk(\"%p %pK %px\\n\", p, p, p);",
		"bpf_trace_printk(\"%ps, %pS\\n\", p, p);",
		"bpf_trace_printk(\"%pks %pus\\n\", p, p);",
		"bpf_trace_printk(\"%pI4 %pi6\\n\", p, p);",
		"bpf_trace_printk(\"a\" \"%d\" \"\\x41\\101\\n\", 1);",
		"bpf_printk(\"%d %d %d %d %d %d %d %d %d %d %d %d\", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);",
		"bpf_trace_printk(fmt, 1, 2);",	/* not a literal: left to clang */
		"bpf_trace_printk(\"no args\\n\");",
	};
	static const struct {
		const char *call;
		const char *where;
		const char *what;
	} bad[] = {
		{ "bpf_trace_printk(\"%f\", 1.0);", "prog.c:2:21:", "unsupported conversion" },
		{ "bpf_trace_printk(\"x %hd\", 1);", "prog.c:2:23:", "unsupported conversion" },
		{ "bpf_trace_printk(\"%.2d\", 1);", "prog.c:2:21:", "no precision" },
		{ "bpf_trace_printk(\"%lf\", 1);", "prog.c:2:21:", "unsupported conversion" },
		{ "bpf_trace_printk(\"%sx\", s);", "prog.c:2:21:", "%s must be followed" },
		{ "bpf_trace_printk(\"%pB\", p);", "prog.c:2:21:", "%p extension" },
		{ "bpf_trace_printk(\"\\t\\x01\", 1);", "prog.c:2:23:", "printable ASCII" },
		{ "bpf_trace_printk(\"%d %d %d %d\", 1, 2, 3, 4);", "prog.c:2:3:", "at most 3" },
		{ "bpf_trace_printk(\"%d %s\", 1);", "prog.c:2:3:", "2 conversions but 1 argument" },
		{ "bpf_printk(\"%d\", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);", "prog.c:2:3:", "at most 12" },
		{ "bpf_trace_printk();", "prog.c:2:3:", "needs a format" },
	};
	struct bpfy_rewrite_result res;
	struct bpfy_error err;
	char src[512];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(src, sizeof(src), "int f(void *ctx) {\n  %s\n  return 0;\n}\n", good[i]);
		CHECK(rewrite(src, &res, &err) == 0, "%s: %s", good[i], err.message);
		bpfy_rewrite_result__release(&res);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(src, sizeof(src), "int f(void *ctx) {\n  %s\n  return 0;\n}\n", bad[i].call);
		CHECK(rewrite(src, &res, &err) == -EINVAL, "%s accepted", bad[i].call);
		CHECK_STR_CONTAINS(err.message, bad[i].where);
		CHECK_STR_CONTAINS(err.message, bad[i].what);
	}
	/* inside a #define body: not checked (arguments are macro parameters) */
	CHECK(rewrite("#define P(x) bpf_trace_printk(\"%f\", x)\n", &res, &err) == 0, "%s", err.message);
	bpfy_rewrite_result__release(&res);
}

static void test_builtins(void)
{
	const char *src = "int f(void *ctx) {\n  int n = bpf_num_cpus(\n  );\n  return n;\n}\n"
			  "int g(struct pt_regs *ctx) { long v; return bpf_usdt_readarg(1, ctx, &v); }\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;
	char expect[64];

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	snprintf(expect, sizeof(expect), "int n = %ld\n;", sysconf(_SC_NPROCESSORS_ONLN));
	CHECK_STR_CONTAINS(res.source, expect);
	CHECK(res.uses_usdt, "bpf_usdt_readarg seen");
	bpfy_rewrite_result__release(&res);
	CHECK(rewrite("int f(void *ctx) { return 0; }\n", &res, &err) == 0, "%s", err.message);
	CHECK(!res.uses_usdt, "no usdt");
	bpfy_rewrite_result__release(&res);
}

static void test_probe_prefixes(void)
{
	const char *src = "int kfunc__do_unlinkat(u64 *ctx) { return 0; }\n"
			  "int kretfunc__vmlinux__vfs_read(u64 *ctx) { return 0; }\n"
			  "int kmod_ret__security_file_open(u64 *ctx) { return 0; }\n"
			  "int lsm__file_open(u64 *ctx) { return 0; }\n"
			  "BPF_ITER(task) { return 0; }\n"
			  "KMOD_RET(do_unlinkat, int dfd) { return 0; }\n";
	struct bpfy_rewrite_result res;
	struct bpfy_error err;

	CHECK(rewrite(src, &res, &err) == 0, "%s", err.message);
	CHECK_STR_CONTAINS(res.source, "section(\"fentry/do_unlinkat\")");
	CHECK_STR_CONTAINS(res.source, "section(\"fexit/vfs_read\")");
	CHECK_STR_CONTAINS(res.source, "section(\"fmod_ret/security_file_open\")");
	CHECK_STR_CONTAINS(res.source, "section(\"lsm/file_open\")");
	CHECK_STR_CONTAINS(res.source, "\nBPF_ITER(task) { return 0; }\n");
	CHECK_STR_CONTAINS(res.source, "\nKMOD_RET(do_unlinkat, int dfd) { return 0; }\n");
	bpfy_rewrite_result__release(&res);
}

int main(void)
{
	RUN(test_basic_program);
	RUN(test_all_map_forms);
	RUN(test_methods_nested);
	RUN(test_unknown_method);
	RUN(test_sections);
	RUN(test_license_macro);
	RUN(test_bad_input);
	RUN(test_macro_lines);
	RUN(test_printk_formats);
	RUN(test_builtins);
	RUN(test_probe_prefixes);
	return TESTUTIL_EXIT();
}
