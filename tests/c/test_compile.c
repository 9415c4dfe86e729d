/* bpfy_compile end to end: real clang, real kernel BTF, real libbpf load. */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfy.h"
#include "testutil.h"

static const char counting_prog[] =
	"BPF_HASH(counts, u32, u64);\n"
	"TRACEPOINT_PROBE(raw_syscalls, sys_enter) {\n"
	"    u32 id = args->id;\n"
	"    counts.increment(id);\n"
	"    return 0;\n"
	"}\n";

static char cache_dir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void fresh_cache(void)
{
	if (cache_dir[0])
		nftw(cache_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/bpfy-test-cache-XXXXXX");
	if (!mkdtemp(cache_dir))
		abort();
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct bpfy_compile_opts opts_for(const char *src)
{
	return (struct bpfy_compile_opts){
		.sz = sizeof(struct bpfy_compile_opts),
		.source = src,
		.source_len = strlen(src),
		.source_name = "test.bpf.c",
		.cache_dir = cache_dir,
	};
}

static int load_elf(const struct bpfy_elf *elf)
{
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_mem(elf->data, elf->size, NULL);
	if (!obj)
		return -errno;
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err;
}

static void test_end_to_end(void)
{
	struct bpfy_compile_opts opts = opts_for(counting_prog);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };
	double t0, t1;
	int rc;

	opts.keep_source = true;
	rc = bpfy_compile(&opts, &elf, &err);
	CHECK(rc == 0, "compile: %s\n%s", err.message, err.log ? err.log : "");
	if (rc)
		goto out;
	CHECK(!elf.cache_hit, "first compile is a miss");
	CHECK(elf.size > 4 && !memcmp(elf.data, "\177ELF", 4), "ELF magic");
	CHECK(elf.final_source && strstr(elf.final_source, "BPFY_MAP_INCREMENT"), "final source");
	CHECK(load_elf(&elf) == 0, "libbpf load failed");
	bpfy_elf__release(&elf);

	t0 = now_ms();
	rc = bpfy_compile(&opts, &elf, &err);
	t1 = now_ms();
	CHECK(rc == 0, "second compile: %s", err.message);
	CHECK(elf.cache_hit, "second compile is a hit");
	CHECK(t1 - t0 < 50.0, "cache hit took %.1f ms", t1 - t0);
	fprintf(stderr, "     cache hit in %.2f ms\n", t1 - t0);
	CHECK(load_elf(&elf) == 0, "cached object loads");
out:
	bpfy_elf__release(&elf);
	bpfy_error__clear(&err);
}

static void test_compile_error_line(void)
{
	const char *src = "BPF_HASH(counts, u32, u64);\n"
			  "\n"
			  "TRACEPOINT_PROBE(raw_syscalls, sys_enter) {\n"
			  "    u32 id = args->id;\n"
			  "    counts.increment(id);\n"
			  "    undefined_thing += 1;\n"
			  "    return 0;\n"
			  "}\n";
	struct bpfy_compile_opts opts = opts_for(src);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	CHECK(bpfy_compile(&opts, &elf, &err) == -EINVAL, "should fail");
	CHECK(err.kind == BPFY_ERR_COMPILE, "kind %d", err.kind);
	CHECK_STR_CONTAINS(err.message, "test.bpf.c:6:5: error:");
	CHECK_STR_CONTAINS(err.message, "undefined_thing");
	CHECK(err.log && strstr(err.log, "test.bpf.c:6:5"), "log has diagnostics");
	bpfy_error__clear(&err);
}

static void test_missing_kernel_header(void)
{
	const char *src = "#include <linux/sched.h>\n#include <linux/no_such_header.h>\n"
			  "int f(void *ctx) { return TASK_COMM_LEN; }\n";
	struct bpfy_compile_opts opts = opts_for(src);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	CHECK(bpfy_compile(&opts, &elf, &err) == -EINVAL, "should fail");
	CHECK_STR_CONTAINS(err.message, "test.bpf.c:2:10: fatal error: 'linux/no_such_header.h' file not found");
	CHECK_STR_CONTAINS(err.message, "bpfy uses no kernel headers");
	CHECK(err.log && !strstr(err.log, "redefinition"), "no redefinition storm");
	bpfy_error__clear(&err);
}

static void test_cache_refused(void)
{
	struct bpfy_compile_opts opts = opts_for(counting_prog);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	chmod(cache_dir, 0777);
	CHECK(bpfy_compile(&opts, &elf, &err) < 0, "0777 cache dir must be refused");
	CHECK(err.kind == BPFY_ERR_USAGE, "kind %d", err.kind);
	CHECK_STR_CONTAINS(err.message, "writable by group or others");
	chmod(cache_dir, 0700);
	bpfy_error__clear(&err);
	bpfy_elf__release(&elf);
}

static int flip_byte_in_objects(void)
{
	char dir[300], path[600];
	struct dirent *de;
	DIR *d;
	int fd, flipped = 0;
	unsigned char c;

	snprintf(dir, sizeof(dir), "%s/objects", cache_dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (pread(fd, &c, 1, 200) == 1) {
			c ^= 0x5a;
			flipped += pwrite(fd, &c, 1, 200) == 1;
		}
		close(fd);
	}
	closedir(d);
	return flipped;
}

static void test_corruption(void)
{
	struct bpfy_compile_opts opts = opts_for(counting_prog);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	CHECK(bpfy_compile(&opts, &elf, &err) == 0, "%s", err.message);
	bpfy_elf__release(&elf);
	CHECK(flip_byte_in_objects() == 1, "one cached object to corrupt");
	CHECK(bpfy_compile(&opts, &elf, &err) == 0, "%s", err.message);
	CHECK(!elf.cache_hit, "corrupt object must be recompiled");
	CHECK(load_elf(&elf) == 0, "recompiled object loads");
	bpfy_elf__release(&elf);
	CHECK(bpfy_compile(&opts, &elf, &err) == 0, "%s", err.message);
	CHECK(elf.cache_hit, "fixed object is a hit again");
	bpfy_elf__release(&elf);
}

static void test_no_cache(void)
{
	struct bpfy_compile_opts opts = opts_for(counting_prog);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	opts.no_cache = true;
	CHECK(bpfy_compile(&opts, &elf, &err) == 0, "%s", err.message);
	CHECK(!elf.cache_hit, "no_cache never hits");
	bpfy_elf__release(&elf);
}

static void test_rejected_cflags(void)
{
	static const char *const bad[] = {
		"-o", "-MF", "-MD", "-MMD", "-MT", "-fplugin=/tmp/x.so", "-Xclang", "-load",
		"--output=/tmp/x", "@/tmp/flags", "-save-temps", "-Wl,-x", "-B/tmp", "--sysroot=/",
		"-mllvm", "-Wp,-MD,/tmp/x", "extra_input.c",
	};
	struct bpfy_compile_opts opts = opts_for(counting_prog);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };
	const char *flags[1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		flags[0] = bad[i];
		opts.cflags = flags;
		opts.cflag_count = 1;
		CHECK(bpfy_compile(&opts, &elf, &err) < 0, "flag %s accepted", bad[i]);
		CHECK(err.kind == BPFY_ERR_USAGE, "flag %s: kind %d", bad[i], err.kind);
		CHECK(strstr(err.message, bad[i]) != NULL, "message names %s: %s", bad[i],
		      err.message);
	}
}

