// SPDX-License-Identifier: BSD-2-Clause
/*
 * spancap-demo-service: a small multi-threaded "service" that publishes OpenTelemetry
 * process and thread context (OTEP 4719 / 4947) through the otel_ctx writer library and
 * logs what it really did (samples/README.md, "Truth log").
 *
 * Worker threads handle simulated requests. Each request is a trace: a root span and child
 * spans doing file I/O, loopback TCP to an in-process peer, deliberate failures (ENOENT,
 * ECONNREFUSED), sleeps and fork+exec. Between requests, threads work with no context.
 * Everything is derived from --seed; every loop is bounded; the program stops by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "demo_ops.h"
#include "demo_peer.h"
#include "demo_truth.h"
#include "demo_writer_api.h"

#ifndef ARCH_GET_FS
#define ARCH_GET_FS 0x1003
#endif

#define MAX_THREADS 64
#define MAX_REQUESTS 100000
#define MAX_SPAN_ATTRS 4
#define DATA_SIZE 4096

enum publish_mode { PUBLISH_MIXED, PUBLISH_SWAP, PUBLISH_INPLACE };

struct demo_opts {
	uint64_t seed;
	unsigned int threads;
	unsigned int requests; /* per thread */
	double duration;       /* seconds, wall-clock cap */
	double rate;	       /* requests per second per thread, 0 = unpaced */
	unsigned int fail_percent;
	enum publish_mode publish;
	const char *dir;
	const char *truth;
	const char *writer_lib;
	bool hold;
	unsigned int hold_timeout;
	bool start_on_stdin;
};

struct demo {
	struct demo_opts o;
	struct demo_writer w;
	pid_t pid;
	int truth_fd;
	int dir_fd;
	char dir[512];
	bool own_dir;
	int peer_port;
	int closed_port;
	uint64_t start_mono_ns;
	/* the start gate: workers exist before the writer is opened */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int gate; /* 0 closed, 1 open, -1 abort */
	unsigned int held;
	int release_fd[2]; /* hold mode: workers block on reading [0] */
};

struct span {
	const char *name;
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t flags;
	const struct span *parent;
	struct otel_ctx_attr attrs[MAX_SPAN_ATTRS];
	size_t n_attrs;
	struct otel_ctx_record *rec; /* pointer-swap model: this span's own record */
	uint64_t start_ns;
	uint64_t end_ns;
};

struct worker {
	struct demo *d;
	unsigned int idx;
	pthread_t thread;
	bool inplace;
	uint64_t rng;
	struct demo_truth truth;
	struct demo_ctx_ids ids;
	struct demo_oplog log;
	struct otel_ctx_record fixed;	/* in-place model: the thread's only record */
	struct otel_ctx_record recs[3]; /* pointer-swap model: root, child, grandchild */
	char user[16];
	char seed_file[32];
	char data_file[32];
	unsigned long requests;
	unsigned long spans;
	int result; /* 0 or -errno of the first writer failure */
	char error[160];
};

static const struct {
	const char *route;
	const char *method;
} routes[] = {
    {"/api/users/{id}", "GET"},
    {"/api/orders", "POST"},
    {"/api/report", "GET"},
    {"/health", "GET"},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* ---- small helpers ----------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return (unsigned int)(splitmix64(&w->rng) % n);
}

static void random_id(uint64_t *rng, uint8_t *id, size_t n)
{
	size_t i;
	uint64_t v = 0;

	do {
		for (i = 0; i < n; i++) {
			if (i % 8 == 0)
				v = splitmix64(rng);
			id[i] = (uint8_t)(v >> (8 * (i % 8)));
		}
	} while (id[0] == 0 && id[n - 1] == 0); /* never all-zero (and cheap to check) */
}

static void to_hex(const uint8_t *id, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * n] = '\0';
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pid_t gettid_raw(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static uint64_t fs_base(void)
{
	unsigned long base = 0;

	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &base) != 0)
		return 0;
	return base;
}

/* The "thread" line: where this thread's otel_thread_ctx_v1 lives, seen from the inside. */
static void log_thread(struct demo *d, struct demo_truth *t, pid_t tid, const char *role, int idx,
		       const char *publish)
{
	uint64_t base = fs_base();
	uint64_t tls = d->w.tls_address ? (uint64_t)(uintptr_t)d->w.tls_address() : 0;

	demo_truth_begin(t, "thread");
	demo_truth_int(t, "pid", d->pid);
	demo_truth_int(t, "tid", tid);
	demo_truth_str(t, "role", role);
	demo_truth_int(t, "index", idx);
	demo_truth_hex(t, "fs_base", base);
	demo_truth_hex(t, "tls_addr", tls);
	demo_truth_int(t, "tls_offset", (long long)(tls - base));
	demo_truth_str(t, "publish", publish);
	demo_truth_end(t);
}

static void fail(struct worker *w, int err, const char *what)
{
	if (w->result)
		return;
	w->result = err;
	snprintf(w->error, sizeof(w->error), "worker %u: %s: %s", w->idx, what, strerror(-err));
}

/* ---- spans ----------------------------------------------------------------------- */

static void span_attr(struct span *s, const char *key, const char *value)
{
	if (s->n_attrs < MAX_SPAN_ATTRS) {
		s->attrs[s->n_attrs].key = key;
		s->attrs[s->n_attrs].value = value;
		s->n_attrs++;
	}
}

