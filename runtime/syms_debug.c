/*
 * Separate debug files (build-id and .gnu_debuglink, as gdb finds them) and
 * C++ demangling for the symbolizer.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

#include "bpfy.h"

#define DEFAULT_DEBUG_DIRS "/usr/lib/debug"
#define NT_GNU_BUILD_ID_TYPE 3

static pthread_mutex_t debug_lock = PTHREAD_MUTEX_INITIALIZER;
static char *debug_dirs;	/* colon-separated roots, NULL: env or default */

int bpfy_syms__set_debug_dirs(const char *dirs)
{
	char *copy = dirs ? strdup(dirs) : NULL;

	if (dirs && !copy)
		return -ENOMEM;
	pthread_mutex_lock(&debug_lock);
	free(debug_dirs);
	debug_dirs = copy;
	pthread_mutex_unlock(&debug_lock);
	return 0;
}

/* A heap copy of the current roots. */
static char *current_debug_dirs(void)
{
	const char *env = getenv("BPFY_DEBUG_DIRS");
	char *copy;

	pthread_mutex_lock(&debug_lock);
	copy = strdup(debug_dirs ? debug_dirs : env && *env ? env : DEFAULT_DEBUG_DIRS);
	pthread_mutex_unlock(&debug_lock);
	return copy;
}

/* The GNU build-id note of elf in hex into out (2 * 20 + 1 at least); 0 or -ENOENT. */
static int read_build_id(Elf *elf, char *out, size_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr note;
		size_t offset = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		while ((offset = gelf_getnote(data, offset, &note, &name_off, &desc_off))) {
			const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;

			if (note.n_type != NT_GNU_BUILD_ID_TYPE || note.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) ||
			    note.n_descsz * 2 + 1 > size || note.n_descsz < 2)
				continue;
			for (size_t i = 0; i < note.n_descsz; i++)
				snprintf(out + 2 * i, 3, "%02x", desc[i]);
			return 0;
		}
	}
	return -ENOENT;
}

/* .gnu_debuglink's file name and CRC32; 0 or -ENOENT. */
static int read_debuglink(Elf *elf, char *name, size_t size, uint32_t *crc)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		const char *secname;
		size_t len;

		if (!gelf_getshdr(scn, &shdr) ||
		    !(secname = elf_strptr(elf, shstrndx, shdr.sh_name)) ||
		    strcmp(secname, ".gnu_debuglink") || !(data = elf_getdata(scn, NULL)))
			continue;
		len = strnlen(data->d_buf, data->d_size);
		if (!len || len >= size || data->d_size < ((len + 4) & ~(size_t)3) + 4)
			return -ENOENT;
		memcpy(name, data->d_buf, len + 1);
		memcpy(crc, (const char *)data->d_buf + ((len + 4) & ~(size_t)3), 4);
		return 0;
	}
	return -ENOENT;
}

static bool file_crc_is(const char *path, uint32_t want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, (uInt)n);
	close(fd);
	return n == 0 && (uint32_t)crc == want;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static char *found(const char *candidate, const char *path)
{
	if (access(candidate, R_OK) || same_file(candidate, path))
		return NULL;
	return strdup(candidate);
}

/* A debuglink candidate: readable, not the file itself, CRC matching. */
static char *linked(const char *candidate, const char *path, bool have_crc, uint32_t crc)
{
	if (have_crc && !file_crc_is(candidate, crc))
		return NULL;
	return found(candidate, path);
}

/* The first root under which fmt (given root, a, b) names a usable file. */
static char *under_roots(const char *fmt, const char *a, const char *b, const char *path,
			 bool is_link, bool have_crc, uint32_t crc)
{
	char *roots = current_debug_dirs(), *save = NULL, *root, *hit = NULL;
	char candidate[PATH_MAX + 512];

	for (root = roots ? strtok_r(roots, ":", &save) : NULL; root && !hit;
	     root = strtok_r(NULL, ":", &save)) {
		snprintf(candidate, sizeof(candidate), fmt, root, a, b);
		hit = is_link ? linked(candidate, path, have_crc, crc) : found(candidate, path);
	}
	free(roots);
	return hit;
}

