// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_bench - a syscall microbenchmark: THREADS threads run one operation in a loop.
 *
 *   syscall_bench [-n CALLS] [-r ROUNDS] [--op OP] [--threads N] [--ctx] [--attrs] [--wait]
 *                 [--floor BPF_OBJECT [--bound-sample F]]
 *   syscall_bench --seconds S [--rate R] [--op OP] [--threads N] [--ctx] [--wait]
 *
 *   --op       getppid (default) | openclose (openat + close of a 4 KiB file, one operation)
 *              | write64 (64 bytes to /dev/null) | pread4k (4 KiB at offset 0, page cache)
 *   --threads  N threads (default 1; 0: one per online CPU), each doing CALLS operations per
 *              round, all started together
 *   --ctx      publish a valid OTEP 4947 context on every thread (samples/ writer library)
 *   --attrs    --ctx, plus an OTEP 4719 process context and two attributes in each record
 *   --wait     print "ready", then wait for a line on stdin (a tracer attaches meanwhile)
 *   --floor    attach the programs of an object for the duration: bpf/spancap_empty.bpf.o
 *              (nothing done: the floor) or bpf/spancap_bound.bpf.o (the least work of a
 *              recorder: its bound_cfg gets this process and its TLS offset, and a thread
 *              drains bound_events every millisecond, counting the events; the count goes to
 *              stderr)
 *   --bound-sample  with spancap_bound.bpf.o: decide by trace as --sample-traces F does, the
 *              least work of a syscall whose trace is left out (the context read, the decision)
 *
 * Timed mode prints the median over ROUNDS of the mean ns per operation of the threads.
 * Paced mode (--seconds) runs for S seconds at R operations per second in all (0 or no
 * --rate: as fast as possible) and prints "ops=N seconds=S rate=R" (R achieved).
 */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "otel_ctx_writer.h"
#include "spancap_bound.h"

#define MAX_THREADS 64
#define MAX_ROUNDS 64
#define PACE_BATCH 200 /* operations between two looks at the clock in paced mode */

enum op { OP_GETPPID, OP_OPENCLOSE, OP_WRITE64, OP_PREAD4K };

struct bench {
	enum op op;
	long calls, rounds;
	int threads;
	int ctx, attrs;
	double seconds, rate;
	char path[64];
	int file_fd, null_fd;
	pthread_barrier_t start, done;
	double ns[MAX_THREADS]; /* per thread, last round */
	long ops[MAX_THREADS];	/* paced mode: operations done */
};

