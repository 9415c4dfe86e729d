/*
 * Runtime C test of events against the running kernel: a raw_tp program
 * (pid-filtered, one syscall number) writes into a perf buffer and a ring
 * buffer; the records are drained through the runtime API (wait + consume
 * with sinks, bulk copy), from every CPU, in order for the ring, with a
 * sink that stops a drain, and with perf losses counted exactly.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "bpfy.h"
#include "testutil.h"

#define BURST 600

static const char program[] =
	"struct rec { u64 seq; u32 pid; u32 cpu; };\n"
	"BPF_PERF_OUTPUT(events);\n"
	"BPF_RINGBUF_OUTPUT(rb, 16);\n"
	"BPF_PERF_OUTPUT(pfull);\n"
	"u64 seq;\n"
	"RAW_TRACEPOINT_PROBE(sys_enter) {\n"
	"    struct rec r = {};\n"
	"    if ((bpf_get_current_pid_tgid() >> 32) != TARGET_PID) return 0;\n"
	"    r.pid = TARGET_PID;\n"
	"    r.cpu = bpf_get_smp_processor_id();\n"
	"    if (ctx->args[1] == NR_ONE) {\n"
	"        r.seq = __sync_fetch_and_add(&seq, 1);\n"
	"        events.perf_submit(ctx, &r, sizeof(r));\n"
	"        rb.ringbuf_output(&r, sizeof(r), 0);\n"
	"    } else if (ctx->args[1] == NR_BURST) {\n"
	"        for (int i = 0; i < BURST; i++) {\n"
	"            r.seq = i;\n"
	"            pfull.perf_submit(ctx, &r, sizeof(r));\n"
	"        }\n"
	"    }\n"
	"    return 0;\n"
	"}\n";

struct rec {
	uint64_t seq;
	uint32_t pid;
	uint32_t cpu;
};

static char cache_dir[] = "/tmp/bpfy-test-events-XXXXXX";
static int cpus[256], ncpus;
static struct bpfy_object *the_obj;

static struct bpfy_object *build(struct bpfy_error *error)
{
	struct bpfy_compile_opts copts = { .sz = sizeof(copts) };
	struct bpfy_elf elf = {};
	struct bpfy_object *obj;
	char flags[4][64];
	const char *cflags[4] = { flags[0], flags[1], flags[2], flags[3] };

	snprintf(flags[0], sizeof(flags[0]), "-DTARGET_PID=%d", getpid());
	snprintf(flags[1], sizeof(flags[1]), "-DNR_ONE=%d", SYS_getppid);
	snprintf(flags[2], sizeof(flags[2]), "-DNR_BURST=%d", SYS_getpgrp);
	snprintf(flags[3], sizeof(flags[3]), "-DBURST=%d", BURST);
	copts.source = program;
	copts.source_len = strlen(program);
	copts.source_name = "test_events.c";
	copts.include_dir = getenv("BPFY_INCLUDE_DIR");
	copts.cache_dir = cache_dir;
	copts.cflags = cflags;
	copts.cflag_count = 4;
	if (bpfy_compile(&copts, &elf, error))
		return NULL;
	obj = bpfy_object__open_elf(elf.data, elf.size, NULL, error);
	bpfy_elf__release(&elf);
	return obj;
}

/* `count` syscalls `nr` from this thread pinned to `cpu`. */
static void syscalls_on(int cpu, long nr, int count)
{
	cpu_set_t set, old;

	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (int i = 0; i < count; i++)
		syscall(nr);
	sched_setaffinity(0, sizeof(old), &old);
}

struct collected {
	struct rec recs[4096];
	int cpu_of[4096];
	uint32_t sizes[4096];
	int n;
	uint64_t lost;
	int lost_calls;
	int stop_after;		/* > 0: return -42 when n reaches it */
};

static int on_record(void *ctx, int cpu, const void *data, uint32_t size)
{
	struct collected *c = ctx;

	if (c->n < 4096) {
		memset(&c->recs[c->n], 0, sizeof(c->recs[0]));
		memcpy(&c->recs[c->n], data, size < sizeof(struct rec) ? size : sizeof(struct rec));
		c->cpu_of[c->n] = cpu;
		c->sizes[c->n] = size;
	}
	c->n++;
	return c->stop_after && c->n == c->stop_after ? -42 : 0;
}

static int on_lost(void *ctx, int cpu, uint64_t count)
{
	struct collected *c = ctx;

	c->lost += count;
	c->lost_calls++;
	return 0;
}

