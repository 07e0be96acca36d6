// SPDX-License-Identifier: BSD-2-Clause
/*
 * spancap-ctx-publisher: publishes the OTEP 4719 process context the ways real writers do, first
 * thing in main, then works on one or two threads inside spans, and writes what it did as a
 * ground-truth log (JSON lines) for tests/integration/check_publisher_truth.py.
 *
 *   spancap-ctx-publisher --variant V --truth FILE [--ops N]
 *
 * Variants:
 *   plain            memfd mapping named with prctl(PR_SET_VMA), as the writer library does
 *   memfd-noprctl    memfd mapping, never named with prctl (readers find "/memfd:OTEL_CTX")
 *   two-threads      two threads on the same trace and span ids, different attribute values
 *   extra-attrs      several ProcessContext.attributes entries besides threadlocal.*
 *   update-nokeymap  after phase 1, an update whose payload has no key map
 *   unpublish        after phase 1, the mapping is removed (munmap); the threads keep working
 *
 * Every run has two phases; in each, every worker thread attaches a record (its own span per
 * phase; one shared span for two-threads) and makes N getppid() calls, sleeping 1 ms after
 * every tenth. The run is bounded by that count. The truth log is written at the end, so its
 * own syscalls come after every operation it describes. Exits 0, or 1 with a message.
 *
 * Truth lines (times are CLOCK_REALTIME ns, as the capture's record times):
 *   {"type":"process","pid":P,"variant":"V"}
 *   {"type":"publish","t":T,"resource":{..},"extra":{..},"key_map":[..]|null,"prctl":B}
 *   {"type":"unpublish","t":T}
 *   {"type":"span","tid":T,"phase":1,"trace_id":"..","span_id":"..","attrs":{..},"ops":N,
 *    "t0":T0,"t1":T1}
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "otel_ctx_writer.h"

#define MAX_THREADS 2
#define PHASES 2

struct span_truth {
	long tid;
	int phase;
	uint8_t trace_id[16];
	uint8_t span_id[8];
	char role[32];
	char route[32];
	uint64_t t0, t1;
};

static struct {
	const char *variant;
	int n_threads;
	unsigned int flags; /* OTEL_CTX_PUBLISH_* of the first publication */
	int n_ops;
	pthread_barrier_t barrier;
	struct span_truth spans[PHASES][MAX_THREADS];
	struct otel_ctx_record recs[MAX_THREADS];
	char pid_str[24];
	uint64_t publish_t[2];
	uint64_t unpublish_t;
} g;

static uint64_t now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Resource and extra attributes of publication `which` (0: the first, 1: the update). */
static size_t resource_of(int which, struct otel_ctx_kv *kv)
{
	kv[0] = (struct otel_ctx_kv){.key = "service.name", .type = OTEL_CTX_VALUE_STRING,
				     .v.str = "ctx-publisher"};
	kv[1] = (struct otel_ctx_kv){.key = "service.instance.id", .type = OTEL_CTX_VALUE_STRING,
				     .v.str = g.pid_str};
	kv[2] = (struct otel_ctx_kv){.key = "service.version", .type = OTEL_CTX_VALUE_STRING,
				     .v.str = which ? "2.0" : "1.0"};
	return 3;
}

static size_t extra_of(struct otel_ctx_kv *kv)
{
	size_t n = 0;

	kv[n++] = (struct otel_ctx_kv){.key = "publisher.variant", .type = OTEL_CTX_VALUE_STRING,
				       .v.str = g.variant};
	if (!strcmp(g.variant, "extra-attrs")) {
		kv[n++] = (struct otel_ctx_kv){.key = "publisher.build", .type = OTEL_CTX_VALUE_STRING,
					       .v.str = "b-4719"};
		kv[n++] = (struct otel_ctx_kv){.key = "publisher.shards", .type = OTEL_CTX_VALUE_INT,
					       .v.integer = 12};
		kv[n++] = (struct otel_ctx_kv){.key = "publisher.canary", .type = OTEL_CTX_VALUE_BOOL,
					       .v.boolean = true};
	}
	return n;
}

static int publish(int which, unsigned int flags)
{
	struct otel_ctx_kv res[3], ex[4];
	size_t nr = resource_of(which, res), ne = extra_of(ex);
	int err = otel_ctx_process_publish_ex(res, nr, ex, ne, flags);

	g.publish_t[which] = now_real();
	return err;
}

