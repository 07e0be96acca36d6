// SPDX-License-Identifier: BSD-2-Clause
/*
 * recorder_bench - the user-space path of spancap on one core: BPF ring buffer -> libbpf
 * consumer -> recorder (capture_records.c: kernel events to formats/ records) -> formats/
 * writer -> zstd -> file, fed by a synthetic producer (bpf/spancap_synth.bpf.c) that writes
 * copies of real spancap_abi.h events into a ring buffer.
 *
 *   recorder_bench [-n EVENTS] [-b BATCH] [-u] [-i] [-l LEVEL] [-o FILE]
 *
 * Each batch is produced first (BPF_PROG_TEST_RUN, not timed), then consumed (timed), by the
 * consumer thread, pinned to one CPU. The recorder compresses on a second thread when the
 * process may use two CPUs, as spancap does (-i: inline, on the consumer thread). The figure is
 * the CPU time per event of both: the consumer thread's while it consumes
 * (CLOCK_THREAD_CPUTIME_ID) plus every other thread's (CLOCK_PROCESS_CPUTIME_ID at the end
 * less the consumer thread's total), and the wall time the consumer spends. -l: the zstd level
 * (default 1, as spancap's). Built with RECORDER_BENCH_BEFORE_THREAD, it measures the same way
 * a recorder from before the compressor thread (bench/run_bench.sh, before/after).
 *
 * The event mix models a service under trace: reads and writes in a span (no items), openat
 * with a 50-byte path, connect with an IPv4 address, close, futex and epoll_wait outside
 * spans, and a context event (11 bytes of attributes) one time in 16; threads, times, byte
 * counts and fds vary per event.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "spancap_synth.skel.h"

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static size_t put_item(uint8_t *p, uint16_t tag, const void *data, uint16_t len)
{
	struct sc_item_hdr h = {tag, len};

	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), data, len);
	return SC_ITEM_ALIGN(sizeof(h) + len);
}

static uint32_t syscall_tmpl(uint8_t *b, uint16_t nr, bool ctx, int64_t ret, int kind)
{
	static const char path[] = "/var/lib/app/data/orders/2026/11/23/part-0007.json";
	struct sc_syscall_event ev = {.type = SC_EV_SYSCALL, .nr = nr, .pid = 4242, .tid = 4242};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(5432),
				  .sin_addr.s_addr = htonl(0x0a000017)};
	size_t len = sizeof(ev);

	ev.ret = ret;
	ev.args[1] = 0x7f12345670a0ull;
	ev.args[2] = 4096;
	if (ctx) {
		ev.flags = SC_SYS_F_CTX;
		memset(ev.trace_id, 0x4b, 16);
		ev.trace_id[15] = 0x36;
		memset(ev.span_id, 0xa7, 8);
		ev.trace_flags = 1;
	}
	if (kind == 1)
		len += put_item(b + len, SC_ITEM_PATH, path, sizeof(path) - 1);
	else if (kind == 2)
		len += put_item(b + len, SC_ITEM_SOCKADDR, &sin, sizeof(sin));
	ev.len = len;
	memcpy(b, &ev, sizeof(ev));
	return len;
}

static uint32_t ctx_tmpl(uint8_t *b)
{
	static const uint8_t attrs[11] = {0x0a, 0x09, 0x08, 0x00, 0x12, 0x05, 'o', 'r', 'd',
					  'e', 'r'};
	struct sc_ctx_event ev = {.type = SC_EV_CTX, .pid = 4242, .tid = 4243, .valid = 1,
				  .trace_flags = 1, .attrs_size = 11, .attrs_len = 11};

	memset(ev.trace_id, 0x4b, 16);
	memset(ev.span_id, 0xa8, 8);
	ev.len = sizeof(ev) + sizeof(attrs);
	memcpy(b, &ev, sizeof(ev));
	memcpy(b + sizeof(ev), attrs, sizeof(attrs));
	return ev.len;
}

static void fill_templates(struct spancap_synth *sk)
{
	struct {
		uint16_t nr;
		bool ctx;
		int64_t ret;
		int kind; /* 0 none, 1 path, 2 sockaddr, 3 context event */
	} mix[16] = {
		{0, true, 512, 0},   {1, true, 512, 0},	   {0, true, 512, 0},	 {257, true, 7, 1},
		{1, true, 512, 0},   {202, false, 0, 0},   {0, true, 512, 0},	 {42, true, 0, 2},
		{3, true, 0, 0},     {1, true, 512, 0},	   {232, false, 1, 0},	 {0, true, 512, 0},
		{257, true, -2, 1},  {202, false, 0, 0},   {0, true, 512, 0},	 {0, false, 0, 3},
	};

	for (int i = 0; i < 16; i++)
		sk->bss->tmpl_len[i] = mix[i].kind == 3
					       ? ctx_tmpl(sk->bss->tmpl[i])
					       : syscall_tmpl(sk->bss->tmpl[i], mix[i].nr, mix[i].ctx,
							      mix[i].ret, mix[i].kind);
	sk->data->n_tmpl = 16;
}

