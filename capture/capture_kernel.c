// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_kernel.c - the kernel side as user space sees it: the libbpf skeleton of
 * bpf/spancap.bpf.c (the only file that includes it), its rodata configuration, the process map,
 * the per-CPU counters and the ring-buffer consumer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "error_buffer.h"
#include "spancap.skel.h"

/* The trigger values the BPF program compares with are the kernel's (bpf/spancap_abi.h). */
_Static_assert(SC_TRIGGER_PROT_EXEC == PROT_EXEC, "mmap PROT_EXEC");
_Static_assert(SC_TRIGGER_MAP_ANONYMOUS == MAP_ANONYMOUS, "mmap MAP_ANONYMOUS");
_Static_assert(SC_TRIGGER_PR_SET_VMA == PR_SET_VMA, "prctl PR_SET_VMA");
_Static_assert(SC_CLONE_VM == CLONE_VM && SC_CLONE_VFORK == CLONE_VFORK, "clone flags");

struct kernel {
	struct spancap *skel;
	struct ring_buffer *rb;
	kernel_event_fn fn;
	void *ctx;
	int ncpus;
	void *zero_state; /* a zeroed value of the `threads` task storage */
	bool no_batch;	  /* the kernel has no batch lookup of arrays: one lookup a counter */
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct kernel *k = ctx;

	return k->fn(k->ctx, data, len);
}

struct kernel *kernel__open(const struct kernel_opts *o, kernel_event_fn fn, void *ctx, char *err,
			    size_t errlen)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return NULL;
	k->fn = fn;
	k->ctx = ctx;
	k->ncpus = libbpf_num_possible_cpus();
	if (k->ncpus <= 0) {
		scf_errf(err, errlen, "cannot count possible CPUs: %s", strerror(-k->ncpus));
		rc = k->ncpus;
		goto err_free;
	}
	k->skel = spancap__open();
	if (!k->skel) {
		rc = -errno;
		scf_errf(err, errlen, "opening the BPF object: %s", strerror(-rc));
		goto err_free;
	}
	k->skel->rodata->self_tgid = o->self;
	k->skel->rodata->trace_all = o->trace_all;
	k->skel->rodata->cgroup_id = o->cgroup_id;
	k->skel->rodata->cgroup_level = o->cgroup_level;
	k->skel->rodata->max_str = SC_STR_MAX;
	if (o->snaplen) { /* bytes kept of a string, its NUL not counted */
		k->skel->rodata->max_str = o->snaplen + 1;
		if (o->snaplen + 1 < SC_ARGV_STR_MAX)
			k->skel->rodata->max_argv_str = o->snaplen + 1;
	}
	k->skel->rodata->sel_on = o->sel_on;
	if (o->sel_on)
		memcpy((void *)k->skel->rodata->sel_bits, o->sel_bits,
		       sizeof(k->skel->rodata->sel_bits));
	k->skel->rodata->only_in_span = o->only_in_span;
	k->skel->rodata->sample_mode = o->sample_mode;
	k->skel->rodata->sample_threshold = o->sample_threshold;
	/* Wake the consumer early only when a quarter of the ring is waiting. */
	if (o->ringbuf_bytes) {
		rc = bpf_map__set_max_entries(k->skel->maps.events, o->ringbuf_bytes);
		if (rc) {
			scf_errf(err, errlen, "ring buffer size %u: %s (a power of 2 >= page size)",
			     o->ringbuf_bytes, strerror(-rc));
			goto err_skel;
		}
	}
	k->skel->rodata->wakeup_bytes = bpf_map__max_entries(k->skel->maps.events) / 4;
	rc = spancap__load(k->skel);
	if (rc) {
		scf_errf(err, errlen, "loading the BPF programs: %s (kernel with BTF and tp_btf needed)",
		     strerror(-rc));
		goto err_skel;
	}
	k->zero_state = calloc(1, bpf_map__value_size(k->skel->maps.threads));
	if (!k->zero_state) {
		rc = -ENOMEM;
		scf_errf(err, errlen, "out of memory");
		goto err_skel;
	}
	rc = spancap__attach(k->skel);
	if (rc) {
		scf_errf(err, errlen, "attaching the BPF programs: %s", strerror(-rc));
		goto err_skel;
	}
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), on_event, k, NULL);
	if (!k->rb) {
		rc = -errno;
		scf_errf(err, errlen, "ring buffer consumer: %s", strerror(-rc));
		goto err_skel;
	}
	return k;