static void fill_ids(struct span_truth *s, int phase, int k)
{
	for (int i = 0; i < 16; i++)
		s->trace_id[i] = (uint8_t)(0x40 + i + (getpid() & 0x0f));
	for (int i = 0; i < 8; i++)
		s->span_id[i] = (uint8_t)(0x10 * phase + i + 1);
	/* one span for both threads of two-threads; otherwise a span per thread */
	if (g.n_threads == 1 || strcmp(g.variant, "two-threads"))
		s->span_id[7] = (uint8_t)(0x80 + k);
}

static int run_phase(int phase, int k)
{
	struct span_truth *s = &g.spans[phase][k];
	struct otel_ctx_attr attrs[2];
	struct timespec ms = {0, 1000000};
	int err;

	s->tid = syscall(SYS_gettid);
	s->phase = phase + 1;
	fill_ids(s, phase + 1, k);
	snprintf(s->role, sizeof(s->role), "worker-%d", k);
	snprintf(s->route, sizeof(s->route), "/phase%d/t%d", phase + 1, k);
	attrs[0] = (struct otel_ctx_attr){"thread.role", s->role};
	attrs[1] = (struct otel_ctx_attr){"http.route", s->route};
	err = otel_ctx_update(&g.recs[k], s->trace_id, s->span_id, 1, attrs, 2);
	if (err)
		return err;
	s->t0 = now_real();
	for (int i = 0; i < g.n_ops; i++) {
		syscall(SYS_getppid);
		if (i % 10 == 9)
			clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
	}
	s->t1 = now_real();
	otel_ctx_invalidate(&g.recs[k]);
	return 0;
}

static void *worker(void *arg)
{
	int k = (int)(intptr_t)arg;

	for (int phase = 0; phase < PHASES; phase++) {
		pthread_barrier_wait(&g.barrier); /* the main thread's step of this phase is done */
		if (run_phase(phase, k))
			return "building or attaching a record";
		pthread_barrier_wait(&g.barrier);
	}
	return NULL;
}

static void json_attrs(FILE *f, const struct span_truth *s)
{
	fprintf(f, "{\"thread.role\":\"%s\",\"http.route\":\"%s\"}", s->role, s->route);
}

static void json_hex(FILE *f, const uint8_t *b, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputc('"', f);
}

static void json_publish(FILE *f, int which, bool key_map)
{
	struct otel_ctx_kv res[3], ex[4];
	size_t nr = resource_of(which, res), ne = extra_of(ex);
	const struct otel_ctx_kv *lists[2] = {res, ex};
	size_t ns[2] = {nr, ne};

	fprintf(f, "{\"type\":\"publish\",\"t\":%llu", (unsigned long long)g.publish_t[which]);
	for (int l = 0; l < 2; l++) {
		fprintf(f, ",\"%s\":{", l ? "extra" : "resource");
		for (size_t i = 0; i < ns[l]; i++) {
			const struct otel_ctx_kv *kv = &lists[l][i];
			fprintf(f, "%s\"%s\":", i ? "," : "", kv->key);
			if (kv->type == OTEL_CTX_VALUE_STRING)
				fprintf(f, "\"%s\"", kv->v.str);
			else if (kv->type == OTEL_CTX_VALUE_INT)
				fprintf(f, "%lld", (long long)kv->v.integer);
			else
				fprintf(f, "%s", kv->v.boolean ? "true" : "false");
		}
		fputc('}', f);
	}
	if (key_map) {
		fprintf(f, ",\"key_map\":[");
		for (unsigned int i = 0; i < otel_ctx_key_count(); i++)
			fprintf(f, "%s\"%s\"", i ? "," : "", otel_ctx_key_name(i));
		fputc(']', f);
	} else {
		fprintf(f, ",\"key_map\":null");
	}
	fprintf(f, ",\"prctl\":%s}\n", g.flags & OTEL_CTX_PUBLISH_NO_PRCTL ? "false" : "true");
}

