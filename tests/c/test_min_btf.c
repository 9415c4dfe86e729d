/*
 * The minimal target BTF cached beside each object: loading with it must
 * relocate every instruction exactly as loading with the full kernel BTF,
 * over the dialect corpus and a program using every CO-RE relocation kind
 * the minimal BTF handles; relocations it cannot reproduce get none.
 */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <ftw.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfy.h"
#include "testutil.h"

static char cache_dir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static const char *const cflags[] = { "-DPID=1", "-DFD=3" };

static int compile(const char *src, struct bpfy_elf *elf, struct bpfy_error *err)
{
	struct bpfy_compile_opts opts = {
		.sz = sizeof(opts), .source = src, .source_len = strlen(src),
		.source_name = "test.bpf.c", .cache_dir = cache_dir,
		.cflags = cflags, .cflag_count = 2,
	};

	return bpfy_compile(&opts, elf, err);
}

/* Opens and loads the ELF (typeless functions stay unloaded); NULL if it does not load. */
static struct bpf_object *load(const struct bpfy_elf *elf, const char *btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path);
	struct bpf_program *prog;
	struct bpf_object *obj;

	obj = bpf_object__open_mem(elf->data, elf->size, &opts);
	if (!obj)
		return NULL;
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC)
			bpf_program__set_autoload(prog, false);
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static bool is_map_ref(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW) &&
	       (insn->src_reg == BPF_PSEUDO_MAP_FD || insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
		insn->src_reg == BPF_PSEUDO_MAP_IDX || insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE);
}

/* Same instructions in every loaded program, map fds aside. */
static void compare(const char *what, struct bpf_object *full, struct bpf_object *min)
{
	struct bpf_program *a, *b;

	bpf_object__for_each_program(a, full) {
		const struct bpf_insn *x, *y;
		size_t n;

		if (!bpf_program__autoload(a))
			continue;
		b = bpf_object__find_program_by_name(min, bpf_program__name(a));
		CHECK(b, "%s: program %s missing", what, bpf_program__name(a));
		if (!b)
			continue;
		n = bpf_program__insn_cnt(a);
		CHECK(n == bpf_program__insn_cnt(b), "%s/%s: %zu vs %zu insns", what,
		      bpf_program__name(a), n, bpf_program__insn_cnt(b));
		if (n != bpf_program__insn_cnt(b))
			continue;
		x = bpf_program__insns(a);
		y = bpf_program__insns(b);
		for (size_t i = 0; i < n; i++) {
			bool map = is_map_ref(&x[i]);

			if (map) {	/* fd in imm, 0 in the next insn's imm */
				CHECK(x[i].src_reg == y[i].src_reg, "%s: insn %zu", what, i);
				i++;
				if (i < n)
					CHECK(x[i].imm == y[i].imm, "%s: insn %zu", what, i);
				continue;
			}
			CHECK(!memcmp(&x[i], &y[i], sizeof(x[i])),
			      "%s/%s: insn %zu differs: code %02x off %d imm %d vs code %02x off %d imm %d",
			      what, bpf_program__name(a), i, x[i].code, x[i].off, x[i].imm, y[i].code,
			      y[i].off, y[i].imm);
		}
	}
}

/* Compiles src; when it gets a minimal BTF, loads both ways and compares. 1 if compared. */
static int check_source(const char *what, const char *src)
{
	struct bpfy_elf elf = { 0 };
	struct bpfy_error err = { 0 };
	struct bpf_object *full, *min;
	int compared = 0;

	if (compile(src, &elf, &err)) {
		bpfy_error__clear(&err);
		return 0;	/* error-mode corpus programs */
	}
	if (!elf.btf_path)
		goto out;
	full = load(&elf, NULL);
	min = load(&elf, elf.btf_path);
	CHECK(!full == !min, "%s: loads %s with the full BTF, %s with the minimal one", what,
	      full ? "ok" : "FAILS", min ? "ok" : "FAILS");
	if (full && min) {
		compare(what, full, min);
		compared = 1;
	}
	bpf_object__close(full);
	bpf_object__close(min);
out:
	bpfy_elf__release(&elf);
	return compared;
}

static void test_corpus(void)
{
	const char *root = getenv("BPFY_SOURCE_DIR");
	char dir[4096], path[4400], *text;
	struct dirent **names;
	int n, compared = 0;

	snprintf(dir, sizeof(dir), "%s/tests/dialect/progs", root ? root : ".");
	n = scandir(dir, &names, NULL, alphasort);
	CHECK(n > 0, "no corpus at %s", dir);
	for (int i = 0; i < n; i++) {
		FILE *f;
		long len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		if (!strstr(path, ".c") || !(f = fopen(path, "r")))
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		text = calloc(1, len + 1);
		if (text && fread(text, 1, len, f) == (size_t)len)
			compared += check_source(path, text);
		free(text);
		fclose(f);
	}
	free(names);
	fprintf(stderr, "  %d corpus objects compared\n", compared);
	CHECK(compared >= 10, "only %d corpus objects had a minimal BTF and loaded", compared);
}