err_skel:
	free(k->zero_state);
	spancap__destroy(k->skel);
err_free:
	free(k);
	errno = -rc;
	return NULL;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/*
 * Creates the task storage of one thread (bpf/spancap.bpf.c: a thread with storage is
 * observed). Returns 0, also when it exists already or the thread is gone; -errno otherwise.
 */
static int observe_thread(struct kernel *k, pid_t tid)
{
	int fd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD), rc = 0;

	if (fd < 0)
		return errno == ESRCH ? 0 : -errno;
	if (bpf_map__update_elem(k->skel->maps.threads, &fd, sizeof(fd), k->zero_state,
				 bpf_map__value_size(k->skel->maps.threads), BPF_NOEXIST) &&
	    errno != EEXIST && errno != ESRCH)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * Every thread of tgid. The process's entry is installed first: a thread created after this
 * scan began gets its storage from the fork hook. Where a thread cannot be reached, the BPF
 * program falls back to looking every storage-less thread up (lazy_threads).
 */
static void observe_threads(struct kernel *k, uint32_t tgid)
{
	char path[64];
	long tid;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/task", tgid);
	d = opendir(path);
	if (!d)
		return; /* gone */
	while (proc_dir_next(d, &tid)) {
		if (tid <= 0)
			continue;
		if (observe_thread(k, tid))
			__atomic_store_n(&k->skel->bss->lazy_threads, 1, __ATOMIC_SEQ_CST);
	}
	closedir(d);
}

/*
 * After a change of tgid's entry in procs: the threads holding a copy of it look it up again
 * (bpf/spancap.bpf.c, cfg_epochs).
 */
static void epoch_bump(struct kernel *k, uint32_t tgid)
{
	__atomic_fetch_add(&k->skel->bss->cfg_epochs[tgid & (SC_CFG_EPOCH_SLOTS - 1)], 1,
			   __ATOMIC_SEQ_CST);
}

int kernel__observe(struct kernel *k, uint32_t tgid, const struct sc_proc_cfg *cfg)
{
	struct sc_proc_cfg old, c = *cfg;
	bool was = !bpf_map__lookup_elem(k->skel->maps.procs, &tgid, sizeof(tgid), &old,
					 sizeof(old), 0);

	/* The mark of a process left out is the BPF program's, set at its fork: kept. */
	if (was && (old.flags & SC_CFG_F_BORN_OUT))
		c.flags |= SC_CFG_F_BORN_OUT;
	if (bpf_map__update_elem(k->skel->maps.procs, &tgid, sizeof(tgid), &c, sizeof(c), BPF_ANY))
		return -errno;
	epoch_bump(k, tgid);
	/*
	 * An entry that existed: its threads have storage (this scan or the fork hook), unless
	 * it is a process left out, some of whose threads may have none (made while it had
	 * nothing to read: bpf/spancap.bpf.c, unstored()) and which now has a route or a
	 * process context: its threads get storage as a new process's do (the BPF program marks
	 * them from the entry). Whatever the entry was when looked up above: an exec may have
	 * reset it since. A thread forked after the update gets storage from the fork hook.
	 */
	if (!was || ((c.flags & SC_CFG_F_BORN_OUT) && (c.kind != SC_TLS_NONE || c.pctx_addr)))
		observe_threads(k, tgid);
	return 0;
}

int kernel__lookup(struct kernel *k, uint32_t tgid, struct sc_proc_cfg *cfg)
{
	if (bpf_map__lookup_elem(k->skel->maps.procs, &tgid, sizeof(tgid), cfg, sizeof(*cfg), 0))
		return -errno;
	return 0;
}

int kernel__consume(struct kernel *k)
{
	return ring_buffer__consume(k->rb);
}

int kernel__poll(struct kernel *k, int ms)
{
	int n = ring_buffer__poll(k->rb, ms);

	if (n < 0 && n != -EINTR)
		return n;
	/* BPF_RB_NO_WAKEUP: poll may time out with records waiting; always look at the ring. */
	return ring_buffer__consume(k->rb);
}

