/*
 * Maps outside a BPF object: created from user space, opened from a pin or
 * by id. A ref owns its fd and the BTF that describes its key and value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include "internal.h"
#include "layout.h"

struct bpfy_map_ref {
	struct bpfy_map_desc desc;
	char name[BPF_OBJ_NAME_LEN];
	struct btf *btf;		/* owned, may be NULL */
	struct bpfy_layouts *layouts;	/* owned, over btf */
};

void bpfy_map_ref__close(struct bpfy_map_ref *ref)
{
	if (!ref)
		return;
	if (ref->desc.fd >= 0)
		close(ref->desc.fd);
	bpfy_layouts__free(ref->layouts);
	btf__free(ref->btf);
	free(ref);
}

const struct bpfy_map_desc *bpfy_map_ref__desc(const struct bpfy_map_ref *ref)
{
	return &ref->desc;
}

/* True when fd is a BPF map (its anon inode says so). */
static bool is_map_fd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:bpf-map") == 0;
}

/*
 * The map's BTF, fetched from the kernel by id. It is parsed again from a
 * copy marked as written: valgrind cannot see that the kernel filled the
 * raw data, and everything libbpf derives from it would look uninitialised.
 */
static struct btf *load_kernel_btf(uint32_t id)
{
	struct btf *fetched = btf__load_from_kernel_by_id(id), *parsed;
	const void *raw;
	__u32 size;

	if (!fetched)
		return NULL;
	raw = btf__raw_data(fetched, &size);
	mark_kernel_filled(raw, size);
	parsed = raw ? btf__new(raw, size) : NULL;	/* btf__new copies */
	btf__free(fetched);
	return parsed;
}

/* Key/value layouts from the map's BTF; a map without BTF keeps NULLs. */
static void describe_types(struct bpfy_map_ref *ref, const struct bpf_map_info *info)
{
	if (!info->btf_id)
		return;
	ref->btf = load_kernel_btf(info->btf_id);
	if (!ref->btf)
		return;
	ref->layouts = bpfy_layouts__new(ref->btf);
	if (!ref->layouts)
		return;
	if (info->btf_key_type_id)
		ref->desc.key_type = bpfy_layouts__get(ref->layouts, info->btf_key_type_id);
	if (info->btf_value_type_id)
		ref->desc.value_type = bpfy_layouts__get(ref->layouts, info->btf_value_type_id);
}

struct bpfy_map_ref *bpfy_map_ref__adopt_fd(int fd, struct bpfy_error *error)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct bpfy_map_ref *ref;
	int err;

	if (fd < 0 || !is_map_fd(fd)) {
		err = bpfy_error__set(error, BPFY_ERR_USAGE, fd < 0 ? EBADF : EINVAL,
				      "fd %d is not a BPF map", fd);
		goto err_out;
	}
	ref = calloc(1, sizeof(*ref));
	if (!ref) {
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		goto err_out;
	}
	ref->desc.fd = fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = bpfy_error__set(error, BPFY_ERR_OS, errno, "reading the info of map fd %d",
				      fd);
		bpfy_map_ref__close(ref);
		errno = -err;
		return NULL;
	}
	memcpy(ref->name, info.name, sizeof(ref->name) - 1);
	ref->desc.name = ref->name;
	ref->desc.type = info.type;
	ref->desc.key_size = info.key_size;
	ref->desc.value_size = info.value_size;
	ref->desc.max_entries = info.max_entries;
	ref->desc.map_flags = info.map_flags;
	ref->desc.id = info.id;
	describe_types(ref, &info);
	return ref;

err_out:
	if (fd >= 0)
		close(fd);
	errno = -err;
	return NULL;
}

/* BTF fd and type ids of the map `like_fd`, for a map with the same types. */
static int borrow_btf(int like_fd, struct bpf_map_create_opts *opts)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (bpf_obj_get_info_by_fd(like_fd, &info, &len))
		return -errno;
	if (!info.btf_id)
		return 0;
	fd = bpf_btf_get_fd_by_id(info.btf_id);
	if (fd < 0)
		return -errno;
	opts->btf_fd = fd;
	opts->btf_key_type_id = info.btf_key_type_id;
	opts->btf_value_type_id = info.btf_value_type_id;
	return 0;
}

struct bpfy_map_ref *bpfy_map_ref__create(const struct bpfy_map_create_opts *opts,
					  struct bpfy_error *error)
{
	LIBBPF_OPTS(bpf_map_create_opts, kopts);
	const char *tname;
	char name[BPF_OBJ_NAME_LEN] = "";
	int fd, err;

	if (!opts || opts->sz < offsetof(struct bpfy_map_create_opts, btf_like_fd)) {
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "bad map create options");
		return NULL;
	}
	tname = bpfy_map_type__name(opts->type);
	if (opts->name)
		snprintf(name, sizeof(name), "%s", opts->name);
	kopts.map_flags = opts->map_flags;
	kopts.map_extra = opts->map_extra;
	if (opts->inner_map_fd > 0)
		kopts.inner_map_fd = opts->inner_map_fd;
	if (opts->sz > offsetof(struct bpfy_map_create_opts, btf_like_fd) &&
	    opts->btf_like_fd > 0) {
		err = borrow_btf(opts->btf_like_fd, &kopts);
		if (err) {
			bpfy_error__set(error, BPFY_ERR_OS, err, "map '%s': reading the BTF of the "
					"template map", name);
			return NULL;
		}
	}
	fd = bpf_map_create(opts->type, name[0] ? name : NULL, opts->key_size, opts->value_size,
			    opts->max_entries, &kopts);
	err = fd < 0 ? -errno : 0;
	if (kopts.btf_fd > 0)
		close(kopts.btf_fd);
	if (err) {
		bpfy_error__set(error, err == -EINVAL || err == -E2BIG ? BPFY_ERR_USAGE : BPFY_ERR_OS,
				err, "creating %s map '%s' (key %u, value %u, max_entries %u, "
				"flags 0x%x)", tname ? tname : "unknown-type", name, opts->key_size,
				opts->value_size, opts->max_entries, opts->map_flags);
		return NULL;
	}
	return bpfy_map_ref__adopt_fd(fd, error);
}

struct bpfy_map_ref *bpfy_map_ref__from_id(uint32_t id, struct bpfy_error *error)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0) {
		bpfy_error__set(error, BPFY_ERR_OS, errno, "opening map id %u", id);
		return NULL;
	}
	return bpfy_map_ref__adopt_fd(fd, error);
}

struct bpfy_map_ref *bpfy_map_ref__open_pinned(const char *path, struct bpfy_error *error)
{
	int fd = bpf_obj_get(path);

	if (fd < 0) {
		bpfy_error__set(error, BPFY_ERR_OS, errno, "opening pinned map '%s'", path);
		return NULL;
	}
	if (!is_map_fd(fd)) {
		close(fd);
		bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "'%s' is pinned but not a map", path);
		return NULL;
	}
	return bpfy_map_ref__adopt_fd(fd, error);
}

int bpfy_map__id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	return (int)info.id;
}