static void test_allowed_cflags(void)
{
	const char *src = "BPF_ARRAY(vals, u64, 4);\n"
			  "TRACEPOINT_PROBE(sched, sched_process_exec) {\n"
			  "    int k = VALUE_KEY;\n"
			  "    char name[16];\n"
			  "    TP_DATA_LOC_READ_CONST(name, filename, sizeof(name));\n"
			  "    vals.increment(k);\n"
			  "    bpf_trace_printk(\"exec %s %d\\n\", name, args->pid);\n"
			  "    return 0;\n"
			  "}\n";
	static const char *const flags[] = { "-DVALUE_KEY=2", "-Wall", "-O2", "-g" };
	struct bpfy_compile_opts opts = opts_for(src);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	opts.cflags = flags;
	opts.cflag_count = 4;
	CHECK(bpfy_compile(&opts, &elf, &err) == 0, "%s\n%s", err.message, err.log ? err.log : "");
	CHECK(elf.size == 0 || load_elf(&elf) == 0, "loads");
	bpfy_elf__release(&elf);
	bpfy_error__clear(&err);
}

static void test_missing_tracepoint(void)
{
	const char *src = "TRACEPOINT_PROBE(nosuchcat, nosuchevent) { return 0; }\n";
	struct bpfy_compile_opts opts = opts_for(src);
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };

	CHECK(bpfy_compile(&opts, &elf, &err) == -ENOENT, "should fail with ENOENT");
	CHECK(err.kind == BPFY_ERR_USAGE, "kind %d", err.kind);
	CHECK_STR_CONTAINS(err.message, "nosuchcat:nosuchevent");
}

int main(void)
{
	fresh_cache();
	RUN(test_end_to_end);
	RUN(test_compile_error_line);
	RUN(test_missing_kernel_header);
	RUN(test_cache_refused);
	fresh_cache();
	RUN(test_corruption);
	RUN(test_no_cache);
	RUN(test_rejected_cflags);
	RUN(test_allowed_cflags);
	RUN(test_missing_tracepoint);
	nftw(cache_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return TESTUTIL_EXIT();
}
