/*
 * Test target of tests/python/test_attach*.py, built by the tests with gcc.
 *   attach_target spin SECONDS   burn CPU in spin_here() for SECONDS
 *   attach_target calls N        wait for a line on stdin, then call
 *                                probe_me(i) for i in 0..N-1 (and fire the
 *                                USDT probe bpfy:tick when built with -DWITH_USDT)
 *   attach_target sleep          wait for stdin to close
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef WITH_USDT
#include <sys/sdt.h>
#endif

volatile unsigned long sink;

__attribute__((noinline)) unsigned long spin_here(unsigned long rounds)
{
	unsigned long acc = 0;

	for (unsigned long i = 0; i < rounds; i++)
		acc += i * 2654435761u;
	sink = acc;
	return acc;
}

__attribute__((noinline)) int probe_me(int x)
{
	sink += x;
	return x * 3 + 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char line[64];

	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(argv[1], "spin") && argc > 2) {
		double end = now() + atof(argv[2]);

		printf("ready\n");
		while (now() < end)
			spin_here(1000000);
		return 0;
	}
	if (!strcmp(argv[1], "calls") && argc > 2) {
		int n = atoi(argv[2]);
		long total = 0;

		printf("ready\n");
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		for (int i = 0; i < n; i++) {
			total += probe_me(i);
#ifdef WITH_USDT
			DTRACE_PROBE2(bpfy, tick, i, total);
#endif
		}
		printf("%ld\n", total);
		return 0;
	}
	if (!strcmp(argv[1], "sleep")) {
		printf("ready\n");
		while (fgets(line, sizeof(line), stdin))
			;
		return 0;
	}
	return 2;
}