static void set_ids(struct worker *w, const struct span *s)
{
	if (!s) {
		w->ids.trace_id[0] = '\0';
		w->ids.span_id[0] = '\0';
		return;
	}
	to_hex(s->trace_id, 16, w->ids.trace_id);
	to_hex(s->span_id, 8, w->ids.span_id);
}

/* Logs keys appended to the key map by this thread (each append republished the context). */
static void log_new_keys(struct worker *w, unsigned int before)
{
	struct demo_truth *t = &w->truth;
	unsigned int i, after = w->d->w.key_count();

	if (after <= before)
		return;
	demo_truth_begin(t, "key_map_update");
	demo_truth_int(t, "pid", w->d->pid);
	demo_truth_int(t, "tid", w->log.tid);
	demo_truth_str(t, "trace_id", w->ids.trace_id);
	demo_truth_str(t, "span_id", w->ids.span_id);
	demo_truth_int(t, "key_count", after);
	demo_truth_key(t, "keys");
	demo_truth_printf(t, "[");
	for (i = before; i < after; i++) {
		const char *name = w->d->w.key_name(i);

		demo_truth_printf(t, "%s", i > before ? "," : "");
		demo_truth_value_str(t, name ? name : "", name ? strlen(name) : 0);
	}
	demo_truth_printf(t, "]");
	demo_truth_end(t);
}

/*
 * Makes s (or nothing, when s is NULL) the thread's context. fresh: s was just created (its
 * record must be built); otherwise s is a parent being re-entered, whose record is intact.
 */
static int publish_span(struct worker *w, const struct span *s, bool fresh)
{
	const struct demo_writer *api = &w->d->w;
	unsigned int keys_before = api->key_count();
	int err = 0;

	if (w->inplace) {
		if (s)
			err = api->update(&w->fixed, s->trace_id, s->span_id, s->flags, s->attrs,
					  s->n_attrs);
		else
			api->invalidate(&w->fixed);
	} else if (s) {
		if (fresh)
			err = api->record_build(s->rec, s->trace_id, s->span_id, s->flags, s->attrs,
						s->n_attrs);
		if (!err)
			err = api->attach(s->rec);
	} else {
		api->detach();
	}
	log_new_keys(w, keys_before);
	if (err)
		return err;
	set_ids(w, s);
	return 0;
}

static int span_begin(struct worker *w, struct span *s, const char *name, const struct span *parent,
		      unsigned int depth)
{
	int err;

	s->name = name;
	s->parent = parent;
	if (parent) {
		memcpy(s->trace_id, parent->trace_id, 16);
		s->flags = parent->flags;
	} else {
		random_id(&w->rng, s->trace_id, 16);
		s->flags = rnd(w, 10) ? 0x01 : 0x00; /* W3C "sampled" bit, mostly set */
	}
	random_id(&w->rng, s->span_id, 8);
	s->rec = &w->recs[depth];
	s->start_ns = demo_realtime_ns();
	err = publish_span(w, s, true);
	if (err) {
		fail(w, err, "publishing a span's context");
		s->name = NULL; /* not logged: it never became the thread's context */
	}
	return err;
}

static void span_end(struct worker *w, struct span *s)
{
	struct demo_truth *t = &w->truth;
	char hex[33];
	size_t i;
	int err;

	s->end_ns = demo_realtime_ns();
	err = publish_span(w, s->parent, false);
	if (err)
		fail(w, err, "restoring the parent context");
	if (!s->name)
		return;
	w->spans++;
	demo_truth_begin(t, "span");
	demo_truth_int(t, "pid", w->d->pid);
	demo_truth_int(t, "tid", w->log.tid);
	to_hex(s->trace_id, 16, hex);
	demo_truth_str(t, "trace_id", hex);
	to_hex(s->span_id, 8, hex);
	demo_truth_str(t, "span_id", hex);
	if (s->parent)
		to_hex(s->parent->span_id, 8, hex);
	else
		hex[0] = '\0';
	demo_truth_str(t, "parent_span_id", hex);
	demo_truth_str(t, "name", s->name);
	demo_truth_int(t, "trace_flags", s->flags);
	demo_truth_str(t, "publish", w->inplace ? "inplace" : "swap");
	demo_truth_int(t, "start_ns", (long long)s->start_ns);
	demo_truth_int(t, "end_ns", (long long)s->end_ns);
	demo_truth_key(t, "attrs");
	demo_truth_printf(t, "{");
	for (i = 0; i < s->n_attrs; i++) {
		demo_truth_printf(t, "%s", i ? "," : "");
		demo_truth_value_str(t, s->attrs[i].key, strlen(s->attrs[i].key));
		demo_truth_printf(t, ":");
		demo_truth_value_str(t, s->attrs[i].value, strlen(s->attrs[i].value));
	}
	demo_truth_printf(t, "}");
	demo_truth_end(t);
}

/* ---- the work done inside spans ---------------------------------------------------- */

struct request {
	struct span root;
	const char *route;
	const char *method;
	char children[8][17];
	unsigned int n_children;
	char server_address[32];
};

static bool child_begin(struct worker *w, struct request *r, struct span *s, const char *name,
			const char *component)
{
	memset(s, 0, sizeof(*s));
	span_attr(s, "http.route", r->route);
	span_attr(s, "component", component);
	if (span_begin(w, s, name, &r->root, 1))
		return false;
	if (r->n_children < 8)
		to_hex(s->span_id, 8, r->children[r->n_children++]);
	return true;
}