/* Every relocation kind the minimal BTF serves, flavors and anonymous members included. */
static const char kinds_prog[] =
	"struct task_struct___mine { int pid; int tgid; } __attribute__((preserve_access_index));\n"
	"struct task_struct___gone { int no_such_field; } __attribute__((preserve_access_index));\n"
	"BPF_ARRAY(out, u64, 16);\n"
	"RAW_TRACEPOINT_PROBE(sys_enter) {\n"
	"    struct task_struct *t = (struct task_struct *)bpf_get_current_task();\n"
	"    struct task_struct___mine *m = (void *)t;\n"
	"    struct sk_buff *skb = (struct sk_buff *)ctx->args[0];\n"
	"    u64 v[12] = {};\n"
	"    v[0] = BPF_CORE_READ(t, real_parent, tgid);\n"
	"    v[1] = BPF_CORE_READ(m, pid);\n"
	"    v[2] = bpf_core_field_exists(((struct task_struct___gone *)t)->no_such_field);\n"
	"    v[3] = bpf_core_field_size(t->comm);\n"
	"    v[4] = bpf_core_type_size(struct task_struct);\n"
	"    v[5] = bpf_core_type_exists(struct bpf_map);\n"
	"    v[6] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);\n"
	"    v[7] = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARENA);\n"
	"    v[8] = BPF_CORE_READ(t, comm[1]);\n"
	"    v[9] = BPF_CORE_READ(skb, len) + BPF_CORE_READ(skb, tstamp);\n"
	"    v[10] = BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork);\n"
	"    v[11] = __CORE_RELO(t, prio, SIGNED);\n"
	"    for (int i = 0; i < 12; i++) { int k = i; out.update(&k, &v[i]); }\n"
	"    return 0;\n"
	"}\n";

static void test_relocation_kinds(void)
{
	CHECK(check_source("kinds", kinds_prog) == 1, "kinds program not compared");
}

/* Relocations the minimal BTF cannot reproduce: no btf_path, the full BTF decides. */
static void test_fallbacks(void)
{
	static const char *const progs[] = {
		/* the kernel's own type id */
		"RAW_TRACEPOINT_PROBE(sys_enter) {\n"
		"    return bpf_core_type_id_kernel(struct task_struct) > 0;\n}\n",
		/* no vmlinux candidate: libbpf would search module BTFs */
		"struct bpfy_no_such_type { int x; } __attribute__((preserve_access_index));\n"
		"RAW_TRACEPOINT_PROBE(sys_enter) {\n"
		"    return bpf_core_type_exists(struct bpfy_no_such_type);\n}\n",
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpfy_elf elf = { 0 };
		struct bpfy_error err = { 0 };
		int rc = compile(progs[i], &elf, &err);

		CHECK(rc == 0, "compile %zu: %s", i, err.message);
		CHECK(rc || !elf.btf_path, "program %zu got a minimal BTF %s", i, elf.btf_path);
		bpfy_elf__release(&elf);
		bpfy_error__clear(&err);
	}
}

/* A cache hit names the same minimal BTF, verified; a damaged one is not used. */
static void test_cache_hit(void)
{
	struct bpfy_elf miss = { 0 }, hit = { 0 }, damaged = { 0 };
	struct bpfy_error err = { 0 };
	FILE *f;

	CHECK(compile(kinds_prog, &miss, &err) == 0, "%s", err.message);
	CHECK(compile(kinds_prog, &hit, &err) == 0, "%s", err.message);
	CHECK(hit.cache_hit && hit.btf_path && miss.btf_path && !strcmp(hit.btf_path, miss.btf_path),
	      "hit %d, paths %s %s", hit.cache_hit, hit.btf_path, miss.btf_path);
	if (hit.btf_path && (f = fopen(hit.btf_path, "r+"))) {
		fseek(f, 40, SEEK_SET);
		fputc(0x5a, f);
		fclose(f);
		CHECK(compile(kinds_prog, &damaged, &err) == 0, "%s", err.message);
		CHECK(damaged.cache_hit && !damaged.btf_path, "damaged minimal BTF used: %s",
		      damaged.btf_path);
	}
	bpfy_elf__release(&miss);
	bpfy_elf__release(&hit);
	bpfy_elf__release(&damaged);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root to load programs\n");
		return 0;
	}
	libbpf_set_print(quiet);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/bpfy-test-minbtf-XXXXXX");
	if (!mkdtemp(cache_dir))
		return 1;
	RUN(test_relocation_kinds);
	RUN(test_fallbacks);
	RUN(test_cache_hit);
	RUN(test_corpus);
	nftw(cache_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return TESTUTIL_EXIT();
}
