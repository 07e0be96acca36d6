// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_bench - a getppid loop: prints the median ns per call of several rounds.
 *
 *   syscall_bench [-n CALLS] [-r ROUNDS] [--ctx] [--wait] [--floor BPF_OBJECT]
 *
 *   --ctx     publish a valid OTEP 4947 context in otel_thread_ctx_v1 first
 *   --wait    print "ready", then wait for a line on stdin (spancap resolves us meanwhile)
 *   --floor   attach the programs of an object (bpf/spancap_empty.bpf.o) for the duration
 */
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct otel_record {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t valid;
	uint8_t trace_flags;
	uint16_t attrs_data_size;
	uint8_t attrs_data[612];
} __attribute__((packed, aligned(2)));

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;
static struct otel_record rec;

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

int main(int argc, char **argv)
{
	long calls = 1000000, rounds = 7;
	const char *floor_obj = NULL;
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	int ctx = 0, wait = 0;
	double res[64];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			calls = atol(argv[++i]);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atol(argv[++i]);
		else if (!strcmp(argv[i], "--ctx"))
			ctx = 1;
		else if (!strcmp(argv[i], "--wait"))
			wait = 1;
		else if (!strcmp(argv[i], "--floor") && i + 1 < argc)
			floor_obj = argv[++i];
		else {
			fprintf(stderr, "usage: syscall_bench [-n CALLS] [-r ROUNDS] [--ctx] [--wait] "
					"[--floor OBJ]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 64 || calls < 1)
		return 2;
	if (floor_obj) {
		obj = bpf_object__open_file(floor_obj, NULL);
		if (!obj || bpf_object__load(obj)) {
			fprintf(stderr, "syscall_bench: cannot load %s\n", floor_obj);
			return 1;
		}
		bpf_object__for_each_program(prog, obj)
		{
			if (!bpf_program__attach(prog)) {
				fprintf(stderr, "syscall_bench: cannot attach %s\n",
					bpf_program__name(prog));
				return 1;
			}
		}
	}
	if (ctx) {
		memset(rec.trace_id, 0x11, 16);
		memset(rec.span_id, 0x22, 8);
		rec.trace_flags = 1;
		rec.valid = 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		otel_thread_ctx_v1 = &rec;
	}
	if (wait) {
		char line[16];
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();
		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		res[r] = (double)(now_ns() - t0) / calls;
	}
	qsort(res, rounds, sizeof(res[0]), cmp_double);
	printf("%.1f\n", res[rounds / 2]);
	bpf_object__close(obj);
	return 0;
}
