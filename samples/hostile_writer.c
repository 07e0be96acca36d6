// SPDX-License-Identifier: BSD-2-Clause
/*
 * spancap-hostile-writer: publishes deliberately broken OTEP 4947 thread context, for
 * robustness tests of readers. One thread per selected case holds it until stdin reaches EOF
 * or --duration expires (default 10 s, at most 120 s):
 *
 *   --garbage      the TLS pointer points at an unmapped page
 *   --toggle       a valid record whose valid flag flips 0/1 as fast as the thread can
 *   --oversize     a valid record claiming attrs_data_size 65535 (the buffer holds 612)
 *   --cross-attrs  the 28-byte header ends the last readable page; attrs run into PROT_NONE
 *   --cross-header the header itself straddles into the PROT_NONE page
 *   --misaligned   the TLS pointer is odd (the spec requires 2-byte alignment)
 *   --all          every case above (the default)
 *
 * Cases for load and race tests, only when asked for by name:
 *
 *   --swap          the TLS pointer cycles as fast as the thread can through two valid records
 *                   (contexts A and B), an unmapped page, NULL, an odd address, a non-canonical
 *                   address and a header straddling a PROT_NONE page, one syscall after each
 *   --churn         short-lived threads, 8 at a time, each with its own context on its stack:
 *                   a few syscalls, then exit with the record still attached
 *   --pctx-rewrite  the process context republished in a loop (OTEP 4719 update protocol);
 *                   each payload carries its generation twice (hostile.generation, an int, and
 *                   hostile.check, "g<generation>" padded to a generation-dependent length) so
 *                   that a reader mixing two payloads shows
 *
 * --max-ops N bounds each of those three loops by count as well (N getppid calls for --swap, N
 * threads for --churn, N publications for --pctx-rewrite; 0, the default: until the end), so that
 * what a test records is the same on a fast machine and a slow one; a loop that reached N holds
 * its last state until the end.
 *
 * --truth FILE gets JSON lines: {"type":"thread","tid":..,"case":..,"tls_offset":..,
 * "record":"0x.."} per case, then {"type":"ready"} once every thread holds its context;
 * {"type":"published","trace":"hex","span":"hex"} for every context a thread attached (all
 * cases share one trace id; span ids differ), and at exit {"type":"pctx","publications":N}.
 * The process context is published too, with the key map ["hostile.key"].
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
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "otel_ctx_writer.h"

#ifndef ARCH_GET_FS
#define ARCH_GET_FS 0x1003
#endif

enum hostile_case {
	GARBAGE,
	TOGGLE,
	OVERSIZE,
	CROSS_ATTRS,
	CROSS_HEADER,
	MISALIGNED,
	N_ALL, /* --all selects the cases above */
	SWAP = N_ALL,
	CHURN,
	PCTX_REWRITE,
	N_CASES
};

static const char *const case_names[N_CASES] = {
    "garbage",	  "toggle", "oversize", "cross-attrs", "cross-header",
    "misaligned", "swap",   "churn",	"pctx-rewrite"};

/* Contexts published by --swap; --churn uses span ids from CHURN_SPAN_BASE up. */
#define SWAP_SPAN_B 0xb1
#define CHURN_SPAN_BASE 0x1000000ull
#define CHURN_BATCH 8
#define CHURN_SYSCALLS 3

struct hostile {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int ready;
	int stop;
	unsigned long max_ops; /* --max-ops: 0 = no bound */
	FILE *truth;
	long page;
	uint8_t *unmapped;
};

struct hostile_thread {
	struct hostile *h;
	enum hostile_case which;
	pthread_t thread;
	struct otel_ctx_record rec; /* 2-byte aligned by its type */
	struct otel_ctx_record rec2; /* --swap: context B */
	uint8_t *pages;		    /* this case's two pages, the second PROT_NONE */
	unsigned long toggles;
};

static const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
				     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
static const uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};

static void fill_header(struct otel_ctx_record *r, uint16_t attrs_size)
{
	memcpy(r->trace_id, trace_id, 16);
	memcpy(r->span_id, span_id, 8);
	r->valid = 1;
	r->trace_flags = 1;
	r->attrs_data_size = attrs_size;
}

