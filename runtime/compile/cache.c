/*
 * The compile cache: a private directory of objects named by content hash.
 * Each object file is "BPFYOB02" + u64 payload size + SHA-256 of the payload
 * + SHA-256 of the object's minimal BTF (zeros: none) + the payload (an ELF);
 * a file that fails the check is treated as absent. The minimal BTF lies
 * beside it as <key>.btf, raw (libbpf reads it by path), and is used only
 * when its content has the digest the object names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define OBJ_MAGIC "BPFYOB02"
#define OBJ_BTF_DIGEST (8 + 8 + BPFY_SHA256_LEN)
#define OBJ_HEADER (OBJ_BTF_DIGEST + BPFY_SHA256_LEN)

static int ensure_parents(const char *path, struct bpfy_error *error)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot create %s: %s",
					       buf, strerror(errno));
		*p = '/';
	}
	return 0;
}

int bpfy_cache__open_dir(const char *requested, char *path, size_t path_size,
			 struct bpfy_error *error)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char objects[4200];
	int n, err;

	if (requested && *requested)
		n = snprintf(path, path_size, "%s", requested);
	else if (xdg && xdg[0] == '/')
		n = snprintf(path, path_size, "%s/bpfy", xdg);
	else if (home && home[0] == '/')
		n = snprintf(path, path_size, "%s/.cache/bpfy", home);
	else
		return bpfy_error__set(error, BPFY_ERR_USAGE, ENOENT,
				       "no cache dir: set XDG_CACHE_HOME or HOME, or pass cache_dir");
	if (n < 0 || (size_t)n >= path_size || (size_t)n + 64 >= sizeof(objects))
		return bpfy_error__set(error, BPFY_ERR_USAGE, ENAMETOOLONG, "cache dir path too long");
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	err = ensure_parents(path, error);
	if (!err)
		err = bpfy_dir__ensure_private(path, error);
	if (err)
		return err;
	snprintf(objects, sizeof(objects), "%s/objects", path);
	return bpfy_dir__ensure_private(objects, error);
}

int bpfy_cache__object_path(const char *cache_dir, const char *key, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/objects/%s.o", cache_dir, key);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int bpfy_cache__btf_path(const char *cache_dir, const char *key, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/objects/%s.btf", cache_dir, key);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int bpfy_cache__check_btf(const char *path, const uint8_t digest[BPFY_SHA256_LEN])
{
	uint8_t actual[BPFY_SHA256_LEN];
	char *file = NULL;
	size_t len;
	int err;

	err = bpfy_file__read(path, &file, &len);
	if (!err)
		err = bpfy_sha256(file, len, actual);
	if (!err && memcmp(actual, digest, BPFY_SHA256_LEN))
		err = -EBADMSG;
	free(file);
	return err;
}

int bpfy_cache__load(const char *path, void **data, size_t *size,
		     uint8_t btf_digest[BPFY_SHA256_LEN])
{
	uint8_t digest[BPFY_SHA256_LEN];
	char *file = NULL;
	uint64_t payload;
	size_t len;
	void *copy;
	int err;

	err = bpfy_file__read(path, &file, &len);
	if (err)
		return err;
	err = -EBADMSG;
	if (len < OBJ_HEADER || memcmp(file, OBJ_MAGIC, 8) != 0)
		goto err_out;
	memcpy(&payload, file + 8, sizeof(payload));
	if (payload != len - OBJ_HEADER)
		goto err_out;
	err = bpfy_sha256(file + OBJ_HEADER, payload, digest);
	if (err)
		goto err_out;
	if (memcmp(digest, file + 16, BPFY_SHA256_LEN) != 0) {
		err = -EBADMSG;
		goto err_out;
	}
	if (btf_digest)
		memcpy(btf_digest, file + OBJ_BTF_DIGEST, BPFY_SHA256_LEN);
	/* shift the payload to the front; the caller frees the block */
	memmove(file, file + OBJ_HEADER, payload);
	copy = realloc(file, payload ? payload : 1);
	*data = copy ? copy : file;
	*size = payload;
	return 0;
err_out:
	free(file);
	return err;
}

int bpfy_cache__store(const char *path, const void *data, size_t size,
		      const uint8_t btf_digest[BPFY_SHA256_LEN])
{
	uint64_t payload = size;
	char *file;
	int err;

	file = malloc(OBJ_HEADER + size);
	if (!file)
		return -ENOMEM;
	memcpy(file, OBJ_MAGIC, 8);
	memcpy(file + 8, &payload, sizeof(payload));
	err = bpfy_sha256(data, size, (uint8_t *)file + 16);
	if (btf_digest)
		memcpy(file + OBJ_BTF_DIGEST, btf_digest, BPFY_SHA256_LEN);
	else
		memset(file + OBJ_BTF_DIGEST, 0, BPFY_SHA256_LEN);
	if (!err) {
		memcpy(file + OBJ_HEADER, data, size);
		err = bpfy_file__write_atomic(path, file, OBJ_HEADER + size, 0600);
	}
	free(file);
	return err;
}