static void cache_lookup(struct worker *w, struct request *r)
{
	struct span s;
	char path[64];
	long fd;

	if (!child_begin(w, r, &s, "cache.lookup", "cache"))
		return;
	/* The cache directory never exists: this open fails with ENOENT by design. */
	snprintf(path, sizeof(path), "cache/%s.json", w->user);
	fd = demo_op_openat(&w->log, w->d->dir_fd, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0)
		demo_op_close(&w->log, (int)fd, path);
	span_end(w, &s);
}

static void db_read(struct worker *w, struct request *r)
{
	char buf[DATA_SIZE], missing[32];
	const char *path = w->seed_file;
	struct span s;
	long fd;

	if (!child_begin(w, r, &s, "db.read", "db"))
		return;
	if (rnd(w, 100) < w->d->o.fail_percent) {
		snprintf(missing, sizeof(missing), "missing-t%u.dat", w->idx);
		path = missing;
	}
	fd = demo_op_openat(&w->log, w->d->dir_fd, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		demo_op_read(&w->log, (int)fd, path, buf, 512 + rnd(w, DATA_SIZE - 512));
		demo_op_close(&w->log, (int)fd, path);
	}
	span_end(w, &s);
}

static void db_write(struct worker *w, struct request *r)
{
	char buf[DATA_SIZE];
	size_t n = 256 + rnd(w, DATA_SIZE - 256);
	struct span s;
	long fd;

	if (!child_begin(w, r, &s, "db.write", "db"))
		return;
	memset(buf, 'a' + (int)(w->idx % 26), n);
	fd = demo_op_openat(&w->log, w->d->dir_fd, w->data_file,
			    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		demo_op_write(&w->log, (int)fd, w->data_file, buf, n);
		demo_op_fsync(&w->log, (int)fd, w->data_file);
		demo_op_close(&w->log, (int)fd, w->data_file);
	}
	span_end(w, &s);
}

static void upstream_call(struct worker *w, struct request *r)
{
	bool refused = rnd(w, 100) < w->d->o.fail_percent;
	int port = refused ? w->d->closed_port : w->d->peer_port;
	char req[128], buf[4096];
	struct span s;
	long fd, n;
	int i;

	memset(&s, 0, sizeof(s));
	snprintf(r->server_address, sizeof(r->server_address), "127.0.0.1:%d", port);
	span_attr(&s, "http.route", r->route);
	span_attr(&s, "component", "upstream");
	span_attr(&s, "server.address", r->server_address);
	if (span_begin(w, &s, "upstream.call", &r->root, 1))
		return;
	if (r->n_children < 8)
		to_hex(s.span_id, 8, r->children[r->n_children++]);

	fd = demo_op_tcp_socket(&w->log);
	if (fd < 0)
		goto out;
	demo_op_set_rcvtimeo(&w->log, (int)fd, 2000);
	if (demo_op_connect_loopback(&w->log, (int)fd, port) == 0) {
		n = snprintf(req, sizeof(req), "%s %u\n", r->route, 64 + rnd(w, 4000));
		demo_op_write(&w->log, (int)fd, "tcp", req, (size_t)n);
		for (i = 0; i < 64; i++) {
			if (demo_op_read(&w->log, (int)fd, "tcp", buf, sizeof(buf)) <= 0)
				break;
		}
	}
	demo_op_close(&w->log, (int)fd, "tcp");
out:
	span_end(w, &s);
}

static void report_render(struct worker *w, struct request *r)
{
	static char *const true_argv[] = {"/bin/true", NULL};
	static char *const self_argv[] = {"spancap-demo-service", "--exec-child", NULL};
	struct span s;

	if (!child_begin(w, r, &s, "report.render", "exec"))
		return;
	if (rnd(w, 2))
		demo_op_spawn(&w->log, "/bin/true", true_argv);
	else
		demo_op_spawn(&w->log, "/proc/self/exe", self_argv);
	span_end(w, &s);
}

static void health_check(struct worker *w, struct request *r)
{
	struct span s;

	if (!child_begin(w, r, &s, "health.check", "health"))
		return;
	demo_op_getpid(&w->log);
	demo_op_nanosleep(&w->log, 200000 + rnd(w, 800000));
	span_end(w, &s);
}

static void log_request(struct worker *w, const struct request *r, unsigned long failed_before)
{
	struct demo_truth *t = &w->truth;
	char hex[33];
	unsigned int i;

	demo_truth_begin(t, "request");
	demo_truth_int(t, "pid", w->d->pid);
	demo_truth_int(t, "tid", w->log.tid);
	demo_truth_int(t, "worker", w->idx);
	demo_truth_int(t, "index", (long long)w->requests);
	to_hex(r->root.trace_id, 16, hex);
	demo_truth_str(t, "trace_id", hex);
	to_hex(r->root.span_id, 8, hex);
	demo_truth_str(t, "root_span_id", hex);
	demo_truth_key(t, "child_span_ids");
	demo_truth_printf(t, "[");
	for (i = 0; i < r->n_children; i++) {
		demo_truth_printf(t, "%s", i ? "," : "");
		demo_truth_value_str(t, r->children[i], strlen(r->children[i]));
	}
	demo_truth_printf(t, "]");
	demo_truth_str(t, "route", r->route);
	demo_truth_str(t, "method", r->method);
	demo_truth_int(t, "start_ns", (long long)r->root.start_ns);
	demo_truth_int(t, "end_ns", (long long)r->root.end_ns);
	demo_truth_int(t, "failed_ops", (long long)(w->log.n_failed - failed_before));
	demo_truth_end(t);
}

