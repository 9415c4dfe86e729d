/* The pseudo filesystems BPF needs: mounted on demand, never assumed. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "bpfy.h"

#define TRACEFS_DIR "/sys/kernel/tracing"
#define BPFFS_DIR "/sys/fs/bpf"

static bool is_fs_type(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == magic;
}

static int ensure_mounted(const char *dir, const char *fstype, long magic,
			  struct bpfy_error *error)
{
	if (is_fs_type(dir, magic))
		return 0;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot create %s: %s", dir,
				       strerror(errno));
	if (mount(fstype, dir, fstype, 0, NULL) && !is_fs_type(dir, magic))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot mount %s at %s: %s",
				       fstype, dir, strerror(errno));
	return 0;
}

const char *bpfy_tracefs_dir(struct bpfy_error *error)
{
	if (ensure_mounted(TRACEFS_DIR, "tracefs", TRACEFS_MAGIC, error))
		return NULL;
	return TRACEFS_DIR;
}

int bpfy_bpffs_ensure(struct bpfy_error *error)
{
	return ensure_mounted(BPFFS_DIR, "bpf", BPF_FS_MAGIC, error);
}