/* A path seen through /proc/PID/root as the process names it. */
static const char *in_own_root(const char *path)
{
	const char *p = path;

	if (strncmp(p, "/proc/", 6))
		return path;
	p += 6;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > path + 6 && !strncmp(p, "/root/", 6) ? p + 5 : path;
}

/*
 * gdb's order: ROOT/.build-id/xx/rest.debug for each root; then the
 * debuglink name next to the file, in its .debug/ subdirectory, and under
 * ROOT/<the file's directory>/ for each root.
 */
static char *search(const char *path, const char *build_id, const char *link, bool have_crc,
		    uint32_t crc)
{
	const char *slash = strrchr(path, '/');
	char candidate[PATH_MAX + 512], dir[PATH_MAX];
	char *hit = NULL;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + 1) : 0, path);
	if (*build_id)
		hit = under_roots("%s/.build-id/%.2s/%s.debug", build_id, build_id + 2, path, false,
				  false, 0);
	if (hit || !*link)
		return hit;
	snprintf(candidate, sizeof(candidate), "%s%s", dir, link);
	hit = linked(candidate, path, have_crc, crc);
	if (!hit) {
		snprintf(candidate, sizeof(candidate), "%s.debug/%s", dir, link);
		hit = linked(candidate, path, have_crc, crc);
	}
	if (!hit && dir[0] == '/')
		hit = under_roots("%s%s%s", in_own_root(dir), link, path, true, have_crc, crc);
	return hit;
}

char *bpfy_elf__debug_file(const char *path, void *elf_handle)
{
	Elf *elf = elf_handle;
	char build_id[2 * 64 + 1] = "", link[256] = "";
	uint32_t crc = 0;
	bool have_crc;
	char *hit;
	int fd = -1;

	if (!elf) {
		elf_version(EV_CURRENT);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return NULL;
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		if (!elf) {
			close(fd);
			errno = ENOEXEC;
			return NULL;
		}
	}
	read_build_id(elf, build_id, sizeof(build_id));
	have_crc = !read_debuglink(elf, link, sizeof(link), &crc);
	hit = search(path, build_id, link, have_crc, crc);
	if (fd >= 0) {
		elf_end(elf);
		close(fd);
	}
	if (!hit)
		errno = ENOENT;
	return hit;
}

int bpfy_elf__build_id(const char *path, char *out, size_t size)
{
	Elf *elf;
	int fd, err;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = elf ? read_build_id(elf, out, size) : -ENOEXEC;
	elf_end(elf);
	close(fd);
	return err;
}

/* --------------------------------------------------------- demangling */

typedef char *(*cxa_demangle_fn)(const char *name, char *buf, size_t *len, int *status);

static cxa_demangle_fn cxa_demangle;
static pthread_once_t demangle_once = PTHREAD_ONCE_INIT;

/* libstdc++'s abi::__cxa_demangle, found at run time: the runtime is C and
 * links no C++ library; a system without libstdc++ shows mangled names. */
static void find_demangler(void)
{
	void *lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

	if (lib)
		cxa_demangle = (cxa_demangle_fn)dlsym(lib, "__cxa_demangle");
}

char *bpfy_demangle(const char *name)
{
	int status = -1;
	char *out;

	if (!name || strncmp(name, "_Z", 2)) {
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&demangle_once, find_demangler);
	if (!cxa_demangle) {
		errno = ENOSYS;
		return NULL;
	}
	out = cxa_demangle(name, NULL, NULL, &status);
	if (status) {
		free(out);
		errno = status == -1 ? ENOMEM : EINVAL;
		return NULL;
	}
	return out;
}
