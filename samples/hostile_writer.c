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
 * --truth FILE gets JSON lines: {"type":"thread","tid":..,"case":..,"tls_offset":..,
 * "record":"0x.."} per case, then {"type":"ready"} once every thread holds its context.
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

enum hostile_case { GARBAGE, TOGGLE, OVERSIZE, CROSS_ATTRS, CROSS_HEADER, MISALIGNED, N_CASES };

static const char *const case_names[N_CASES] = {"garbage",     "toggle",       "oversize",
						"cross-attrs", "cross-header", "misaligned"};

struct hostile {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int ready;
	int stop;
	FILE *truth;
	long page;
	uint8_t *unmapped;
};

struct hostile_thread {
	struct hostile *h;
	enum hostile_case which;
	pthread_t thread;
	struct otel_ctx_record rec; /* 2-byte aligned by its type */
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
	case N_CASES:
		break;
	}
	pthread_mutex_lock(&h->lock);
	fprintf(h->truth ? h->truth : stderr,
		"{\"type\":\"thread\",\"tid\":%ld,\"case\":\"%s\","
		"\"tls_offset\":%lld,\"record\":\"%p\"}\n",
		(long)syscall(SYS_gettid), case_names[t->which],
		(long long)((unsigned long)tls - base), (void *)*tls);
	h->ready++;
	pthread_cond_broadcast(&h->cond);
	if (t->which == TOGGLE) {
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
	    {"all", no_argument, NULL, 100},
	    {"duration", required_argument, NULL, 101},
	    {"truth", required_argument, NULL, 102},
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
			for (i = 0; i < N_CASES; i++)
				selected[i] = any = true;
		} else if (c == 101) {
			duration = (unsigned int)strtoul(optarg, NULL, 10);
			if (duration == 0 || duration > 120)
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
		for (i = 0; i < N_CASES; i++)
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
		"--cross-header|--misaligned]... [--duration SEC] [--truth FILE]\n",
		argv[0]);
	return EXIT_FAILURE;
}