static int write_truth(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\"type\":\"process\",\"pid\":%d,\"variant\":\"%s\"}\n", getpid(), g.variant);
	json_publish(f, 0, true);
	if (!strcmp(g.variant, "update-nokeymap"))
		json_publish(f, 1, false);
	if (g.unpublish_t)
		fprintf(f, "{\"type\":\"unpublish\",\"t\":%llu}\n",
			(unsigned long long)g.unpublish_t);
	for (int p = 0; p < PHASES; p++) {
		for (int k = 0; k < g.n_threads; k++) {
			const struct span_truth *s = &g.spans[p][k];
			fprintf(f, "{\"type\":\"span\",\"tid\":%ld,\"phase\":%d,\"trace_id\":", s->tid,
				s->phase);
			json_hex(f, s->trace_id, 16);
			fprintf(f, ",\"span_id\":");
			json_hex(f, s->span_id, 8);
			fprintf(f, ",\"attrs\":");
			json_attrs(f, s);
			fprintf(f, ",\"ops\":%d,\"t0\":%llu,\"t1\":%llu}\n", g.n_ops,
				(unsigned long long)s->t0, (unsigned long long)s->t1);
		}
	}
	return fclose(f) ? -errno : 0;
}

static const char *const variants[] = {"plain",		  "memfd-noprctl", "two-threads",
				       "extra-attrs",	  "update-nokeymap", "unpublish"};

static int parse(int argc, char **argv, const char **truth)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--variant"))
			g.variant = argv[i + 1];
		else if (!strcmp(argv[i], "--truth"))
			*truth = argv[i + 1];
		else if (!strcmp(argv[i], "--ops"))
			g.n_ops = atoi(argv[i + 1]);
		else
			return -1;
	}
	if (argc % 2 == 0 || !g.variant || !*truth || g.n_ops < 1 || g.n_ops > 1000000)
		return -1;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (!strcmp(g.variant, variants[i]))
			return 0;
	return -1;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	const char *truth = NULL;
	char msg[256];
	void *ret;
	int err;

	g.n_ops = 40;
	if (parse(argc, argv, &truth)) {
		fprintf(stderr, "usage: spancap-ctx-publisher --variant plain|memfd-noprctl|"
				"two-threads|extra-attrs|update-nokeymap|unpublish --truth FILE "
				"[--ops N]\n");
		return 1;
	}
	/* First thing: the keys the records use, then the publication (one payload). */
	snprintf(g.pid_str, sizeof(g.pid_str), "%d", getpid());
	g.flags = !strcmp(g.variant, "memfd-noprctl") ? OTEL_CTX_PUBLISH_NO_PRCTL : 0;
	if (otel_ctx_key_index("thread.role") < 0 || otel_ctx_key_index("http.route") < 0 ||
	    (err = publish(0, g.flags))) {
		otel_ctx_process_error(msg, sizeof(msg));
		fprintf(stderr, "spancap-ctx-publisher: %s\n", msg);
		return 1;
	}
	g.n_threads = !strcmp(g.variant, "two-threads") ? 2 : 1;
	if (pthread_barrier_init(&g.barrier, NULL, (unsigned)g.n_threads + 1))
		return 1;
	for (int k = 0; k < g.n_threads; k++)
		if (pthread_create(&th[k], NULL, worker, (void *)(intptr_t)k))
			return 1;
	for (int phase = 0; phase < PHASES; phase++) {
		if (phase == 1 && !strcmp(g.variant, "update-nokeymap") &&
		    (err = publish(1, g.flags | OTEL_CTX_PUBLISH_NO_KEY_MAP))) {
			fprintf(stderr, "spancap-ctx-publisher: update: %s\n", strerror(-err));
			return 1;
		}
		if (phase == 1 && !strcmp(g.variant, "unpublish")) {
			if ((err = otel_ctx_process_unpublish())) {
				fprintf(stderr, "spancap-ctx-publisher: unpublish: %s\n",
					strerror(-err));
				return 1;
			}
			g.unpublish_t = now_real();
		}
		pthread_barrier_wait(&g.barrier);
		pthread_barrier_wait(&g.barrier);
	}
	for (int k = 0; k < g.n_threads; k++) {
		pthread_join(th[k], &ret);
		if (ret) {
			fprintf(stderr, "spancap-ctx-publisher: thread %d: %s\n", k,
				(const char *)ret);
			return 1;
		}
	}
	if ((err = write_truth(truth))) {
		fprintf(stderr, "spancap-ctx-publisher: %s: %s\n", truth, strerror(-err));
		return 1;
	}
	return 0;
}