/* Waits and drains `kinds` until `want` records arrived (or 50 waits). */
static void drain_until(struct bpfy_events *events, unsigned int kinds, struct collected *c,
			int want)
{
	for (int i = 0; i < 50 && c->n < want; i++) {
		long n = bpfy_events__consume(events, kinds);

		CHECK(n >= 0, "consume: %ld", n);
		if (c->n < want)
			bpfy_events__wait(events, kinds, 100);
	}
}

static void test_delivery(void)
{
	struct bpfy_object *obj = the_obj;

	struct bpfy_map *events_map = bpfy_object__map_by_name(obj, "events");
	struct bpfy_map *rb_map = bpfy_object__map_by_name(obj, "rb");
	static struct collected perf, ring;
	struct bpfy_event_sink perf_sink = { on_record, on_lost, &perf };
	struct bpfy_event_sink ring_sink = { on_record, NULL, &ring };
	struct bpfy_perf_buffer_opts opts = { .sz = sizeof(opts), .page_cnt = 8 };
	struct bpfy_error error = {};
	struct bpfy_events *events = bpfy_events__new(&error);
	struct bpfy_event_source *ps, *rs;
	const struct bpfy_type *type;
	int want = 40 * ncpus, seen[256] = { 0 };

	CHECK(events && events_map && rb_map, "%s", error.message);
	if (!events || !events_map || !rb_map)
		goto out;
	type = bpfy_map__desc(events_map)->event_type;
	CHECK(type && !strcmp(type->name, "struct rec") && type->size == 16,
	      "perf_submit's type on the map desc: %s", type ? type->name : "(none)");
	type = bpfy_map__desc(rb_map)->event_type;
	CHECK(type && !strcmp(type->name, "struct rec"), "ringbuf_output's type: %s",
	      type ? type->name : "(none)");
	CHECK(bpfy_events__fd(events, BPFY_EVENTS_ALL) > 2, "epoll fd above stdio");
	ps = bpfy_events__add_perf_buffer(events, bpfy_map__desc(events_map)->fd, "events", &opts,
					  &perf_sink, &error);
	CHECK(ps, "perf buffer: %s", error.message);
	rs = bpfy_events__add_ring_buffer(events, bpfy_map__desc(rb_map)->fd, "rb", &ring_sink,
					  &error);
	CHECK(rs, "ring buffer: %s", error.message);
	if (!ps || !rs)
		goto out;
	CHECK(bpfy_events__count(events, BPFY_EVENTS_ALL) == 2, "two sources with sinks");
	CHECK(bpfy_event_source__capacity(rs) == 16 * 4096, "ring capacity %zu",
	      bpfy_event_source__capacity(rs));
	CHECK(bpfy_events__wait(events, BPFY_EVENTS_ALL, 0) == 0, "nothing to wait for yet");

	for (int i = 0; i < ncpus; i++)
		syscalls_on(cpus[i], SYS_getppid, 40);
	CHECK(bpfy_events__wait(events, BPFY_EVENTS_RING, 1000) > 0, "ring fd readable");
	drain_until(events, BPFY_EVENTS_ALL, &perf, want);
	drain_until(events, BPFY_EVENTS_ALL, &ring, want);
	CHECK(perf.n == want, "perf records %d of %d", perf.n, want);
	CHECK(ring.n == want, "ring records %d of %d", ring.n, want);
	for (int i = 0; i < perf.n && i < 4096; i++) {
		CHECK(perf.recs[i].pid == (uint32_t)getpid() && perf.cpu_of[i] == (int)perf.recs[i].cpu,
		      "perf record %d: pid %u, cpu %d vs %u", i, perf.recs[i].pid, perf.cpu_of[i],
		      perf.recs[i].cpu);
		CHECK(perf.sizes[i] >= sizeof(struct rec), "perf size %u", perf.sizes[i]);
		if (perf.cpu_of[i] >= 0 && perf.cpu_of[i] < 256)
			seen[perf.cpu_of[i]]++;
	}
	for (int i = 0; i < ncpus; i++)
		CHECK(seen[cpus[i]] == 40, "cpu %d: %d perf records", cpus[i], seen[cpus[i]]);
	for (int i = 1; i < ring.n && i < 4096; i++)
		CHECK(ring.recs[i].seq == ring.recs[i - 1].seq + 1 && ring.cpu_of[i] == -1 &&
			      ring.sizes[i] == sizeof(struct rec),
		      "ring order at %d: %llu after %llu", i, (unsigned long long)ring.recs[i].seq,
		      (unsigned long long)ring.recs[i - 1].seq);
	CHECK(bpfy_event_source__lost(ps) == 0 && bpfy_event_source__lost(rs) == 0, "no loss");
	CHECK(bpfy_events__consume(events, BPFY_EVENTS_ALL) == 0, "drained");
out:
	bpfy_error__clear(&error);
	bpfy_events__free(events);
}

