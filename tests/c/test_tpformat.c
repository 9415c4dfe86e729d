/* tracefs format files -> tracepoint structs (real kernel files, plus bad input). */
#include "bpfy.h"
#include "compile/tpformat.h"
#include "testutil.h"

static char *load(const char *cat, const char *event)
{
	struct bpfy_cbuf buf = { 0 };
	struct bpfy_error err = { 0 };
	const char *tracefs = bpfy_tracefs_dir(&err);

	CHECK(tracefs != NULL, "tracefs: %s", err.message);
	if (!tracefs)
		return NULL;
	CHECK(bpfy_tpformat__load(tracefs, cat, event, &buf, &err) == 0, "%s:%s: %s", cat, event,
	      err.message);
	return bpfy_cbuf__steal(&buf);
}

static void test_raw_syscalls_sys_enter(void)
{
	char *s = load("raw_syscalls", "sys_enter");

	CHECK_STR_CONTAINS(s, "struct tracepoint__raw_syscalls__sys_enter {\n");
	CHECK_STR_CONTAINS(s, "\tu16 common_type;\n");
	CHECK_STR_CONTAINS(s, "\tu8 common_flags;\n");
	CHECK_STR_CONTAINS(s, "\ts32 common_pid;\n");
	CHECK_STR_CONTAINS(s, "\ts64 id;\n");
	CHECK_STR_CONTAINS(s, "\tu64 args[6];\n");
	CHECK_STR_CONTAINS(s, "__builtin_offsetof(struct tracepoint__raw_syscalls__sys_enter, args) == 16");
	free(s);
}

static void test_sys_enter_openat(void)
{
	char *s = load("syscalls", "sys_enter_openat");

	/* `int dfd` is declared with size 8: the size wins */
	CHECK_STR_CONTAINS(s, "\ts32 __syscall_nr;\n\tchar __bpfy_pad0[4];\n\tu64 dfd;\n");
	CHECK_STR_CONTAINS(s, "\tconst char *filename;\n");
	CHECK_STR_CONTAINS(s, "\tu64 mode;\n");
	CHECK_STR_CONTAINS(s, "tracepoint__syscalls__sys_enter_openat, filename) == 24");
	free(s);
}

static void test_sched_switch(void)
{
	char *s = load("sched", "sched_switch");

	CHECK_STR_CONTAINS(s, "\tchar prev_comm[16];\n");
	CHECK_STR_CONTAINS(s, "\ts32 prev_pid;\n");
	CHECK_STR_CONTAINS(s, "\tchar next_comm[16];\n");
	CHECK_STR_CONTAINS(s, "tracepoint__sched__sched_switch, next_pid) == 56");
	free(s);
}

static void test_sched_process_exec(void)
{
	char *s = load("sched", "sched_process_exec");

	CHECK_STR_CONTAINS(s, "\tint data_loc_filename;\n");
	CHECK_STR_CONTAINS(s, "tracepoint__sched__sched_process_exec, data_loc_filename) == 8");
	CHECK_STR_CONTAINS(s, "\ts32 old_pid;\n");
	free(s);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"name: x\nformat:\n\tfield:int a;\toffset:zero;\tsize:4;\tsigned:1;\n",
		"name: x\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n"
		"\tfield:int b;\toffset:2;\tsize:4;\tsigned:1;\n",	/* overlap */
		"name: x\nformat:\n\tfield:;\toffset:0;\tsize:4;\tsigned:1;\n",
		"name: x\nformat:\n",	/* no fields */
		"garbage",
		"",
	};
	struct bpfy_cbuf buf = { 0 };
	struct bpfy_error err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(bpfy_tpformat__parse(bad[i], strlen(bad[i]), "cat", "ev", &buf, &err) == -EINVAL,
		      "case %zu accepted", i);
		CHECK(err.kind == BPFY_ERR_USAGE, "case %zu kind", i);
		CHECK_STR_CONTAINS(err.message, "cat:ev");
		bpfy_cbuf__release(&buf);
	}
}

static void test_padding_and_packing(void)
{
	const char *text = "format:\n"
			   "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
			   "\tfield:u64 odd;\toffset:4;\tsize:8;\tsigned:0;\n"
			   "\tfield:void __user * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
			   "\tfield:u32 tail[];\toffset:24;\tsize:0;\tsigned:0;\n";
	struct bpfy_cbuf buf = { 0 };
	struct bpfy_error err = { 0 };

	CHECK(bpfy_tpformat__parse(text, strlen(text), "c", "e", &buf, &err) == 0, "%s", err.message);
	CHECK_STR_CONTAINS(buf.data, "\tchar __bpfy_pad0[2];\n\tu64 odd __attribute__((packed));\n");
	CHECK_STR_CONTAINS(buf.data, "\tvoid  *ptr;\n");
	CHECK_STR_CONTAINS(buf.data, "\tu32 tail[0] __attribute__((packed));\n");
	bpfy_cbuf__release(&buf);
}

static void test_missing(void)
{
	struct bpfy_cbuf buf = { 0 };
	struct bpfy_error err = { 0 };

	CHECK(bpfy_tpformat__load(bpfy_tracefs_dir(NULL), "nosuch", "event", &buf, &err) == -ENOENT,
	      "missing tracepoint");
	CHECK(err.kind == BPFY_ERR_USAGE, "kind");
	CHECK_STR_CONTAINS(err.message, "nosuch:event");
	CHECK(bpfy_tpformat__load("/sys/kernel/tracing", "../x", "y", &buf, &err) == -EINVAL,
	      "path traversal");
	bpfy_cbuf__release(&buf);
}

int main(void)
{
	RUN(test_raw_syscalls_sys_enter);
	RUN(test_sys_enter_openat);
	RUN(test_sched_switch);
	RUN(test_sched_process_exec);
	RUN(test_malformed);
	RUN(test_padding_and_packing);
	RUN(test_missing);
	return TESTUTIL_EXIT();
}