/*
 * One bpf() call for every counter and CPU (BPF_MAP_LOOKUP_BATCH, Linux 5.6): the counters
 * are read at every poll tick, which made them most of an idle spancap's CPU when read one
 * lookup per counter. A kernel without batch lookups on arrays gets one lookup per counter.
 */
int kernel__counters(struct kernel *k, uint64_t *vals, size_t n_vals)
{
	int fd = bpf_map__fd(k->skel->maps.counters);
	uint32_t keys[SC_CNT_MAX], out = 0, count = SC_CNT_MAX;
	uint64_t *percpu;
	int rc = 0;

	if (n_vals < (size_t)k->ncpus * SC_CNT_MAX)
		return -ENOSPC;
	percpu = calloc((size_t)k->ncpus * SC_CNT_MAX, sizeof(uint64_t));
	if (!percpu)
		return -ENOMEM;
	if (!k->no_batch) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		int e = bpf_map_lookup_batch(fd, NULL, &out, keys, percpu, &count, &opts) ? errno : 0;

		/* an array answers ENOENT once its last key is read */
		if ((e == 0 || e == ENOENT) && count == SC_CNT_MAX)
			goto spread;
		if (e != EINVAL && e != ENOTSUP && e != EOPNOTSUPP && e != 524 /* ENOTSUPP */) {
			rc = e ? -e : -EIO;
			goto out;
		}
		k->no_batch = true;
	}
	for (uint32_t id = 0; id < SC_CNT_MAX; id++) {
		keys[id] = id;
		if (bpf_map__lookup_elem(k->skel->maps.counters, &id, sizeof(id),
					 percpu + (size_t)id * k->ncpus, sizeof(uint64_t) * k->ncpus,
					 0)) {
			rc = -errno;
			goto out;
		}
	}
spread:
	for (uint32_t i = 0; i < SC_CNT_MAX; i++)
		for (int c = 0; c < k->ncpus; c++)
			if (keys[i] < SC_CNT_MAX)
				vals[(size_t)c * SC_CNT_MAX + keys[i]] = percpu[(size_t)i * k->ncpus + c];
	rc = k->ncpus;
out:
	free(percpu);
	return rc;
}

int kernel__ncpus(const struct kernel *k)
{
	return k->ncpus;
}

uint32_t kernel__deferred(const struct kernel *k)
{
	return __atomic_load_n(&k->skel->bss->deferred_live, __ATOMIC_RELAXED);
}

void kernel__close(struct kernel *k)
{
	if (!k)
		return;
	ring_buffer__free(k->rb);
	spancap__destroy(k->skel);
	free(k->zero_state);
	free(k);
}

/* ---- reclaiming entries of dead processes -------------------------------------------------- */

int kernel__forget(struct kernel *k, uint32_t tgid)
{
	if (bpf_map__delete_elem(k->skel->maps.procs, &tgid, sizeof(tgid), 0))
		return -errno;
	epoch_bump(k, tgid);
	return 0;
}

int kernel__exe_rule(struct kernel *k, uint64_t ino, uint32_t dev, const struct sc_proc_cfg *rule)
{
	struct sc_exe_key key = {.ino = ino, .dev = dev};
	int rc;

	if (rule)
		rc = bpf_map__update_elem(k->skel->maps.exe_rules, &key, sizeof(key), rule,
					  sizeof(*rule), BPF_ANY);
	else
		rc = bpf_map__delete_elem(k->skel->maps.exe_rules, &key, sizeof(key), 0);
	return rc && errno != ENOENT ? -errno : 0;
}

int kernel__exe_rule_lookup(struct kernel *k, uint64_t ino, uint32_t dev, struct sc_proc_cfg *rule)
{
	struct sc_exe_key key = {.ino = ino, .dev = dev};

	if (bpf_map__lookup_elem(k->skel->maps.exe_rules, &key, sizeof(key), rule, sizeof(*rule),
				 0))
		return -errno;
	return 0;
}

int kernel__next_pid(struct kernel *k, const uint32_t *prev, uint32_t *next)
{
	if (bpf_map__get_next_key(k->skel->maps.procs, prev, next, sizeof(*next)))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}
