/* Finding clang and running it: an argv and posix_spawn, never a shell. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Looks name up like execvp would; names with a '/' are taken as paths. */
static int search_path(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *colon;
	char candidate[PATH_MAX];

	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return is_executable(out) ? 0 : -ENOENT;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)(colon - p),
			 colon == p ? "." : p, name);
		if (is_executable(candidate)) {
			snprintf(out, size, "%s", candidate);
			return 0;
		}
	}
	return -ENOENT;
}

int bpfy_clang__find(struct bpfy_clang *clang, struct bpfy_error *error)
{
	const char *name = getenv("BPFY_CLANG");
	char found[PATH_MAX], real[PATH_MAX];
	struct stat st;

	if (!name || !*name)
		name = "clang";
	if (search_path(name, found, sizeof(found)))
		return bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, ENOENT,
				       "clang not found (%s): install clang or set BPFY_CLANG", name);
	if (!realpath(found, real) || stat(real, &st))
		return bpfy_error__set(error, BPFY_ERR_OS, errno, "cannot resolve %s: %s", found,
				       strerror(errno));
	snprintf(clang->path, sizeof(clang->path), "%s", real);
	snprintf(clang->identity, sizeof(clang->identity), "%s|%lld|%lld.%09ld", real,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

/* Reads fd to EOF into a heap buffer. */
static int drain(int fd, char **log, size_t *log_len)
{
	struct bpfy_cbuf buf = { 0 };
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		bpfy_cbuf__append(&buf, chunk, (size_t)n);
	}
	*log_len = buf.len;
	*log = bpfy_cbuf__steal(&buf);
	return *log ? 0 : -ENOMEM;
}

int bpfy_clang__run(const struct bpfy_clang *clang, const char *const *argv, char **log,
		    size_t *log_len, struct bpfy_error *error)
{
	posix_spawn_file_actions_t actions;
	int pipefd[2] = { -1, -1 }, status, err;
	bool actions_ready = false;
	pid_t pid = -1;
	size_t n;
	char **args = NULL;

	*log = NULL;
	*log_len = 0;
	for (n = 0; argv[n]; n++)
		;
	args = calloc(n + 1, sizeof(*args));
	if (!args) {
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		goto err_out;
	}
	memcpy(args, argv, n * sizeof(*args));
	args[0] = (char *)clang->path;
	if (pipe2(pipefd, O_CLOEXEC)) {
		err = bpfy_error__set(error, BPFY_ERR_OS, errno, "pipe: %s", strerror(errno));
		goto err_out;
	}
	err = posix_spawn_file_actions_init(&actions);
	if (err) {
		err = bpfy_error__set(error, BPFY_ERR_OS, err, "posix_spawn: %s", strerror(err));
		goto err_out;
	}
	actions_ready = true;
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
	err = posix_spawn(&pid, clang->path, &actions, NULL, args, environ);
	if (err) {
		pid = -1;
		err = bpfy_error__set(error, BPFY_ERR_OS, err, "cannot run %s: %s", clang->path,
				      strerror(err));
		goto err_out;
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	err = drain(pipefd[0], log, log_len);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = bpfy_error__set(error, BPFY_ERR_OS, errno, "waitpid: %s",
					      strerror(errno));
			goto err_out;
		}
	}
	pid = -1;
	if (err) {
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		goto err_out;
	}
	if (WIFEXITED(status))
		err = WEXITSTATUS(status);
	else
		err = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
err_out:
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (actions_ready)
		posix_spawn_file_actions_destroy(&actions);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(args);
	if (err < 0) {
		free(*log);
		*log = NULL;
		*log_len = 0;
	}
	return err;
}

/* First "error:" line of a clang log, for error->message. */
void bpfy_clang__first_error(const char *log, char *out, size_t size)
{
	const char *p = strstr(log, "error:"), *start, *end;

	if (!p) {
		snprintf(out, size, "clang failed");
		return;
	}
	start = p;
	while (start > log && start[-1] != '\n')
		start--;
	end = strchrnul(p, '\n');
	snprintf(out, size, "%.*s", (int)(end - start), start);
}

size_t bpfy_clang__common_argv(const char **argv, struct bpfy_clang_incs *incs,
			       const char *include_dir, const struct bpfy_kernel *kernel)
{
	size_t n = 0;

	snprintf(incs->compat, sizeof(incs->compat), "-I%s/compat", include_dir);
	snprintf(incs->include, sizeof(incs->include), "-I%s", include_dir);
	snprintf(incs->kernel, sizeof(incs->kernel), "-I%s", kernel->dir);
	argv[n++] = "clang";
	argv[n++] = "-target";
	argv[n++] = "bpf";
	argv[n++] = "-O2";
	argv[n++] = "-g";
	argv[n++] = bpfy_cflags__target_arch();
	for (size_t i = 0; bpfy_cflags__base[i] && n < BPFY_CLANG_COMMON_ARGS - 5; i++)
		argv[n++] = bpfy_cflags__base[i];
	argv[n++] = incs->compat;
	argv[n++] = incs->include;
	argv[n++] = incs->kernel;
	argv[n++] = "-isystem";
	argv[n++] = kernel->sysinc;
	return n;
}
