/* perf_event programs: sampling on software (or hardware) events, per CPU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#include "attach_link.h"

int bpfy_online_cpus(int *cpus, int room)
{
	FILE *file = fopen("/sys/devices/system/cpu/online", "re");
	int count = 0, first, last, err = 0;
	char sep;

	if (!file)
		return -errno;
	while (fscanf(file, "%d", &first) == 1) {
		last = first;
		if (fscanf(file, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(file, "%d", &last) != 1) {
				err = -EINVAL;
				break;
			}
			if (fscanf(file, "%c", &sep) != 1)
				sep = '\n';
		}
		for (int cpu = first; cpu <= last; cpu++, count++)
			if (count < room)
				cpus[count] = cpu;
		if (sep != ',')
			break;
	}
	fclose(file);
	return err ? err : count;
}

static int open_event(const struct perf_event_attr *attr, int pid, int cpu, int group_fd)
{
	int fd = syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int fill_attr(const struct bpfy_perf_event_opts *opts, struct perf_event_attr *attr,
		     struct bpfy_error *error)
{
	memset(attr, 0, sizeof(*attr));
	if (opts->attr) {
		memcpy(attr, opts->attr,
		       opts->attr_size < sizeof(*attr) ? opts->attr_size : sizeof(*attr));
		attr->size = sizeof(*attr);
		return 0;
	}
	if ((opts->sample_period && opts->sample_freq) || (!opts->sample_period && !opts->sample_freq))
		return bpfy_error__set(error, BPFY_ERR_USAGE, EINVAL,
				       "perf event: give exactly one of sample_period and "
				       "sample_freq");
	attr->size = sizeof(*attr);
	attr->type = opts->type;
	attr->config = opts->config;
	if (opts->sample_freq) {
		attr->freq = 1;
		attr->sample_freq = opts->sample_freq;
	} else {
		attr->sample_period = opts->sample_period;
	}
	return 0;
}

static int report_open_failure(struct bpfy_error *error, int err, const struct perf_event_attr *attr,
			       int pid, int cpu)
{
	if (attr->type == PERF_TYPE_HARDWARE && (err == -ENOENT || err == -EOPNOTSUPP))
		return bpfy_error__set(error, BPFY_ERR_UNSUPPORTED, -err,
				       "perf event type %u config %llu: this machine exposes no "
				       "hardware PMU; use a software event such as cpu-clock",
				       attr->type, (unsigned long long)attr->config);
	return bpfy_error__set(error, BPFY_ERR_OS, -err,
			       "perf_event_open(type %u, config %llu, pid %d, cpu %d): %s",
			       attr->type, (unsigned long long)attr->config, pid, cpu,
			       strerror(-err));
}

/* One event on `cpu`, with prog attached; NULL with error filled. */
static struct bpf_link *attach_one(struct bpfy_prog *prog, const struct perf_event_attr *attr,
				   const struct bpfy_perf_event_opts *opts, int cpu,
				   struct bpfy_error *error)
{
	struct bpf_link *link;
	char what[200];
	int fd, err;

	fd = open_event(attr, opts->pid, cpu, opts->group_fd);
	if (fd < 0) {
		report_open_failure(error, fd, attr, opts->pid, cpu);
		errno = -fd;
		return NULL;
	}
	bpfy_libbpf_log__begin();
	link = bpf_program__attach_perf_event(prog->program, fd);
	if (!link) {
		err = errno;
		close(fd);
		snprintf(what, sizeof(what), "attaching '%s' to perf event on cpu %d", prog->name,
			 cpu);
		bpfy_report_load_failure(error, -err, what, bpfy_libbpf_log__end());
		errno = err;
		return NULL;
	}
	free(bpfy_libbpf_log__end());
	return link;
}

struct bpfy_link *bpfy_prog__attach_perf_event(struct bpfy_prog *prog,
					       const struct bpfy_perf_event_opts *opts,
					       struct bpfy_error *error)
{
	struct perf_event_attr attr;
	struct bpf_link **links = NULL;
	int *cpus = NULL, count = 1, made = 0, err;

	err = fill_attr(opts, &attr, error);
	if (!err)
		err = bpfy_attach__ensure_loaded(prog, BPF_PROG_TYPE_PERF_EVENT, 0, error);
	if (err)
		goto err_out;
	if (opts->cpu < 0) {
		count = bpfy_online_cpus(NULL, 0);
		if (count <= 0) {
			err = bpfy_error__set(error, BPFY_ERR_OS, count ? -count : ENOENT,
					      "cannot read the online CPUs");
			goto err_out;
		}
	}
	cpus = calloc(count, sizeof(*cpus));
	links = calloc(count, sizeof(*links));
	if (!cpus || !links) {
		err = bpfy_error__set(error, BPFY_ERR_OS, ENOMEM, "out of memory");
		goto err_out;
	}
	if (opts->cpu < 0)
		count = bpfy_online_cpus(cpus, count);
	else
		cpus[0] = opts->cpu;
	for (made = 0; made < count; made++) {
		links[made] = attach_one(prog, &attr, opts, cpus[made], error);
		if (!links[made]) {
			err = -errno;
			goto err_out;
		}
	}
	free(cpus);
	return bpfy_link__from_links(links, count);

err_out:
	for (int i = 0; i < made; i++)
		bpf_link__destroy(links[i]);
	free(links);
	free(cpus);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}
