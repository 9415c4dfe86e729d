/*
 * Pinning maps in a bpffs: pin with a mode, unpin only BPF objects.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "bpfy.h"

int bpfy_map__pin(int fd, const char *path, uint32_t mode, struct bpfy_error *error)
{
	int err;

	if (!path || !path[0])
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL, "pin: empty path");
	if (strncmp(path, "/sys/fs/bpf", 11) == 0) {
		err = bpfy_bpffs_ensure(error);
		if (err)
			return err;
	}
	if (bpf_obj_pin(fd, path))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "pinning map at '%s'", path);
	if (chmod(path, mode ? mode : 0600)) {
		err = -errno;
		unlink(path);
		return bpfy_error__set(error, BPFY_ERR_OS, err, "chmod of pin '%s'", path);
	}
	return 0;
}

int bpfy_map__unpin(const char *path, struct bpfy_error *error)
{
	struct statfs fs;

	if (statfs(path, &fs))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "unpin '%s'", path);
	if (fs.f_type != BPF_FS_MAGIC)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "unpin '%s': not in a bpffs", path);
	if (unlink(path))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "unpin '%s'", path);
	return 0;
}