static void handle_request(struct worker *w)
{
	unsigned long failed_before = w->log.n_failed;
	unsigned int route = rnd(w, N_ROUTES);
	struct request r;

	memset(&r, 0, sizeof(r));
	r.route = routes[route].route;
	r.method = routes[route].method;
	span_attr(&r.root, "http.route", r.route);
	span_attr(&r.root, "http.method", r.method);
	if (route == 0) {
		snprintf(w->user, sizeof(w->user), "u%u", rnd(w, 1000));
		span_attr(&r.root, "user.id", w->user);
	}
	if (span_begin(w, &r.root, "handle_request", NULL, 0))
		return;
	demo_op_nanosleep(&w->log, 100000 + rnd(w, 900000)); /* "parsing" */
	switch (route) {
	case 0:
		cache_lookup(w, &r);
		db_read(w, &r);
		upstream_call(w, &r);
		break;
	case 1:
		db_write(w, &r);
		upstream_call(w, &r);
		break;
	case 2:
		db_read(w, &r);
		report_render(w, &r);
		break;
	default:
		health_check(w, &r);
		break;
	}
	span_end(w, &r.root);
	log_request(w, &r, failed_before);
	w->requests++;
}

/* Work between requests, with no context attached. */
static void idle_work(struct worker *w)
{
	long fd;

	demo_op_getpid(&w->log);
	fd = demo_op_openat(&w->log, w->d->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd >= 0)
		demo_op_close(&w->log, (int)fd, ".");
}

static void create_seed_file(struct worker *w)
{
	char buf[DATA_SIZE];
	long fd;

	memset(buf, 's', sizeof(buf));
	fd = demo_op_openat(&w->log, w->d->dir_fd, w->seed_file,
			    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	demo_op_write(&w->log, (int)fd, w->seed_file, buf, sizeof(buf));
	demo_op_close(&w->log, (int)fd, w->seed_file);
}

static void run_worker(struct worker *w)
{
	const struct demo_opts *o = &w->d->o;
	uint64_t start = monotonic_ns(), interval = 0, next, now;
	unsigned int i;

	if (o->rate > 0)
		interval = (uint64_t)(1e9 / o->rate);
	create_seed_file(w);
	demo_truth_flush(&w->truth);
	for (i = 0; i < o->requests && !w->result; i++) {
		now = monotonic_ns();
		if ((double)(now - w->d->start_mono_ns) >= o->duration * 1e9)
			break;
		next = start + (uint64_t)i * interval;
		if (next > now)
			demo_op_nanosleep(&w->log, next - now);
		idle_work(w);
		handle_request(w);
		demo_truth_flush(&w->truth);
	}
	demo_op_unlinkat(&w->log, w->d->dir_fd, w->seed_file, 0);
	demo_op_unlinkat(&w->log, w->d->dir_fd, w->data_file, 0); /* ENOENT if never written */
}

/* ---- hold mode: a known context on every worker, for outside inspection ------------- */

static void hold_worker(struct worker *w)
{
	struct demo *d = w->d;
	struct demo_truth *t = &w->truth;
	const char *route = routes[w->idx % N_ROUTES].route;
	char name[32], buf[8];
	struct span s;
	size_t i;
	int err;

	memset(&s, 0, sizeof(s));
	snprintf(name, sizeof(name), "worker-%u", w->idx);
	span_attr(&s, "http.route", route);
	span_attr(&s, "http.method", routes[w->idx % N_ROUTES].method);
	span_attr(&s, "thread.name", name);
	err = span_begin(w, &s, "hold", NULL, 0);

	demo_truth_begin(t, "hold");
	demo_truth_int(t, "pid", d->pid);
	demo_truth_int(t, "tid", w->log.tid);
	demo_truth_str(t, "trace_id", err ? "" : w->ids.trace_id);
	demo_truth_str(t, "span_id", err ? "" : w->ids.span_id);
	demo_truth_int(t, "trace_flags", s.flags);
	demo_truth_int(t, "valid", err ? 0 : 1);
	demo_truth_str(t, "publish", w->inplace ? "inplace" : "swap");
	demo_truth_key(t, "attrs");
	demo_truth_printf(t, "[");
	for (i = 0; i < s.n_attrs && !err; i++) {
		demo_truth_printf(t, "%s[%d,", i ? "," : "", d->w.key_index(s.attrs[i].key));
		demo_truth_value_str(t, s.attrs[i].value, strlen(s.attrs[i].value));
		demo_truth_printf(t, "]");
	}
	demo_truth_printf(t, "]");
	demo_truth_end(t);
	demo_truth_flush(t);

	pthread_mutex_lock(&d->lock);
	d->held++;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);

	/* Blocks until main closes the write end (EOF). */
	demo_op_read(&w->log, d->release_fd[0], "release-pipe", buf, sizeof(buf));
	if (!err)
		span_end(w, &s);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct demo *d = w->d;
	int gate;

	w->log.tid = gettid_raw();
	pthread_mutex_lock(&d->lock);
	while (!d->gate)
		pthread_cond_wait(&d->cond, &d->lock);
	gate = d->gate;
	pthread_mutex_unlock(&d->lock);
	if (gate < 0)
		return NULL;

	log_thread(d, &w->truth, w->log.tid, "worker", (int)w->idx,
		   w->inplace ? "inplace" : "swap");
	if (d->o.hold)
		hold_worker(w);
	else
		run_worker(w);
	demo_truth_flush(&w->truth);
	return NULL;
}

