/*
 * C reference for bench/startup.py: libbpf alone opens, loads and attaches
 * an ELF object, then tears it down, N times. Prints the median in ms.
 *
 *   startup_ref <object.o> <iterations>
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define PAUSE_US 50000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *data;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	data = malloc(len);
	if (data && fread(data, 1, len, f) != (size_t)len) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*size = len;
	return data;
}

/* open + load + attach every program; returns ms spent or -1 */
static double one_round(const void *elf, size_t size)
{
	struct bpf_link *links[64];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int nr_links = 0;
	double start = now_ms(), elapsed;

	obj = bpf_object__open_mem(elf, size, NULL);
	if (!obj || bpf_object__load(obj))
		return -1;
	bpf_object__for_each_program(prog, obj) {
		if (nr_links < 64)
			links[nr_links] = bpf_program__attach(prog);
		if (!links[nr_links])
			return -1;
		nr_links++;
	}
	elapsed = now_ms() - start;
	for (int i = 0; i < nr_links; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return elapsed;
}

int main(int argc, char **argv)
{
	double *times;
	size_t size;
	void *elf;
	int n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <object.o> <iterations>\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	elf = read_file(argv[1], &size);
	n = atoi(argv[2]);
	if (!elf || n <= 0)
		return 2;
	times = calloc(n, sizeof(*times));
	for (int i = 0; i < n; i++) {
		usleep(PAUSE_US);	/* see bench/startup.py: PAUSE */
		times[i] = one_round(elf, size);
		if (times[i] < 0) {
			fprintf(stderr, "round %d failed\n", i);
			return 1;
		}
	}
	qsort(times, n, sizeof(*times), compare);
	printf("%.3f\n", times[n / 2]);
	free(times);
	free(elf);
	return 0;
}