static int on_event(void *ctx, void *data, size_t len)
{
	return recorder__event(ctx, data, len);
}

int main(int argc, char **argv)
{
	struct capture_opts o = {.out_path = NULL};
	char *cargv[] = {"recorder_bench", NULL};
	char err[512] = "", tmpl_path[] = "/tmp/recorder_bench.XXXXXX";
	uint64_t total = 5000000, batch = 250000, done = 0, busy = 0, cpu = 0, t0, c0, others;
	bool inline_only = false, threaded = false;
	struct spancap_synth *sk;
	struct ring_buffer *rb;
	struct recorder *r;
	cpu_set_t cpus;
	int c, fd = -1;

	while ((c = getopt(argc, argv, "n:b:uil:o:")) != -1) {
		switch (c) {
		case 'n':
			total = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			batch = strtoull(optarg, NULL, 10);
			break;
		case 'u':
			o.uncompressed = true;
			break;
		case 'i':
			inline_only = true;
			break;
		case 'l':
			o.compress_level = atoi(optarg);
			break;
		case 'o':
			o.out_path = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: recorder_bench [-n EVENTS] [-b BATCH] [-u] [-i] [-l LEVEL] "
				"[-o FILE]\n");
			return 2;
		}
	}
	if (!total || !batch || batch > 300000) {
		fprintf(stderr, "recorder_bench: -n > 0, 0 < -b <= 300000 (a 64 MiB ring)\n");
		return 2;
	}
	if (!o.out_path) {
		fd = mkstemp(tmpl_path);
		if (fd < 0) {
			perror("recorder_bench: mkstemp");
			return 1;
		}
		close(fd);
		unlink(tmpl_path); /* the writer creates it anew (never through a link) */
		o.out_path = tmpl_path;
	}
	r = recorder__open(&o, NULL, o.out_path, 1, cargv, err, sizeof(err)); /* nothing to resolve */
	if (!r) {
		fprintf(stderr, "recorder_bench: %s\n", err);
		return 1;
	}
#ifndef RECORDER_BENCH_BEFORE_THREAD
	if (!inline_only)
		threaded = recorder__compress_thread(r);
#else
	(void)inline_only; /* always inline */
#endif
	/* One CPU for the producer and the consumer thread (set for this thread only: the
	 * compressor thread, started before, keeps the process's CPUs). */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	sk = spancap_synth__open_and_load();
	if (!sk) {
		fprintf(stderr, "recorder_bench: cannot load the synthetic producer: %s\n",
			strerror(errno));
		return 1;
	}
	fill_templates(sk);
	rb = ring_buffer__new(bpf_map__fd(sk->maps.synth_events), on_event, r, NULL);
	if (!rb) {
		fprintf(stderr, "recorder_bench: ring buffer: %s\n", strerror(errno));
		return 1;
	}
	while (done < total) {
		LIBBPF_OPTS(bpf_test_run_opts, topts);
		uint64_t n = total - done < batch ? total - done : batch;
		int got;

		sk->bss->count = n;
		if (bpf_prog_test_run_opts(bpf_program__fd(sk->progs.synth_produce), &topts)) {
			fprintf(stderr, "recorder_bench: test run: %s\n", strerror(errno));
			return 1;
		}
		t0 = clock_ns(CLOCK_MONOTONIC);
		c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		got = ring_buffer__consume(rb);
		recorder__tick(r);
		cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		busy += clock_ns(CLOCK_MONOTONIC) - t0;
		if (got < 0) {
			fprintf(stderr, "recorder_bench: consume: %s\n", strerror(-got));
			return 1;
		}
		done += n;
	}
	t0 = clock_ns(CLOCK_MONOTONIC);
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	if (recorder__close(r, SCF_STOP_COUNT, true, err, sizeof(err))) {
		fprintf(stderr, "recorder_bench: %s\n", err);
		return 1;
	}
	cpu += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	busy += clock_ns(CLOCK_MONOTONIC) - t0;
	/* The compressor thread has ended (close joins it): its time is in the process's. */
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	others = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	others = others > c0 ? others - c0 : 0;
	{
		FILE *f = fopen(o.out_path, "r");
		long bytes = 0;
		if (f && !fseek(f, 0, SEEK_END))
			bytes = ftell(f);
		if (f)
			fclose(f);
		printf("recorder_bench: %llu events (%llu dropped by the producer) in %.3f s of "
		       "consumer time: %.2f M events/s, %.1f bytes/event on disk (%s)\n",
		       (unsigned long long)done, (unsigned long long)sk->bss->drops, busy / 1e9,
		       done / (busy / 1e3), (double)bytes / done, o.uncompressed ? "pcapng" : "zstd");
		printf("recorder_bench: CPU per event %.1f ns: consumer thread %.1f, other threads "
		       "%.1f (compression %s)\n",
		       (double)(cpu + others) / done, (double)cpu / done, (double)others / done,
		       o.uncompressed ? "none" : threaded ? "on a second thread" : "inline");
	}
	if (o.out_path == tmpl_path)
		unlink(tmpl_path);
	ring_buffer__free(rb);
	spancap_synth__destroy(sk);
	return 0;
}