struct worker {
	struct bench *b;
	int index;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline void do_op(const struct bench *b, char *buf)
{
	long fd;

	switch (b->op) {
	case OP_GETPPID:
		syscall(SYS_getppid);
		break;
	case OP_OPENCLOSE:
		fd = syscall(SYS_openat, AT_FDCWD, b->path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			syscall(SYS_close, fd);
		break;
	case OP_WRITE64:
		syscall(SYS_write, b->null_fd, buf, 64);
		break;
	case OP_PREAD4K:
		syscall(SYS_pread64, b->file_fd, buf, 4096, 0);
		break;
	}
}

static int publish_thread_ctx(const struct bench *b, struct otel_ctx_record *rec, int index)
{
	static const struct otel_ctx_attr attrs[] = {{"http.route", "/bench"},
						     {"http.request.method", "GET"}};
	uint8_t trace_id[16], span_id[8];

	memset(trace_id, 0x11, sizeof(trace_id));
	memset(span_id, 0x22, sizeof(span_id));
	span_id[7] = (uint8_t)(index + 1);
	if (otel_ctx_record_build(rec, trace_id, span_id, 1, attrs, b->attrs ? 2 : 0))
		return -1;
	return otel_ctx_attach(rec);
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	struct otel_ctx_record *rec = NULL;
	char buf[4096];

	memset(buf, 'b', sizeof(buf));
	if (b->ctx) {
		rec = aligned_alloc(8, sizeof(*rec));
		if (!rec || publish_thread_ctx(b, rec, w->index)) {
			fprintf(stderr, "syscall_bench: cannot publish the thread context\n");
			exit(1);
		}
	}
	if (b->seconds > 0) {
		/* Paced: every thread does its share of the rate on its own schedule. */
		double per_thread = b->rate / b->threads;
		uint64_t t0, end, next;
		long n = 0;

		pthread_barrier_wait(&b->start);
		t0 = now_ns();
		end = t0 + (uint64_t)(b->seconds * 1e9);
		for (;;) {
			uint64_t t = now_ns();

			if (t >= end)
				break;
			if (per_thread > 0) {
				next = t0 + (uint64_t)((double)n * 1e9 / per_thread);
				if (next > t) {
					struct timespec ts = {(time_t)((next - t) / 1000000000ull),
							      (long)((next - t) % 1000000000ull)};
					nanosleep(&ts, NULL);
				}
			}
			for (int i = 0; i < PACE_BATCH; i++)
				do_op(b, buf);
			n += PACE_BATCH;
		}
		b->ops[w->index] = n;
		pthread_barrier_wait(&b->done);
		return NULL;
	}
	for (long r = 0; r < b->rounds; r++) {
		uint64_t t0;

		pthread_barrier_wait(&b->start);
		t0 = now_ns();
		for (long i = 0; i < b->calls; i++)
			do_op(b, buf);
		b->ns[w->index] = (double)(now_ns() - t0) / b->calls;
		pthread_barrier_wait(&b->done);
	}
	return NULL;
}

static int parse_op(const char *s, enum op *op)
{
	static const char *const names[] = {"getppid", "openclose", "write64", "pread4k"};

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*op = (enum op)i;
			return 0;
		}
	return -1;
}

static int make_file(struct bench *b)
{
	char data[4096];
	int fd;

	snprintf(b->path, sizeof(b->path), "/tmp/syscall_bench.XXXXXX");
	fd = mkstemp(b->path);
	if (fd < 0)
		return -1;
	memset(data, 'd', sizeof(data));
	if (write(fd, data, sizeof(data)) != (ssize_t)sizeof(data)) {
		close(fd);
		unlink(b->path);
		return -1;
	}
	b->file_fd = fd;
	b->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	return b->null_fd < 0 ? -1 : 0;
}

/* Drains a --floor object's ring buffer (bpf/spancap_bound.bpf.c) the way spancap does. */
struct drain {
	struct ring_buffer *rb;
	int stop; /* __atomic */
	long events, with_ctx;
};

static int count_event(void *ctx, void *data, size_t len)
{
	struct drain *d = ctx;
	struct sc_syscall_event ev;

	d->events++;
	if (len >= sizeof(ev)) {
		memcpy(&ev, data, sizeof(ev));
		d->with_ctx += (ev.flags & SC_SYS_F_CTX) != 0;
	}
	return 0;
}

static void *run_drain(void *arg)
{
	struct drain *d = arg;
	const struct timespec tick = {0, 1000000};

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		ring_buffer__consume(d->rb);
		nanosleep(&tick, NULL);
	}
	ring_buffer__consume(d->rb);
	return NULL;
}

/* Fills bound_cfg (this process, its TLS offset) and starts the drain, when obj has them. */
static int start_bound(struct bpf_object *obj, double sample, struct drain *d, pthread_t *th)
{
	struct bpf_map *cfg = bpf_object__find_map_by_name(obj, "bound_cfg");
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "bound_events");
	struct sc_bound_cfg v = {
	    .tgid = (uint32_t)getpid(),
	    .tls_off = (int64_t)((char *)otel_ctx_tls_address() - (char *)__builtin_thread_pointer()),
	};
	uint32_t zero = 0;

	if (sample > 0) {
		v.sample_mode = SC_SAMPLE_FRACTION;
		v.sample_threshold = sc_sample_threshold(sample);
	}
	if (cfg && bpf_map__update_elem(cfg, &zero, sizeof(zero), &v, sizeof(v), BPF_ANY))
		return -1;
	if (!events)
		return 0;
	d->rb = ring_buffer__new(bpf_map__fd(events), count_event, d, NULL);
	if (!d->rb || pthread_create(th, NULL, run_drain, d))
		return -1;
	return 1;
}

static int publish_process_ctx(void)
{
	struct otel_ctx_kv res[] = {
	    {.key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "syscall_bench"},
	    {.key = "process.pid", .type = OTEL_CTX_VALUE_INT, .v.integer = getpid()},
	};

	/* The keys first, so that the published key map already holds them. */
	if (otel_ctx_key_index("http.route") < 0 || otel_ctx_key_index("http.request.method") < 0)
		return -1;
	return otel_ctx_process_publish(res, 2);
}

static void usage(void)
{
	fprintf(stderr, "usage: syscall_bench [-n CALLS] [-r ROUNDS] [--op getppid|openclose|"
			"write64|pread4k] [--threads N] [--ctx] [--attrs] [--wait] [--floor OBJ "
			"[--bound-sample F]] "
			"[--seconds S [--rate R]]\n");
}