/* ---- main ------------------------------------------------------------------------ */

struct main_ctx {
	struct demo_truth truth;
	struct demo_ctx_ids no_ctx;
	struct demo_oplog log;
	struct otel_ctx_kv resource[10];
	size_t n_resource;
	char instance_id[40];
	char exe_name[64];
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  --seed N            PRNG seed (default 1): ids, routes, failures\n"
		"  --threads N         worker threads, 1..%d (default 4)\n"
		"  --requests N        requests per thread, 0..%d (default 10)\n"
		"  --duration SEC      stop starting requests after SEC seconds (default 60)\n"
		"  --rate R            requests per second per thread, 0 = unpaced (default 0)\n"
		"  --fail-percent P    chance of each deliberate failure, 0..100 (default 15)\n"
		"  --publish MODE      mixed|swap|inplace: pointer swap or in-place valid flag\n"
		"                      (mixed: even workers swap, odd ones update in place)\n"
		"  --dir DIR           existing directory for the files (default: private temp)\n"
		"  --truth FILE        write the ground-truth log (JSON lines) to FILE\n"
		"  --writer-lib PATH   loader build: dlopen the writer after the threads exist\n"
		"  --hold              attach a known context on every worker and hold it until\n"
		"                      stdin reaches EOF or --hold-timeout expires\n"
		"  --hold-timeout SEC  1..600 (default 60)\n"
		"  --start-on-stdin    start the requests once stdin gives a line or reaches EOF\n"
		"                      (threads exist and the context is published before)\n",
		prog, MAX_THREADS, MAX_REQUESTS);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	*out = strtoull(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

static int parse_double(const char *s, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || *end || !(*out >= 0) || *out > max ? -1 : 0;
}

static int parse_opts(int argc, char **argv, struct demo_opts *o)
{
	enum {
		O_SEED = 256,
		O_THREADS,
		O_REQUESTS,
		O_DURATION,
		O_RATE,
		O_FAIL,
		O_PUBLISH,
		O_DIR,
		O_TRUTH,
		O_LIB,
		O_HOLD,
		O_HOLD_TIMEOUT,
		O_START_ON_STDIN,
		O_HELP
	};
	static const struct option longopts[] = {
	    {"seed", required_argument, NULL, O_SEED},
	    {"threads", required_argument, NULL, O_THREADS},
	    {"requests", required_argument, NULL, O_REQUESTS},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"rate", required_argument, NULL, O_RATE},
	    {"fail-percent", required_argument, NULL, O_FAIL},
	    {"publish", required_argument, NULL, O_PUBLISH},
	    {"dir", required_argument, NULL, O_DIR},
	    {"truth", required_argument, NULL, O_TRUTH},
	    {"writer-lib", required_argument, NULL, O_LIB},
	    {"hold", no_argument, NULL, O_HOLD},
	    {"hold-timeout", required_argument, NULL, O_HOLD_TIMEOUT},
	    {"start-on-stdin", no_argument, NULL, O_START_ON_STDIN},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->threads = 4;
	o->requests = 10;
	o->duration = 60;
	o->fail_percent = 15;
	o->hold_timeout = 60;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_SEED:
			if (parse_uint(optarg, UINT64_MAX, &v))
				goto bad;
			o->seed = v;
			break;
		case O_THREADS:
			if (parse_uint(optarg, MAX_THREADS, &v) || v == 0)
				goto bad;
			o->threads = (unsigned int)v;
			break;
		case O_REQUESTS:
			if (parse_uint(optarg, MAX_REQUESTS, &v))
				goto bad;
			o->requests = (unsigned int)v;
			break;
		case O_DURATION:
			if (parse_double(optarg, 3600, &o->duration))
				goto bad;
			break;
		case O_RATE:
			if (parse_double(optarg, 100000, &o->rate))
				goto bad;
			break;
		case O_FAIL:
			if (parse_uint(optarg, 100, &v))
				goto bad;
			o->fail_percent = (unsigned int)v;
			break;
		case O_PUBLISH:
			if (strcmp(optarg, "mixed") == 0)
				o->publish = PUBLISH_MIXED;
			else if (strcmp(optarg, "swap") == 0)
				o->publish = PUBLISH_SWAP;
			else if (strcmp(optarg, "inplace") == 0)
				o->publish = PUBLISH_INPLACE;
			else
				goto bad;
			break;
		case O_DIR:
			o->dir = optarg;
			break;
		case O_TRUTH:
			o->truth = optarg;
			break;
		case O_LIB:
			o->writer_lib = optarg;
			break;
		case O_HOLD:
			o->hold = true;
			break;
		case O_HOLD_TIMEOUT:
			if (parse_uint(optarg, 600, &v) || v == 0)
				goto bad;
			o->hold_timeout = (unsigned int)v;
			break;
		case O_START_ON_STDIN:
			o->start_on_stdin = true;
			break;
		case O_HELP:
			usage(stdout, argv[0]);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return -1;
	}
	if (o->hold && o->start_on_stdin) {
		fprintf(stderr, "%s: --hold and --start-on-stdin both read stdin\n", argv[0]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "%s: bad value '%s' for --%s (see --help)\n", argv[0], optarg,
		longopts[c - O_SEED].name);
	return -1;
}

static void add_res(struct main_ctx *m, const char *key, enum otel_ctx_value_type type)
{
	m->resource[m->n_resource].key = key;
	m->resource[m->n_resource].type = type;
	m->n_resource++;
}

static void build_resource(struct demo *d, struct main_ctx *m, const char *argv0)
{
	uint64_t s = d->o.seed ^ ((uint64_t)d->pid << 32), a = splitmix64(&s), b = splitmix64(&s);
	const char *slash = strrchr(argv0, '/');

	snprintf(m->instance_id, sizeof(m->instance_id), "%08x-%04x-4%03x-8%03x-%012llx",
		 (unsigned int)(a >> 32), (unsigned int)(a >> 16) & 0xffff, (unsigned int)a & 0xfff,
		 (unsigned int)(b >> 52), (unsigned long long)b & 0xffffffffffffull);
	snprintf(m->exe_name, sizeof(m->exe_name), "%s", slash ? slash + 1 : argv0);
	add_res(m, "service.name", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = "spancap-demo-service";
	add_res(m, "service.version", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = "1.0.0";
	add_res(m, "service.instance.id", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = m->instance_id;
	add_res(m, "deployment.environment.name", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = "spancap-test";
	add_res(m, "telemetry.sdk.name", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = "spancap-otel-writer";
	add_res(m, "telemetry.sdk.language", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = "cpp";
	add_res(m, "process.executable.name", OTEL_CTX_VALUE_STRING);
	m->resource[m->n_resource - 1].v.str = m->exe_name;
	add_res(m, "process.pid", OTEL_CTX_VALUE_INT);
	m->resource[m->n_resource - 1].v.integer = d->pid;
	add_res(m, "spancap.demo.hold", OTEL_CTX_VALUE_BOOL);
	m->resource[m->n_resource - 1].v.boolean = d->o.hold;
	add_res(m, "spancap.demo.rate", OTEL_CTX_VALUE_DOUBLE);
	m->resource[m->n_resource - 1].v.dbl = d->o.rate;
}

/* The "process_context" line: what was published, in the dumper's notation. */
static void log_process_context(struct demo *d, struct main_ctx *m, const char *when)
{
	static const char *const type_names[] = {"", "string", "bool", "int", "double"};
	struct demo_truth *t = &m->truth;
	char val[64];
	unsigned int i, n;
	size_t k;

	demo_truth_begin(t, "process_context");
	demo_truth_int(t, "pid", d->pid);
	demo_truth_str(t, "when", when);
	demo_truth_str(t, "schema_version", OTEL_CTX_SCHEMA_VERSION);
	demo_truth_key(t, "resource");
	demo_truth_printf(t, "[");
	for (k = 0; k < m->n_resource; k++) {
		const struct otel_ctx_kv *kv = &m->resource[k];
		const char *v = val;

		switch (kv->type) {
		case OTEL_CTX_VALUE_STRING:
			v = kv->v.str;
			break;
		case OTEL_CTX_VALUE_BOOL:
			v = kv->v.boolean ? "true" : "false";
			break;
		case OTEL_CTX_VALUE_INT:
			snprintf(val, sizeof(val), "%lld", (long long)kv->v.integer);
			break;
		case OTEL_CTX_VALUE_DOUBLE:
			snprintf(val, sizeof(val), "%.17g", kv->v.dbl);
			break;
		}
		demo_truth_printf(t, "%s{\"key\":", k ? "," : "");
		demo_truth_value_str(t, kv->key, strlen(kv->key));
		demo_truth_printf(t, ",\"type\":\"%s\",\"value\":", type_names[kv->type]);
		demo_truth_value_str(t, v, strlen(v));
		demo_truth_printf(t, "}");
	}
	demo_truth_printf(t, "]");
	demo_truth_key(t, "key_map");
	demo_truth_printf(t, "[");
	n = d->w.key_count ? d->w.key_count() : 0;
	for (i = 0; i < n; i++) {
		const char *name = d->w.key_name(i);

		demo_truth_printf(t, "%s", i ? "," : "");
		demo_truth_value_str(t, name ? name : "", name ? strlen(name) : 0);
	}
	demo_truth_printf(t, "]");
	demo_truth_end(t);
}

static void open_gate(struct demo *d, int value)
{
	pthread_mutex_lock(&d->lock);
	d->gate = value;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static int find_closed_port(struct demo *d, struct main_ctx *m)
{
	long fd, port;

	fd = demo_op_tcp_socket(&m->log);
	if (fd < 0)
		return (int)fd;
	port = demo_op_bind_loopback(&m->log, (int)fd, 0);
	if (port == 0)
		port = demo_op_local_port(&m->log, (int)fd);
	/* Bound, never listening, then closed: connecting to it is refused. */
	demo_op_close(&m->log, (int)fd, "closed-port");
	if (port < 0)
		return (int)port;
	d->closed_port = (int)port;
	return 0;
}

static void peer_started(struct demo_oplog *log, void *arg)
{
	struct demo *d = arg;

	log_thread(d, log->truth, log->tid, "peer", -1, "none");
}

/* Hold mode, main side: wait for every worker, announce, wait for EOF on stdin. */
static int hold_main(struct demo *d, struct main_ctx *m)
{
	struct timespec until;
	uint64_t deadline;
	char buf[64];
	long r;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&d->lock);
	while (d->held < d->o.threads && err == 0)
		err = pthread_cond_timedwait(&d->cond, &d->lock, &until);
	pthread_mutex_unlock(&d->lock);
	if (err)
		return -err;

	demo_truth_begin(&m->truth, "hold");
	demo_truth_int(&m->truth, "pid", d->pid);
	demo_truth_int(&m->truth, "tid", m->log.tid);
	demo_truth_str(&m->truth, "trace_id", "");
	demo_truth_str(&m->truth, "span_id", "");
	demo_truth_int(&m->truth, "trace_flags", 0);
	demo_truth_int(&m->truth, "valid", 0);
	demo_truth_str(&m->truth, "publish", "none");
	demo_truth_key(&m->truth, "attrs");
	demo_truth_printf(&m->truth, "[]");
	demo_truth_end(&m->truth);
	log_process_context(d, m, "hold");
	demo_truth_begin(&m->truth, "ready");
	demo_truth_int(&m->truth, "pid", d->pid);
	demo_truth_end(&m->truth);
	demo_truth_flush(&m->truth);

	deadline = monotonic_ns() + (uint64_t)d->o.hold_timeout * 1000000000u;
	for (;;) {
		uint64_t now = monotonic_ns();
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};

		if (now >= deadline)
			break;
		r = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		r = demo_op_read(&m->log, STDIN_FILENO, "stdin", buf, sizeof(buf));
		if (r <= 0)
			break; /* EOF: the inspector is done */
	}
	demo_op_close(&m->log, d->release_fd[1], "release-pipe");
	d->release_fd[1] = -1;
	return 0;
}

/*
 * --start-on-stdin: the workers wait at the gate until stdin gives a line or ends, so that an
 * outside observer (a test waiting for spancap to resolve this process) decides when the first
 * request starts. A read error starts them too: the wait never outlives its controller.
 */
static void wait_start(struct main_ctx *m)
{
	char buf[64];
	long r;

	do
		r = demo_op_read(&m->log, STDIN_FILENO, "stdin", buf, sizeof(buf));
	while ((r > 0 && !memchr(buf, '\n', (size_t)r)) || r == -EINTR);
}

static int setup_dir(struct demo *d)
{
	if (d->o.dir) {
		snprintf(d->dir, sizeof(d->dir), "%s", d->o.dir);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(d->dir, sizeof(d->dir), "%s/spancap-demo-XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(d->dir))
			return -errno;
		d->own_dir = true;
	}
	d->dir_fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d->dir_fd < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	static struct demo demo;
	static struct main_ctx mc;
	struct demo *d = &demo;
	struct main_ctx *m = &mc;
	unsigned long requests = 0, spans = 0, ops = 0;
	char err_msg[256] = "";
	const char *failed = NULL;
	unsigned int i, started = 0;
	bool peer_running = false;
	struct demo_peer peer;
	int err;

	if (argc == 2 && strcmp(argv[1], "--exec-child") == 0)
		return getpid() > 0 ? EXIT_SUCCESS : EXIT_FAILURE; /* the fork+exec target */
	if (parse_opts(argc, argv, &d->o))
		return EXIT_FAILURE;

	d->pid = getpid();
	d->start_mono_ns = monotonic_ns();
	d->truth_fd = -1;
	d->dir_fd = -1;
	d->release_fd[0] = d->release_fd[1] = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (d->o.truth) {
		d->truth_fd =
		    open(d->o.truth, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (d->truth_fd < 0) {
			fprintf(stderr, "spancap-demo-service: cannot open --truth %s: %s\n",
				d->o.truth, strerror(errno));
			return EXIT_FAILURE;
		}
	}
	err = setup_dir(d);
	if (err) {
		fprintf(stderr, "spancap-demo-service: cannot use directory %s: %s\n", d->dir,
			strerror(-err));
		return EXIT_FAILURE;
	}
	if (demo_truth_init(&m->truth, d->truth_fd, 0)) {
		fprintf(stderr, "spancap-demo-service: out of memory\n");
		return EXIT_FAILURE;
	}
	m->log.truth = &m->truth;
	m->log.ctx = &m->no_ctx;
	m->log.pid = d->pid;
	m->log.tid = gettid_raw();

	demo_truth_begin(&m->truth, "process");
	demo_truth_int(&m->truth, "pid", d->pid);
	demo_truth_str(&m->truth, "variant",
		       strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
	demo_truth_str(&m->truth, "writer", demo_writer_flavor);
	demo_truth_str(&m->truth, "writer_lib", d->o.writer_lib ? d->o.writer_lib : "");
	demo_truth_int(&m->truth, "seed", (long long)d->o.seed);
	demo_truth_int(&m->truth, "threads", d->o.threads);
	demo_truth_int(&m->truth, "requests_per_thread", d->o.requests);
	demo_truth_str(&m->truth, "mode", d->o.hold ? "hold" : "run");
	demo_truth_str(&m->truth, "dir", d->dir);
	demo_truth_int(&m->truth, "dir_fd", d->dir_fd);
	demo_truth_int(&m->truth, "realtime_ns", (long long)demo_realtime_ns());
	demo_truth_end(&m->truth);
	demo_truth_flush(&m->truth);

	if (d->o.hold && pipe2(d->release_fd, O_CLOEXEC) != 0) {
		failed = "pipe2";
		snprintf(err_msg, sizeof(err_msg), "%s", strerror(errno));
		goto out;
	}
	/* Workers exist (blocked on the gate) before the writer is opened. */
	for (i = 0; i < d->o.threads; i++) {
		struct worker *w = &workers[i];

		w->d = d;
		w->idx = i;
		w->inplace =
		    d->o.publish == PUBLISH_INPLACE || (d->o.publish == PUBLISH_MIXED && (i & 1));
		w->rng = d->o.seed * 0x100000001b3ull + i + 1;
		w->log.truth = &w->truth;
		w->log.ctx = &w->ids;
		w->log.pid = d->pid;
		snprintf(w->seed_file, sizeof(w->seed_file), "seed-t%u.dat", i);
		snprintf(w->data_file, sizeof(w->data_file), "orders-t%u.dat", i);
		err = demo_truth_init(&w->truth, d->truth_fd, 0);
		if (!err)
			err = -pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			failed = "starting worker threads";
			snprintf(err_msg, sizeof(err_msg), "%s", strerror(-err));
			goto out;
		}
		started++;
	}
	if (demo_writer_open(&d->w, d->o.writer_lib, err_msg, sizeof(err_msg))) {
		failed = "loading the writer";
		goto out;
	}
	log_thread(d, &m->truth, m->log.tid, "main", -1, "none");
	build_resource(d, m, argv[0]);
	err = d->w.process_publish(m->resource, m->n_resource);
	if (err) {
		failed = "publishing the process context";
		d->w.process_error(err_msg, sizeof(err_msg));
		goto out;
	}
	log_process_context(d, m, "initial");
	if (!d->o.hold) {
		err = find_closed_port(d, m);
		if (!err)
			err = demo_peer_start(&peer, d->truth_fd, d->pid, peer_started, d);
		if (err) {
			failed = "starting the loopback peer";
			snprintf(err_msg, sizeof(err_msg), "%s", strerror(-err));
			goto out;
		}
		peer_running = true;
		d->peer_port = peer.port;
		demo_truth_begin(&m->truth, "peer");
		demo_truth_int(&m->truth, "pid", d->pid);
		demo_truth_str(&m->truth, "address", "127.0.0.1");
		demo_truth_int(&m->truth, "port", d->peer_port);
		demo_truth_int(&m->truth, "closed_port", d->closed_port);
		demo_truth_end(&m->truth);
	}
	demo_truth_flush(&m->truth);
	if (d->o.start_on_stdin)
		wait_start(m);
	open_gate(d, 1);
	if (d->o.hold) {
		err = hold_main(d, m);
		if (err) {
			failed = "waiting for the workers to hold their context";
			snprintf(err_msg, sizeof(err_msg), "%s", strerror(-err));
			if (d->release_fd[1] >= 0)
				close(d->release_fd[1]);
			d->release_fd[1] = -1;
		}
	}

out:
	if (d->gate == 0)
		open_gate(d, -1);
	for (i = 0; i < started; i++) {
		struct worker *w = &workers[i];

		pthread_join(w->thread, NULL);
		demo_truth_close(&w->truth);
		requests += w->requests;
		spans += w->spans;
		ops += w->log.n_ops;
		if (w->result && !failed) {
			failed = "a worker";
			snprintf(err_msg, sizeof(err_msg), "%s", w->error);
		}
	}
	if (peer_running)
		demo_peer_stop(&peer, &m->log);
	if (d->gate > 0)
		log_process_context(d, m, "final");
	if (d->dir_fd >= 0)
		demo_op_close(&m->log, d->dir_fd, d->dir);
	if (d->own_dir)
		demo_op_unlinkat(&m->log, AT_FDCWD, d->dir, AT_REMOVEDIR);
	if (d->release_fd[0] >= 0)
		demo_op_close(&m->log, d->release_fd[0], "release-pipe");
	demo_truth_begin(&m->truth, "end");
	demo_truth_int(&m->truth, "pid", d->pid);
	demo_truth_int(&m->truth, "requests", (long long)requests);
	demo_truth_int(&m->truth, "spans", (long long)spans);
	demo_truth_int(&m->truth, "ops", (long long)(ops + m->log.n_ops));
	demo_truth_str(&m->truth, "status", failed ? "error" : "ok");
	demo_truth_int(&m->truth, "realtime_ns", (long long)demo_realtime_ns());
	demo_truth_end(&m->truth);
	if (demo_truth_close(&m->truth) && !failed) {
		failed = "writing the truth log";
		snprintf(err_msg, sizeof(err_msg), "%s", d->o.truth);
	}
	if (d->truth_fd >= 0)
		close(d->truth_fd);
	demo_writer_close(&d->w);
	if (failed) {
		fprintf(stderr, "spancap-demo-service: %s failed: %s\n", failed, err_msg);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
