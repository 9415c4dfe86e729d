/* A tiny assertion helper for the C tests: report, count, keep going. */
#ifndef BPFY_TESTUTIL_H
#define BPFY_TESTUTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int testutil_failures;

#define CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			testutil_failures++;					\
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);				\
			fprintf(stderr, "\n");					\
		}								\
	} while (0)

#define CHECK_STR_CONTAINS(hay, needle)						\
	CHECK((hay) && strstr((hay), (needle)), "'%s' not found in:\n%s", (needle),	\
	      (hay) ? (hay) : "(null)")

#define RUN(test)								\
	do {									\
		int before = testutil_failures;					\
		test();								\
		fprintf(stderr, "%s %s\n", testutil_failures == before ? "ok  " : "FAIL", #test); \
	} while (0)

#define TESTUTIL_EXIT() (testutil_failures ? (fprintf(stderr, "%d failure(s)\n", testutil_failures), 1) : 0)

#endif /* BPFY_TESTUTIL_H */
