/*
 * Tables shared between the BPF objects of one process (bcc's
 * BPF_TABLE_PUBLIC / BPF_TABLE_SHARED and BPF_TABLE("extern", ...)).
 *
 * The dialect marks each public table with a BTF VAR `__bpfy_public__<name>`
 * and each extern one with `__bpfy_extern__<name>` (section .bpfy.events,
 * never loaded). A process-wide registry, keyed by the declared name, holds
 * a dup of the fd of every public table of a live object. The loader calls:
 *
 *   bpfy_shared__reuse(obj, error)            after open, before bpf_object__load:
 *                                             each extern map takes the public fd
 *                                             (bpf_map__reuse_fd); a name already
 *                                             public elsewhere cannot be public here
 *   bpfy_shared__publish(obj, owner, error)   after a successful load
 *   bpfy_shared__unpublish(owner)             when the object closes
 *
 * Objects that declared an extern table keep the map through their own fd
 * (libbpf dups it) after the publisher closes; only new objects stop finding it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfy.h"

void bpfy_shared__unpublish(const void *owner);

#define PUBLIC_PREFIX "__bpfy_public__"
#define EXTERN_PREFIX "__bpfy_extern__"

struct shared_table {
	char *name;		/* the declared name (not the kernel's 15-char one) */
	int fd;			/* owned by the registry */
	const void *owner;	/* the object that published it */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_table *registry;
static size_t registry_len, registry_cap;

/* Index of name in the registry, or registry_len. Caller holds the lock. */
static size_t registry_find(const char *name)
{
	size_t i;

	for (i = 0; i < registry_len; i++)
		if (!strcmp(registry[i].name, name))
			return i;
	return registry_len;
}

/*
 * Calls fn(obj, map, name, arg) for every map of obj marked with prefix.
 * Stops at the first non-zero return and returns it.
 */
typedef int (*marked_fn)(struct bpf_object *obj, struct bpf_map *map, const char *name,
			 void *arg);

static int for_each_marked(struct bpf_object *obj, const char *prefix, marked_fn fn, void *arg)
{
	const struct btf *btf = bpf_object__btf(obj);
	size_t plen = strlen(prefix);
	uint32_t id, n;
	int err;

	if (!btf)
		return 0;
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name, *dot;

		if (!btf_is_var(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		dot = name ? strrchr(name, '.') : NULL;	/* function-scope statics: "fn.var" */
		name = dot ? dot + 1 : name;
		if (!name || strncmp(name, prefix, plen) || !name[plen])
			continue;
		err = fn(obj, bpf_object__find_map_by_name(obj, name + plen), name + plen, arg);
		if (err)
			return err;
	}
	return 0;
}

static int reuse_one(struct bpf_object *obj, struct bpf_map *map, const char *name, void *arg)
{
	struct bpfy_error *error = arg;
	size_t i;
	int err;

	if (!map)
		return 0;
	pthread_mutex_lock(&registry_lock);
	i = registry_find(name);
	err = i < registry_len ? bpf_map__reuse_fd(map, registry[i].fd) : -ENOENT;
	pthread_mutex_unlock(&registry_lock);
	if (err == -ENOENT)
		return bpfy_error__set(error, BPFY_ERR_USAGE, ENOENT,
				       "extern table '%s': no BPF object of this process has a public "
				       "table of that name (declare it with BPF_TABLE_PUBLIC or "
				       "BPF_TABLE_SHARED in an object loaded first, and keep that "
				       "object open)", name);
	if (err)
		return bpfy_error__set(error, BPFY_ERR_OS, -err,
				       "extern table '%s': cannot reuse the public table's fd: %s",
				       name, strerror(-err));
	return 0;
}

static int check_free(struct bpf_object *obj, struct bpf_map *map, const char *name, void *arg)
{
	struct bpfy_error *error = arg;
	bool taken;

	pthread_mutex_lock(&registry_lock);
	taken = registry_find(name) < registry_len;
	pthread_mutex_unlock(&registry_lock);
	if (taken)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EEXIST,
				       "public table '%s': another BPF object of this process already "
				       "has a public table of that name (use BPF_TABLE(\"extern\", ...) "
				       "to share it, or close that object first)", name);
	return 0;
}

int bpfy_shared__reuse(struct bpf_object *obj, struct bpfy_error *error)
{
	int err;

	if (!obj)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "bpfy_shared__reuse: no object");
	err = for_each_marked(obj, PUBLIC_PREFIX, check_free, error);
	if (!err)
		err = for_each_marked(obj, EXTERN_PREFIX, reuse_one, error);
	return err;
}

struct publish_args {
	const void *owner;
	struct bpfy_error *error;
};

