/* Small file helpers: whole-file reads, atomic writes, private directories. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int bpfy_file__read(const char *path, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t size, got = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto err_out;
	}
	/* tracefs files report size 0: grow as we go */
	size = st.st_size > 0 ? (size_t)st.st_size : 4096;
	buf = malloc(size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto err_out;
	}
	for (;;) {
		if (got == size) {
			char *bigger = realloc(buf, size * 2 + 1);

			if (!bigger) {
				err = -ENOMEM;
				goto err_out;
			}
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + got, size - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto err_out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
err_out:
	free(buf);
	close(fd);
	return err;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bpfy_file__write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4200];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fchmod(fd, mode))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		goto err_out;
	return 0;
err_out:
	unlink(tmp);
	return err;
}

int bpfy_dir__ensure_private(const char *path, struct bpfy_error *error)
{
	struct stat st;

	if (mkdir(path, 0700) && errno != EEXIST)
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot create cache dir %s: %s",
				       path, strerror(errno));
	if (lstat(path, &st))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot stat cache dir %s: %s",
				       path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return bpfy_error__set(error, BPFY_ERR_USAGE, ENOTDIR,
				       "cache dir %s is not a directory", path);
	if (st.st_uid != geteuid())
		return bpfy_error__set(error, BPFY_ERR_USAGE, EACCES,
				       "refusing cache dir %s: owned by uid %u, not by us (uid %u)",
				       path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return bpfy_error__set(error, BPFY_ERR_USAGE, EACCES,
				       "refusing cache dir %s: writable by group or others (mode %04o); "
				       "chmod 700 it or choose another cache_dir",
				       path, (unsigned)(st.st_mode & 07777));
	return 0;
}