int main(int argc, char **argv)
{
	static struct bench b = {.calls = 1000000, .rounds = 7, .threads = 1};
	const char *floor_obj = NULL;
	double bound_sample = 0;
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct drain drain = {0};
	pthread_t drain_th;
	int draining = 0;
	struct worker w[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	double res[MAX_ROUNDS];
	int wait = 0, rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			b.calls = atol(argv[++i]);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			b.rounds = atol(argv[++i]);
		else if (!strcmp(argv[i], "--op") && i + 1 < argc) {
			if (parse_op(argv[++i], &b.op)) {
				usage();
				return 2;
			}
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			b.threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			b.seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			b.rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ctx"))
			b.ctx = 1;
		else if (!strcmp(argv[i], "--attrs"))
			b.ctx = b.attrs = 1;
		else if (!strcmp(argv[i], "--wait"))
			wait = 1;
		else if (!strcmp(argv[i], "--floor") && i + 1 < argc)
			floor_obj = argv[++i];
		else if (!strcmp(argv[i], "--bound-sample") && i + 1 < argc)
			bound_sample = atof(argv[++i]);
		else {
			usage();
			return 2;
		}
	}
	if (b.threads == 0)
		b.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (b.rounds < 1 || b.rounds > MAX_ROUNDS || b.calls < 1 || b.threads < 1 ||
	    b.threads > MAX_THREADS || b.seconds < 0 || b.rate < 0 || bound_sample < 0 ||
	    bound_sample > 1 || (bound_sample > 0 && !floor_obj)) {
		usage();
		return 2;
	}
	if (make_file(&b)) {
		perror("syscall_bench: temporary file");
		return 1;
	}
	if (floor_obj) {
		obj = bpf_object__open_file(floor_obj, NULL);
		if (!obj || bpf_object__load(obj)) {
			fprintf(stderr, "syscall_bench: cannot load %s\n", floor_obj);
			goto out_file;
		}
		draining = start_bound(obj, bound_sample, &drain, &drain_th);
		if (draining < 0) {
			fprintf(stderr, "syscall_bench: cannot set up %s\n", floor_obj);
			goto out_obj;
		}
		bpf_object__for_each_program(prog, obj)
		{
			if (!bpf_program__attach(prog)) {
				fprintf(stderr, "syscall_bench: cannot attach %s\n",
					bpf_program__name(prog));
				goto out_obj;
			}
		}
	}
	if (b.attrs && publish_process_ctx()) {
		fprintf(stderr, "syscall_bench: cannot publish the process context\n");
		goto out_obj;
	}
	pthread_barrier_init(&b.start, NULL, (unsigned int)b.threads + 1);
	pthread_barrier_init(&b.done, NULL, (unsigned int)b.threads + 1);
	/* The threads exist (and hold their context) before "ready": a tracer sees them all. */
	for (int i = 0; i < b.threads; i++) {
		w[i] = (struct worker){.b = &b, .index = i};
		if (pthread_create(&th[i], NULL, run_worker, &w[i])) {
			fprintf(stderr, "syscall_bench: cannot create thread %d\n", i);
			exit(1);
		}
	}
	if (wait) {
		char line[16];
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			exit(1);
	}
	if (b.seconds > 0) {
		uint64_t t0 = now_ns();
		long total = 0;
		double secs;

		pthread_barrier_wait(&b.start);
		pthread_barrier_wait(&b.done);
		secs = (double)(now_ns() - t0) / 1e9;
		for (int i = 0; i < b.threads; i++)
			total += b.ops[i];
		printf("ops=%ld seconds=%.3f rate=%.0f\n", total, secs, total / secs);
	} else {
		for (long r = 0; r < b.rounds; r++) {
			double sum = 0;

			pthread_barrier_wait(&b.start);
			pthread_barrier_wait(&b.done);
			for (int i = 0; i < b.threads; i++)
				sum += b.ns[i];
			res[r] = sum / b.threads;
		}
		qsort(res, (size_t)b.rounds, sizeof(res[0]), cmp_double);
		printf("%.1f\n", res[b.rounds / 2]);
	}
	for (int i = 0; i < b.threads; i++)
		pthread_join(th[i], NULL);
	rc = 0;
out_obj:
	if (draining > 0) {
		__atomic_store_n(&drain.stop, 1, __ATOMIC_RELEASE);
		pthread_join(drain_th, NULL);
		fprintf(stderr, "syscall_bench: %ld events drained, %ld with a context\n",
			drain.events, drain.with_ctx);
	}
	ring_buffer__free(drain.rb);
	bpf_object__close(obj);
out_file:
	unlink(b.path);
	return rc;
}