static void test_stop_and_budget(void)
{
	struct bpfy_object *obj = the_obj;

	struct bpfy_map *rb_map = bpfy_object__map_by_name(obj, "rb");
	static struct collected c;
	struct bpfy_event_sink sink = { on_record, NULL, &c };
	struct bpfy_error error = {};
	struct bpfy_events *events = bpfy_events__new(&error);
	struct bpfy_event_source *rs;
	long n;

	rs = events ? bpfy_events__add_ring_buffer(events, bpfy_map__desc(rb_map)->fd, "rb", &sink,
						   &error)
		    : NULL;
	CHECK(rs, "%s", error.message);
	if (!rs)
		goto out;
	bpfy_event_source__consume(rs, NULL, 0);	/* earlier leftovers */
	c.n = 0;
	c.stop_after = 3;
	syscalls_on(cpus[0], SYS_getppid, 10);
	n = bpfy_events__consume(events, BPFY_EVENTS_RING);
	CHECK(n == -42 && c.n == 3, "a sink's stop code ends the drain: %ld after %d", n, c.n);
	c.stop_after = 0;
	n = bpfy_event_source__consume(rs, NULL, 4);
	CHECK(n == 4 && c.n == 7, "budget of 4: %ld", n);
	n = bpfy_event_source__consume(rs, NULL, 0);
	CHECK(n == 3 && c.n == 10, "the rest: %ld", n);
	for (int i = 1; i < c.n; i++)
		CHECK(c.recs[i].seq == c.recs[i - 1].seq + 1, "order kept across stops at %d", i);
out:
	bpfy_error__clear(&error);
	bpfy_events__free(events);
}

static void test_bulk_copy(void)
{
	struct bpfy_object *obj = the_obj;

	struct bpfy_map *rb_map = bpfy_object__map_by_name(obj, "rb");
	struct bpfy_map *events_map = bpfy_object__map_by_name(obj, "events");
	struct bpfy_perf_buffer_opts opts = { .sz = sizeof(opts), .page_cnt = 4 };
	struct bpfy_error error = {};
	struct bpfy_events *events = bpfy_events__new(&error);
	struct bpfy_event_source *rs, *ps;
	struct rec recs[100];
	unsigned char wide[10][24];
	uint64_t cut[10];
	long n, m;

	rs = events ? bpfy_events__add_ring_buffer(events, bpfy_map__desc(rb_map)->fd, "rb", NULL,
						   &error)
		    : NULL;
	ps = rs ? bpfy_events__add_perf_buffer(events, bpfy_map__desc(events_map)->fd, "events",
					       &opts, NULL, &error)
		: NULL;
	CHECK(ps, "%s", error.message);
	if (!ps)
		goto out;
	CHECK(bpfy_events__count(events, BPFY_EVENTS_ALL) == 0, "no sinks: consume skips them");
	syscalls_on(cpus[0], SYS_getppid, 100);
	n = bpfy_event_source__copy(rs, recs, sizeof(struct rec), 30);
	m = bpfy_event_source__copy(rs, recs + 30, sizeof(struct rec), 100);
	CHECK(n == 30 && m == 70, "ring copy in two calls: %ld + %ld", n, m);
	for (int i = 1; i < 100; i++)
		CHECK(recs[i].seq == recs[i - 1].seq + 1 && recs[i].pid == (uint32_t)getpid(),
		      "ring copy order at %d", i);
	n = bpfy_event_source__copy(ps, recs, sizeof(struct rec), 100);
	CHECK(n == 100, "perf copy: %ld", n);
	for (int i = 1; i < 100; i++)
		CHECK(recs[i].seq == recs[i - 1].seq + 1 && recs[i].cpu == (uint32_t)cpus[0],
		      "perf copy order at %d", i);
	CHECK(bpfy_event_source__copy(ps, recs, sizeof(struct rec), 100) == 0, "perf drained");

	syscalls_on(cpus[0], SYS_getppid, 10);
	CHECK(bpfy_event_source__copy(rs, cut, sizeof(cut[0]), 10) == 10, "ring, cut to 8 bytes");
	CHECK(bpfy_event_source__copy(ps, wide, sizeof(wide[0]), 10) == 10, "perf, padded to 24");
	for (int i = 0; i < 10; i++) {
		static const unsigned char zeros[8];
		uint64_t seq;

		memcpy(&seq, wide[i], sizeof(seq));
		CHECK(cut[i] == seq && !memcmp(wide[i] + 16, zeros, 8),
		      "slot %d: %llu vs %llu, padding zeroed", i, (unsigned long long)cut[i],
		      (unsigned long long)seq);
	}
	CHECK(bpfy_event_source__copy(rs, recs, 0, 1) == -EINVAL, "record size 0");
out:
	bpfy_error__clear(&error);
	bpfy_events__free(events);
}