static int publish_one(struct bpf_object *obj, struct bpf_map *map, const char *name, void *arg)
{
	struct publish_args *args = arg;
	struct shared_table *grown;
	int fd, err = 0;

	if (!map || bpf_map__fd(map) < 0)
		return 0;
	fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return bpfy_error__set(args->error, BPFY_ERR_OS, errno,
				       "public table '%s': dup: %s", name, strerror(errno));
	pthread_mutex_lock(&registry_lock);
	if (registry_find(name) < registry_len) {
		err = -EEXIST;
	} else if (registry_len == registry_cap) {
		size_t cap = registry_cap ? registry_cap * 2 : 8;

		grown = realloc(registry, cap * sizeof(*grown));
		if (grown) {
			registry = grown;
			registry_cap = cap;
		} else {
			err = -ENOMEM;
		}
	}
	if (!err) {
		registry[registry_len].name = strdup(name);
		registry[registry_len].fd = fd;
		registry[registry_len].owner = args->owner;
		if (registry[registry_len].name)
			registry_len++;
		else
			err = -ENOMEM;
	}
	pthread_mutex_unlock(&registry_lock);
	if (err)
		close(fd);
	if (err == -EEXIST)	/* published between reuse() and now by another thread */
		return check_free(obj, map, name, args->error);
	if (err)
		return bpfy_error__set(args->error, BPFY_ERR_OS, ENOMEM, "out of memory");
	return 0;
}

int bpfy_shared__publish(struct bpf_object *obj, const void *owner, struct bpfy_error *error)
{
	struct publish_args args = { .owner = owner, .error = error };
	int err;

	if (!obj || !owner)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "bpfy_shared__publish: object and owner needed");
	err = for_each_marked(obj, PUBLIC_PREFIX, publish_one, &args);
	if (err)
		bpfy_shared__unpublish(owner);	/* all or nothing */
	return err;
}

void bpfy_shared__unpublish(const void *owner)
{
	size_t i = 0;

	if (!owner)
		return;
	pthread_mutex_lock(&registry_lock);
	while (i < registry_len) {
		if (registry[i].owner != owner) {
			i++;
			continue;
		}
		close(registry[i].fd);
		free(registry[i].name);
		registry[i] = registry[--registry_len];
	}
	pthread_mutex_unlock(&registry_lock);
}

/* Key/value type ids of map name as btf's .maps section declares it. 0 or -ENOENT. */
static int declared_btf_ids(const struct btf *btf, const char *name, uint32_t *key_id,
			    uint32_t *value_id)
{
	uint32_t id, n;

	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *v;
		const char *sec;
		uint16_t k;

		if (!btf_is_datasec(t))
			continue;
		sec = btf__name_by_offset(btf, t->name_off);
		if (!sec || strcmp(sec, ".maps"))
			continue;
		for (k = 0, v = btf_var_secinfos(t); k < btf_vlen(t); k++, v++) {
			const struct btf_type *var = btf__type_by_id(btf, v->type);
			const struct btf_type *def;
			const struct btf_member *m;
			const char *vname;
			uint16_t j;

			vname = var ? btf__name_by_offset(btf, var->name_off) : NULL;
			if (!vname || strcmp(vname, name))
				continue;
			def = btf__type_by_id(btf, var->type);
			while (def && (btf_is_mod(def) || btf_is_typedef(def)))
				def = btf__type_by_id(btf, def->type);
			if (!def || !btf_is_struct(def))
				return -ENOENT;
			for (j = 0, m = btf_members(def); j < btf_vlen(def); j++, m++) {
				const char *mname = btf__name_by_offset(btf, m->name_off);
				const struct btf_type *ptr = btf__type_by_id(btf, m->type);

				if (!mname || !ptr || !btf_is_ptr(ptr))
					continue;
				if (!strcmp(mname, "key"))
					*key_id = ptr->type;
				else if (!strcmp(mname, "value"))
					*value_id = ptr->type;
			}
			return 0;
		}
	}
	return -ENOENT;
}

struct extern_match {
	const struct bpf_map *map;
	const char *name;	/* out: the declared name */
};

static int match_extern(struct bpf_object *obj, struct bpf_map *map, const char *name, void *arg)
{
	struct extern_match *m = arg;
	const char *current = bpf_map__name(m->map);
	size_t len = strlen(current);

	/* after bpf_map__reuse_fd the map carries the kernel's name: the declared
	 * one cut to BPF_OBJ_NAME_LEN - 1 = 15 characters */
	if (map == m->map || (len == 15 && !strncmp(name, current, len)) || !strcmp(name, current)) {
		m->name = name;
		return 1;
	}
	return 0;
}

int bpfy_shared__extern_info(struct bpf_object *obj, const struct bpf_map *map,
			     const char **name, uint32_t *key_id, uint32_t *value_id)
{
	struct extern_match m = { .map = map };

	if (!obj || !map || for_each_marked(obj, EXTERN_PREFIX, match_extern, &m) != 1)
		return 0;
	*name = m.name;
	*key_id = *value_id = 0;
	declared_btf_ids(bpf_object__btf(obj), m.name, key_id, value_id);
	return 1;
}
