/*
 * Replays every input kept for the fuzz targets (fuzz/corpus/<target>/: seeds
 * and what fuzzing added; fuzz/regress/<target>/: inputs that once crashed,
 * leaked or tripped a sanitizer) through the targets' own entry points, in a
 * plain build. Under `make sanitize` the same replay runs with ASan+UBSan.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define LLVMFuzzerTestOneInput fuzz_rewrite_one
#include "../../fuzz/fuzz_rewrite.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tpformat_one
#include "../../fuzz/fuzz_tpformat.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_codec_one
#include "../../fuzz/fuzz_codec.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_syms_one
#include "../../fuzz/fuzz_syms.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_one)(const uint8_t *data, size_t size);

static int replay_dir(const char *dir, fuzz_one one)
{
	struct dirent *ent;
	int replayed = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((ent = readdir(d))) {
		char path[4096];
		unsigned char *data;
		size_t size;
		FILE *f;

		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		size = (size_t)ftell(f);
		fseek(f, 0, SEEK_SET);
		data = malloc(size ? size : 1);
		if (data && fread(data, 1, size, f) == size) {
			one(data, size);	/* aborts on a broken invariant */
			replayed++;
		}
		free(data);
		fclose(f);
	}
	closedir(d);
	return replayed;
}

int main(void)
{
	static const struct { const char *name; fuzz_one one; } targets[] = {
		{ "rewrite", fuzz_rewrite_one }, { "tpformat", fuzz_tpformat_one },
		{ "codec", fuzz_codec_one }, { "syms", fuzz_syms_one },
	};
	const char *root = getenv("BPFY_SOURCE_DIR");
	char dir[4096];
	size_t i;

	if (!root)
		root = ".";
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		int n;

		snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", root, targets[i].name);
		n = replay_dir(dir, targets[i].one);
		snprintf(dir, sizeof(dir), "%s/fuzz/regress/%s", root, targets[i].name);
		n += replay_dir(dir, targets[i].one);
		printf("fuzz_%s: %d inputs replayed\n", targets[i].name, n);
		if (n == 0) {
			fprintf(stderr, "no inputs for fuzz_%s under %s/fuzz\n", targets[i].name, root);
			return 1;
		}
	}
	return 0;
}