static void test_perf_losses_exact(void)
{
	struct bpfy_object *obj = the_obj;

	struct bpfy_map *pfull = bpfy_object__map_by_name(obj, "pfull");
	static struct collected c;
	struct bpfy_event_sink sink = { on_record, on_lost, &c };
	struct bpfy_perf_buffer_opts opts = { .sz = sizeof(opts), .page_cnt = 1 };
	struct bpfy_error error = {};
	struct bpfy_events *events = bpfy_events__new(&error);
	struct bpfy_event_source *ps;
	uint64_t lost, first;

	ps = events ? bpfy_events__add_perf_buffer(events, bpfy_map__desc(pfull)->fd, "pfull",
						   &opts, &sink, &error)
		    : NULL;
	CHECK(ps, "%s", error.message);
	if (!ps)
		goto out;
	syscalls_on(cpus[0], SYS_getpgrp, 1);	/* BURST records into one page */
	CHECK(bpfy_events__consume(events, BPFY_EVENTS_PERF) == c.n, "consume count");
	lost = bpfy_event_source__lost(ps);
	CHECK(lost > 0 && c.n + lost == BURST,
	      "exact before the kernel announces it: %d delivered + %llu lost of %d", c.n,
	      (unsigned long long)lost, BURST);
	CHECK(c.lost_calls == 0, "no notice without a later record");
	first = lost;
	/* the first burst's notice, then what fits, then new (unannounced) drops */
	syscalls_on(cpus[0], SYS_getpgrp, 1);
	bpfy_events__consume(events, BPFY_EVENTS_PERF);
	lost = bpfy_event_source__lost(ps);
	CHECK(c.n + lost == 2 * BURST, "%d delivered + %llu lost of %d", c.n,
	      (unsigned long long)lost, 2 * BURST);
	CHECK(c.lost == first && c.lost_calls == 1, "one notice of %llu: %d notices of %llu",
	      (unsigned long long)first, c.lost_calls, (unsigned long long)c.lost);
out:
	bpfy_error__clear(&error);
	bpfy_events__free(events);
}

static void test_bad_input(void)
{
	struct bpfy_object *obj = the_obj;

	struct bpfy_map *events_map = bpfy_object__map_by_name(obj, "events");
	struct bpfy_perf_buffer_opts opts = { .sz = sizeof(opts), .page_cnt = 3 };
	struct bpfy_error error = {};
	struct bpfy_events *events = bpfy_events__new(&error);

	CHECK(!bpfy_events__add_perf_buffer(events, bpfy_map__desc(events_map)->fd, "events", &opts,
					    NULL, &error) &&
		      error.kind == BPFY_ERR_USAGE && strstr(error.message, "power of two"),
	      "page_cnt 3: %s", error.message);
	bpfy_error__clear(&error);
	CHECK(!bpfy_events__add_ring_buffer(events, bpfy_map__desc(events_map)->fd, "events", NULL,
					    &error) &&
		      strstr(error.message, "events"),
	      "a perf map is not a ring: %s", error.message);
	bpfy_error__clear(&error);
	bpfy_events__free(events);
}

int main(void)
{
	struct bpfy_error error = {};
	struct bpfy_object *obj;
	struct bpfy_link *link;
	cpu_set_t set;
	char command[128];

	if (getuid() != 0) {
		printf("skipped: needs root\n");
		return 0;
	}
	if (!mkdtemp(cache_dir))
		return 1;
	sched_getaffinity(0, sizeof(set), &set);
	for (int cpu = 0; cpu < CPU_SETSIZE && ncpus < 256; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[ncpus++] = cpu;
	the_obj = obj = build(&error);
	CHECK(obj, "%s\n%s", error.message, error.log ? error.log : "");
	link = obj ? bpfy_prog__attach_auto(bpfy_object__prog_by_name(obj, "raw_tracepoint__sys_enter"),
					    &error)
		   : NULL;
	CHECK(!obj || link, "attach: %s", error.message);
	if (link) {
		RUN(test_delivery);
		RUN(test_stop_and_budget);
		RUN(test_bulk_copy);
		RUN(test_perf_losses_exact);
		RUN(test_bad_input);
	}
	bpfy_link__destroy(link);
	bpfy_object__close(obj);
	bpfy_error__clear(&error);
	snprintf(command, sizeof(command), "rm -rf %s", cache_dir);
	if (system(command))
		testutil_failures++;
	return TESTUTIL_EXIT();
}
