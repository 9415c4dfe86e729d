/* Turning libbpf load failures into messages a user can act on. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"
#define EXCERPT_LINES 6

/* The verifier log inside libbpf's captured output, as a heap string. */
static char *extract_verifier_log(const char *captured)
{
	const char *begin, *end;
	char *log;

	if (!captured)
		return NULL;
	begin = strstr(captured, LOG_BEGIN);
	if (!begin)
		return NULL;
	begin += strlen(LOG_BEGIN);
	end = strstr(begin, LOG_END);
	if (!end)
		end = begin + strlen(begin);
	log = strndup(begin, end - begin);
	return log;
}

static bool is_summary_line(const char *line, size_t len)
{
	static const char *const prefixes[] = { "processed ", "verification time", "stack depth",
						"max_states_per_insn", "Validating ", NULL };

	if (len == 0)
		return true;
	for (size_t i = 0; prefixes[i]; i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The last few meaningful lines of the log: where the verifier gave up. */
static void copy_excerpt(const char *log, char *out, size_t out_size)
{
	const char *starts[EXCERPT_LINES];
	size_t lens[EXCERPT_LINES];
	size_t found = 0, used = 0;
	const char *end = log + strlen(log);

	while (end > log && found < EXCERPT_LINES) {
		const char *line_end = end;
		const char *line = line_end;

		while (line > log && line[-1] != '\n')
			line--;
		size_t len = line_end - line;
		if (len && line[len - 1] == '\n')
			len--;
		if (!is_summary_line(line, len)) {
			starts[found] = line;
			lens[found] = len;
			found++;
		}
		end = line > log ? line - 1 : log;
	}
	out[0] = '\0';
	for (size_t i = found; i-- > 0;) {
		int n = snprintf(out + used, out_size - used, "\n  %.*s", (int)lens[i], starts[i]);
		if (n < 0 || (size_t)n >= out_size - used)
			break;
		used += n;
	}
}

/* libbpf's own last warning line, without its "libbpf: " prefix. */
static void copy_last_warning(const char *captured, char *out, size_t out_size)
{
	const char *last = NULL, *p = captured;

	out[0] = '\0';
	if (!captured)
		return;
	while ((p = strstr(p, "libbpf: "))) {
		last = p;
		p += 8;
	}
	if (!last)
		return;
	last += 8;
	size_t len = strcspn(last, "\n");
	snprintf(out, out_size, ": %.*s", (int)len, last);
}

int bpfy_report_load_failure(struct bpfy_error *error, int err, const char *what, char *captured)
{
	char *log = extract_verifier_log(captured);
	char detail[700];
	int ret;

	if (err > 0)
		err = -err;
	if (log) {
		copy_excerpt(log, detail, sizeof(detail));
		ret = bpfy_error__set(error, BPFY_ERR_VERIFIER, -err,
				      "%s: the kernel verifier rejected the program (%s):%s", what,
				      strerror(-err), detail);
		bpfy_error__set_log(error, log, strlen(log));
	} else {
		copy_last_warning(captured, detail, sizeof(detail));
		ret = bpfy_error__set(error, BPFY_ERR_OS, -err, "%s failed (%s)%s", what,
				      strerror(-err), detail);
		if (captured)
			bpfy_error__set_log(error, captured, strlen(captured));
	}
	free(log);
	free(captured);
	return ret;
}