static void log_published(struct hostile *h, const struct otel_ctx_record *r)
{
	char t[33], sp[17];

	for (int i = 0; i < 16; i++)
		snprintf(t + 2 * i, 3, "%02x", r->trace_id[i]);
	for (int i = 0; i < 8; i++)
		snprintf(sp + 2 * i, 3, "%02x", r->span_id[i]);
	fprintf(h->truth ? h->truth : stderr,
		"{\"type\":\"published\",\"trace\":\"%s\",\"span\":\"%s\"}\n", t, sp);
}

static bool stopping(struct hostile *h)
{
	return __atomic_load_n(&h->stop, __ATOMIC_RELAXED);
}

/* Whether a loop that has done `done` operations goes on: until stop, and --max-ops. */
static bool more_ops(struct hostile *h, unsigned long done)
{
	return !stopping(h) && (h->max_ops == 0 || done < h->max_ops);
}

/* --swap: one syscall under each pointer, good and bad, until stop or --max-ops calls. */
static void swap_loop(struct hostile_thread *t, struct otel_ctx_record *volatile *tls)
{
	struct hostile *h = t->h;
	struct otel_ctx_record *targets[] = {
	    &t->rec,
	    (struct otel_ctx_record *)h->unmapped,
	    &t->rec2,
	    NULL,
	    (struct otel_ctx_record *)((uint8_t *)&t->rec + 1),
	    (struct otel_ctx_record *)0xdead000000000000ull,
	    (struct otel_ctx_record *)(t->pages + h->page - 10),
	};
	unsigned long k = 0;

	while (more_ops(h, k)) {
		for (unsigned int j = 0; j < 1000 && more_ops(h, k); j++, k++) {
			*tls = targets[k % (sizeof(targets) / sizeof(targets[0]))];
			syscall(SYS_getppid);
		}
	}
	t->toggles = k;
}

struct churn_thread {
	struct hostile *h;
	uint64_t span;
	pthread_t thread;
};

static void *churn_main(void *arg)
{
	struct churn_thread *c = arg;
	struct otel_ctx_record rec; /* on this thread's stack: gone when it exits */
	struct otel_ctx_record *volatile *tls = &otel_thread_ctx_v1;

	fill_header(&rec, 0);
	for (int i = 0; i < 8; i++)
		rec.span_id[i] = (uint8_t)(c->span >> (56 - 8 * i));
	/* Deliberately left dangling when the thread exits: that is the case under test. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
	*tls = &rec;
#pragma GCC diagnostic pop
	for (int i = 0; i < CHURN_SYSCALLS; i++)
		syscall(SYS_getppid);
	return NULL; /* exits with the record still attached */
}

/* --churn: batches of short-lived threads until stop or --max-ops threads; every context is
 * logged first. */
static void churn_loop(struct hostile_thread *t)
{
	struct churn_thread c[CHURN_BATCH];
	struct hostile *h = t->h;
	uint64_t span = CHURN_SPAN_BASE;
	unsigned long made = 0;

	while (more_ops(h, made)) {
		unsigned int n = 0;

		for (unsigned int i = 0; i < CHURN_BATCH && more_ops(h, made + i); i++) {
			struct otel_ctx_record r;

			c[i].h = h;
			c[i].span = span++;
			fill_header(&r, 0);
			for (int b = 0; b < 8; b++)
				r.span_id[b] = (uint8_t)(c[i].span >> (56 - 8 * b));
			log_published(h, &r);
			if (pthread_create(&c[i].thread, NULL, churn_main, &c[i]) != 0)
				break;
			n++;
		}
		for (unsigned int i = 0; i < n; i++)
			pthread_join(c[i].thread, NULL);
		made += n;
	}
	t->toggles = made;
}

/* --pctx-rewrite: republish until stop or --max-ops publications; returns how many. */
static unsigned long pctx_rewrite_loop(struct hostile *h)
{
	static char check[512];
	unsigned long gen = 0;

	while (more_ops(h, gen)) {
		struct otel_ctx_kv res[3] = {
		    {.key = "service.name",
		     .type = OTEL_CTX_VALUE_STRING,
		     .v.str = "spancap-hostile-writer"},
		    {.key = "hostile.generation", .type = OTEL_CTX_VALUE_INT},
		    {.key = "hostile.check", .type = OTEL_CTX_VALUE_STRING, .v.str = check},
		};
		int len;

		gen++;
		res[1].v.integer = (int64_t)gen;
		len = snprintf(check, sizeof(check), "g%lu-", gen);
		memset(check + len, 'x', gen % 200);
		check[len + gen % 200] = 0;
		if (otel_ctx_process_publish(res, 3) != 0)
			break;
	}
	return gen;
}

