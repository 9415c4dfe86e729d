/* Maps outside a BPF object: create, adopt, reopen by id and pin, type names. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "bpfy.h"
#include "testutil.h"

static void test_type_names(void)
{
	CHECK(strcmp(bpfy_map_type__name(BPF_MAP_TYPE_HASH), "hash") == 0, "hash");
	CHECK(strcmp(bpfy_map_type__name(33), "arena") == 0, "arena is 33");
	CHECK(bpfy_map_type__name(1000) == NULL, "unknown type has no name");
	CHECK(bpfy_map_type__from_name("LPM_TRIE") == BPF_MAP_TYPE_LPM_TRIE, "case");
	CHECK(bpfy_map_type__from_name("BPF_MAP_TYPE_QUEUE") == BPF_MAP_TYPE_QUEUE, "prefix");
	CHECK(bpfy_map_type__from_name("nope") == -EINVAL, "unknown name");
	CHECK(bpfy_map_type__from_name("unspec") == -EINVAL, "unspec is not creatable");
}

static void test_create_use_reopen(void)
{
	struct bpfy_map_create_opts opts = {
		.sz = sizeof(opts), .name = "c_test", .type = BPF_MAP_TYPE_HASH,
		.key_size = 4, .value_size = 8, .max_entries = 4,
	};
	struct bpfy_error error = { 0 };
	const struct bpfy_map_desc *d;
	struct bpfy_map_ref *ref, *again;
	uint32_t key = 7;
	uint64_t value = 99, out = 0;

	ref = bpfy_map_ref__create(&opts, &error);
	CHECK(ref, "create: %s", error.message);
	if (!ref)
		return;
	d = bpfy_map_ref__desc(ref);
	CHECK(d->type == BPF_MAP_TYPE_HASH && d->key_size == 4 && d->value_size == 8 &&
	      d->max_entries == 4 && d->id > 0 && strcmp(d->name, "c_test") == 0, "desc");
	CHECK(d->key_type == NULL && d->value_type == NULL, "no BTF: raw layouts");
	CHECK(bpfy_map__update(d->fd, &key, &value, BPF_ANY) == 0, "update");
	CHECK(bpfy_map__id(d->fd) == (int)d->id, "id");

	again = bpfy_map_ref__from_id(d->id, &error);
	CHECK(again, "from_id: %s", error.message);
	if (again) {
		CHECK(bpfy_map__lookup(bpfy_map_ref__desc(again)->fd, &key, &out, sizeof(out), 0) == 0 &&
		      out == 99, "same map through the id");
		CHECK(bpfy_map_ref__desc(again)->fd != d->fd, "own fd");
		bpfy_map_ref__close(again);
	}
	bpfy_map_ref__close(ref);
	bpfy_map_ref__close(NULL);
}

static void test_create_errors(void)
{
	struct bpfy_map_create_opts opts = {
		.sz = sizeof(opts), .name = "bad", .type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4, .value_size = 8, .max_entries = 0,
	};
	struct bpfy_error error = { 0 };
	int fd;

	CHECK(!bpfy_map_ref__create(&opts, &error) && error.code == EINVAL, "max_entries 0");
	CHECK_STR_CONTAINS(error.message, "creating array map 'bad'");
	CHECK(!bpfy_map_ref__create(NULL, &error), "no opts");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(!bpfy_map_ref__adopt_fd(fd, &error) && error.code == EINVAL, "not a map fd");
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "adopt closes the fd on failure");
}

static void test_pin(void)
{
	struct bpfy_map_create_opts opts = {
		.sz = sizeof(opts), .type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4, .value_size = 4, .max_entries = 2,
	};
	struct bpfy_error error = { 0 };
	struct bpfy_map_ref *ref, *pinned;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/fs/bpf/bpfy-c-test-%d", getpid());
	ref = bpfy_map_ref__create(&opts, &error);
	CHECK(ref, "create: %s", error.message);
	if (!ref)
		return;
	CHECK(bpfy_map__pin(bpfy_map_ref__desc(ref)->fd, path, 0, &error) == 0, "pin: %s",
	      error.message);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	pinned = bpfy_map_ref__open_pinned(path, &error);
	CHECK(pinned && bpfy_map_ref__desc(pinned)->id == bpfy_map_ref__desc(ref)->id,
	      "reopened: %s", error.message);
	bpfy_map_ref__close(pinned);
	CHECK(bpfy_map__unpin(path, &error) == 0, "unpin: %s", error.message);
	CHECK(bpfy_map__unpin(path, &error) == -ENOENT, "unpin twice");
	CHECK(bpfy_map__unpin("/tmp", &error) == -EINVAL, "unpin outside bpffs");
	CHECK(!bpfy_map_ref__open_pinned(path, &error) && error.code == ENOENT, "gone");
	bpfy_map_ref__close(ref);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return 0;
	}
	RUN(test_type_names);
	RUN(test_create_use_reopen);
	RUN(test_create_errors);
	RUN(test_pin);
	return TESTUTIL_EXIT();
}