static void *hostile_main(void *arg)
{
	struct hostile_thread *t = arg;
	struct hostile *h = t->h;
	struct otel_ctx_record *volatile *tls = &otel_thread_ctx_v1;
	unsigned long base = 0, toggles = 0;
	uint8_t *p;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &base);
	switch (t->which) {
	case GARBAGE:
		*tls = (struct otel_ctx_record *)h->unmapped;
		break;
	case TOGGLE:
	case OVERSIZE:
		fill_header(&t->rec, t->which == OVERSIZE ? 0xffff : 0);
		if (t->which == OVERSIZE)
			memcpy(t->rec.attrs_data, "\x00\x05hello", 7);
		*tls = &t->rec;
		break;
	case CROSS_ATTRS:
		/* header in the last 28 bytes of the readable page; attrs beyond it */
		p = t->pages + h->page - 28;
		fill_header((struct otel_ctx_record *)p, 100);
		*tls = (struct otel_ctx_record *)p;
		break;
	case CROSS_HEADER:
		p = t->pages + h->page - 10;
		memcpy(p, trace_id, 10);
		*tls = (struct otel_ctx_record *)p;
		break;
	case MISALIGNED:
		p = t->pages + 1;
		fill_header((struct otel_ctx_record *)p, 0);
		*tls = (struct otel_ctx_record *)p;
		break;
	case SWAP:
		fill_header(&t->rec, 0);
		fill_header(&t->rec2, 0);
		t->rec2.span_id[7] = SWAP_SPAN_B;
		p = t->pages + h->page - 10; /* a header cut by the PROT_NONE page */
		memcpy(p, trace_id, 10);
		*tls = &t->rec;
		break;
	case CHURN:
	case PCTX_REWRITE:
	case N_CASES:
		break;
	}
	pthread_mutex_lock(&h->lock);
	fprintf(h->truth ? h->truth : stderr,
		"{\"type\":\"thread\",\"tid\":%ld,\"case\":\"%s\","
		"\"tls_offset\":%lld,\"record\":\"%p\"}\n",
		(long)syscall(SYS_gettid), case_names[t->which],
		(long long)((unsigned long)tls - base), (void *)*tls);
	if (t->which == SWAP) {
		log_published(h, &t->rec);
		log_published(h, &t->rec2);
	}
	h->ready++;
	pthread_cond_broadcast(&h->cond);
	if (t->which == SWAP || t->which == CHURN || t->which == PCTX_REWRITE) {
		pthread_mutex_unlock(&h->lock);
		if (t->which == SWAP)
			swap_loop(t, tls);
		else if (t->which == CHURN)
			churn_loop(t);
		else
			t->toggles = pctx_rewrite_loop(h);
		pthread_mutex_lock(&h->lock);
		while (!h->stop) /* --max-ops reached: hold the last state */
			pthread_cond_wait(&h->cond, &h->lock);
	} else if (t->which == TOGGLE) {
		/* Flip valid with only compiler ordering, as a writer might; bounded by stop. */
		while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
			pthread_mutex_unlock(&h->lock);
			for (unsigned int k = 0; k < 100000; k++) {
				((volatile struct otel_ctx_record *)&t->rec)->valid =
				    (uint8_t)(k & 1);
				toggles++;
			}
			pthread_mutex_lock(&h->lock);
		}
	} else {
		while (!h->stop)
			pthread_cond_wait(&h->cond, &h->lock);
	}
	pthread_mutex_unlock(&h->lock);
	if (t->which == TOGGLE)
		t->toggles = toggles;
	*tls = NULL;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"garbage", no_argument, NULL, GARBAGE},
	    {"toggle", no_argument, NULL, TOGGLE},
	    {"oversize", no_argument, NULL, OVERSIZE},
	    {"cross-attrs", no_argument, NULL, CROSS_ATTRS},
	    {"cross-header", no_argument, NULL, CROSS_HEADER},
	    {"misaligned", no_argument, NULL, MISALIGNED},
	    {"swap", no_argument, NULL, SWAP},
	    {"churn", no_argument, NULL, CHURN},
	    {"pctx-rewrite", no_argument, NULL, PCTX_REWRITE},
	    {"all", no_argument, NULL, 100},
	    {"duration", required_argument, NULL, 101},
	    {"truth", required_argument, NULL, 102},
	    {"max-ops", required_argument, NULL, 103},
	    {NULL, 0, NULL, 0},
	};
	static struct hostile_thread threads[N_CASES];
	const struct otel_ctx_kv resource[] = {
	    {.key = "service.name",
	     .type = OTEL_CTX_VALUE_STRING,
	     .v.str = "spancap-hostile-writer"},
	};
	struct hostile h = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	bool selected[N_CASES] = {false}, any = false;
	unsigned int duration = 10, n = 0, i;
	struct timespec deadline;
	char msg[256], buf[64];
	int c, err;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c >= 0 && c < N_CASES) {
			selected[c] = any = true;
		} else if (c == 100) {
			for (i = 0; i < N_ALL; i++)
				selected[i] = any = true;
		} else if (c == 101) {
			duration = (unsigned int)strtoul(optarg, NULL, 10);
			if (duration == 0 || duration > 120)
				goto usage;
		} else if (c == 103) {
			char *end;

			errno = 0;
			h.max_ops = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				goto usage;
		} else if (c == 102) {
			h.truth = fopen(optarg, "we");
			if (!h.truth) {
				fprintf(stderr, "spancap-hostile-writer: cannot open %s: %s\n",
					optarg, strerror(errno));
				return EXIT_FAILURE;
			}
			setvbuf(h.truth, NULL, _IOLBF, 0);
		} else {
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (!any)
		for (i = 0; i < N_ALL; i++)
			selected[i] = true;

	err = otel_ctx_process_publish(resource, 1);
	if (!err)
		err = otel_ctx_key_index("hostile.key") < 0 ? -EINVAL : 0;
	if (err) {
		otel_ctx_process_error(msg, sizeof(msg));
		fprintf(stderr, "spancap-hostile-writer: publishing the process context: %s\n",
			msg);
		return EXIT_FAILURE;
	}
	h.page = sysconf(_SC_PAGESIZE);
	h.unmapped = mmap(NULL, (size_t)h.page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h.unmapped == MAP_FAILED || munmap(h.unmapped, (size_t)h.page) != 0)
		goto err_pages;
	for (i = 0; i < N_CASES; i++) {
		if (!selected[i])
			continue;
		threads[n].h = &h;
		threads[n].which = (enum hostile_case)i;
		threads[n].pages = mmap(NULL, 2 * (size_t)h.page, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (threads[n].pages == MAP_FAILED ||
		    mprotect(threads[n].pages + h.page, (size_t)h.page, PROT_NONE) != 0)
			goto err_pages;
		err = pthread_create(&threads[n].thread, NULL, hostile_main, &threads[n]);
		if (err) {
			fprintf(stderr, "spancap-hostile-writer: pthread_create: %s\n",
				strerror(err));
			return EXIT_FAILURE;
		}
		n++;
	}
	pthread_mutex_lock(&h.lock);
	while (h.ready < n)
		pthread_cond_wait(&h.cond, &h.lock);
	fprintf(h.truth ? h.truth : stderr, "{\"type\":\"ready\",\"pid\":%d}\n", (int)getpid());
	pthread_mutex_unlock(&h.lock);

	/* Hold until stdin reaches EOF or the deadline passes. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += duration;
	for (;;) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		struct timespec now;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (deadline.tv_sec - now.tv_sec) * 1000 +
		     (deadline.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0 || poll(&pfd, 1, (int)ms) <= 0 ||
		    read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			break;
	}
	pthread_mutex_lock(&h.lock);
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
	for (i = 0; i < n; i++) {
		pthread_join(threads[i].thread, NULL);
		munmap(threads[i].pages, 2 * (size_t)h.page);
		if (threads[i].which == PCTX_REWRITE)
			fprintf(h.truth ? h.truth : stderr,
				"{\"type\":\"pctx\",\"publications\":%lu}\n",
				threads[i].toggles);
	}
	otel_ctx_process_reset();
	if (h.truth)
		fclose(h.truth);
	return EXIT_SUCCESS;
err_pages:
	fprintf(stderr, "spancap-hostile-writer: setting up the pages: %s\n", strerror(errno));
	return EXIT_FAILURE;
usage:
	fprintf(stderr,
		"usage: %s [--all|--garbage|--toggle|--oversize|--cross-attrs|"
		"--cross-header|--misaligned|--swap|--churn|--pctx-rewrite]... [--duration SEC] "
		"[--max-ops N] "
		"[--truth FILE]\n",
		argv[0]);
	return EXIT_FAILURE;
}
