// SPDX-License-Identifier: BSD-2-Clause
/*
 * load_workload - the traced program of tests/integration/it_capture_load.sh. It loads spancap
 * in one way per mode and counts, from the inside, what it did; the counts go to OUT as
 * "key value" lines for the test to reconcile with the capture.
 *
 *   load_workload flood N SECONDS OUT   one thread pinned on every online CPU calling getppid()
 *                                       as fast as it can, N calls in all; counts getppid calls
 *   load_workload churn N SECONDS OUT   N threads created and exited as fast as possible, 64 at
 *                                       a time, each calling getppid() once; counts both
 *   load_workload exec N SECONDS OUT    N fork + exec of itself ("child", one getppid(), exit 0)
 *                                       as fast as possible; counts execs and getppid calls
 *
 * N bounds the work, so that a faster machine does (and a capture records) no more of it; SECONDS
 * only ends a mode early, as a safety net on a machine too slow to finish N.
 *   load_workload pidreuse OUT PUBLISHER [ARGS...]
 *                                       runs PUBLISHER to its end, then makes a process with the
 *                                       same pid (through /proc/sys/kernel/ns_last_pid) and execs
 *                                       itself as "decoy OUT.decoy" there
 *   load_workload decoy OUT             a process that does not publish a context but keeps, in
 *                                       its only TLS variable (so at TP - 8, where a local-exec
 *                                       otel_thread_ctx_v1 of the previous owner of the pid sat),
 *                                       a pointer to a valid-looking record with trace id
 *                                       dec0dec0...; makes 100 getppid calls
 *
 * The syscalls that are not getppid (thread creation, waits, the output file) happen before
 * the flood starts or after a pause that lets spancap drain its ring buffer, so that any event
 * lost under load is a getppid call.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ARCH_GET_FS
#define ARCH_GET_FS 0x1003
#endif

#define CHURN_BATCH 64
#define DRAIN_MS 1000

struct decoy_record {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t valid;
	uint8_t trace_flags;
	uint16_t attrs_data_size;
} __attribute__((aligned(8)));

/* The program's only TLS variable: at TP - 8 (x86_64 local-exec, first and only block). */
static __thread void *decoy_slot;

static atomic_int go;
static atomic_ulong total_calls;
static atomic_ulong calls_left; /* flood: calls not yet claimed by a thread */
static double deadline;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: not a syscall */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		fprintf(stderr, "load_workload: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

/* Claims up to 256 of the flood's remaining calls; returns how many it got. */
static unsigned long claim_calls(void)
{
	unsigned long left = atomic_load(&calls_left), take;

	do {
		take = left < 256 ? left : 256;
	} while (take && !atomic_compare_exchange_weak(&calls_left, &left, left - take));
	return take;
}

static void *flood_main(void *arg)
{
	unsigned long n = 0, k;

	(void)arg;
	while (!atomic_load_explicit(&go, memory_order_acquire))
		;
	while (now_s() < deadline && (k = claim_calls()) > 0) {
		for (unsigned long i = 0; i < k; i++)
			syscall(SYS_getppid);
		n += k;
	}
	atomic_fetch_add(&total_calls, n);
	pause_ms(DRAIN_MS); /* the ring drains before this thread's exit is reported */
	return NULL;
}

static int flood(unsigned long count, double secs, const char *out)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t *t = calloc((size_t)ncpu, sizeof(*t));
	FILE *f = open_out(out);

	if (!t || ncpu < 1)
		return 2;
	for (long c = 0; c < ncpu; c++) {
		pthread_attr_t a;
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)c, &set);
		pthread_attr_init(&a);
		pthread_attr_setaffinity_np(&a, sizeof(set), &set);
		if (pthread_create(&t[c], &a, flood_main, NULL))
			return 2;
		pthread_attr_destroy(&a);
	}
	atomic_store(&calls_left, count);
	deadline = now_s() + secs;
	atomic_store_explicit(&go, 1, memory_order_release);
	for (long c = 0; c < ncpu; c++)
		pthread_join(t[c], NULL);
	fprintf(f, "threads %ld\ngetppid %lu\n", ncpu, atomic_load(&total_calls));
	fclose(f);
	free(t);
	return 0;
}

static void *churn_main(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return NULL;
}

static int churn(unsigned long count, double secs, const char *out)
{
	unsigned long threads = 0;
	FILE *f = open_out(out);
	double t0 = now_s(), t1;

	deadline = t0 + secs;
	while (now_s() < deadline && threads < count) {
		pthread_t t[CHURN_BATCH];
		int n = 0;

		for (int i = 0; i < CHURN_BATCH && threads + (unsigned long)i < count; i++)
			if (pthread_create(&t[n], NULL, churn_main, NULL) == 0)
				n++;
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		threads += (unsigned long)n;
	}
	t1 = now_s();
	pause_ms(DRAIN_MS);
	fprintf(f, "threads %lu\ngetppid %lu\nper_second %.0f\n", threads, threads,
		(double)threads / (t1 - t0));
	fclose(f);
	return 0;
}

static int exec_storm(unsigned long count, double secs, const char *self, const char *out)
{
	unsigned long execs = 0, failed = 0;
	FILE *f = open_out(out);
	double t0 = now_s(), t1;

	deadline = t0 + secs;
	while (now_s() < deadline && execs + failed < count) {
		int st;
		pid_t p = fork();

		if (p == 0) {
			execl(self, self, "child", (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
			failed++;
			continue;
		}
		execs++;
	}
	t1 = now_s();
	pause_ms(DRAIN_MS);
	fprintf(f, "execs %lu\nfailed %lu\ngetppid %lu\nper_second %.0f\n", execs, failed, execs,
		(double)execs / (t1 - t0));
	fclose(f);
	return 0;
}

static int decoy(const char *out)
{
	static struct decoy_record rec = {.valid = 1, .trace_flags = 1};
	unsigned long fs = 0;
	FILE *f = open_out(out);

	for (int i = 0; i < 16; i++)
		rec.trace_id[i] = i % 2 ? 0xc0 : 0xde;
	memset(rec.span_id, 0xd0, sizeof(rec.span_id));
	decoy_slot = &rec;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	fprintf(f, "decoy_pid %d\ndecoy_tls_offset %lld\n", (int)getpid(),
		(long long)((unsigned long)&decoy_slot - fs));
	fclose(f);
	for (int i = 0; i < 100; i++)
		syscall(SYS_getppid);
	return 0;
}

/* Forks until the child has pid want (the kernel hands out ns_last_pid + 1 next). */
static pid_t fork_as(pid_t want, int *attempts)
{
	for (*attempts = 1; *attempts <= 200; (*attempts)++) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%d", (int)want - 1);
		pid_t p;

		if (fd < 0 || write(fd, buf, (size_t)len) != len) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		p = fork();
		if (p <= 0 || p == want)
			return p;
		kill(p, SIGKILL); /* another process took the pid first: try again */
		waitpid(p, NULL, 0);
	}
	return -1;
}

static int pidreuse(const char *self, const char *out, char **publisher)
{
	FILE *f = open_out(out);
	int st, attempts = 0;
	pid_t pub, p;

	pub = fork();
	if (pub == 0) {
		execv(publisher[0], publisher);
		_exit(127);
	}
	if (pub < 0 || waitpid(pub, &st, 0) != pub)
		return 2;
	fprintf(f, "publisher_pid %d\npublisher_status %d\n", (int)pub, st);
	fflush(f);
	pause_ms(500);
	p = fork_as(pub, &attempts);
	if (p == 0) {
		char decoy_out[4096];

		snprintf(decoy_out, sizeof(decoy_out), "%s.decoy", out);
		execl(self, self, "decoy", decoy_out, (char *)NULL);
		_exit(127);
	}
	fprintf(f, "reuse_pid %d\nreuse_attempts %d\n", (int)p, attempts);
	fclose(f);
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: load_workload flood|churn|exec N SECONDS OUT | pidreuse OUT "
			"PUBLISHER [ARGS...] | decoy OUT\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long count;
	double secs;
	char *end;

	if (argc == 2 && !strcmp(argv[1], "child")) {
		syscall(SYS_getppid);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "decoy"))
		return decoy(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "pidreuse"))
		return pidreuse(argv[0], argv[2], argv + 3);
	if (argc != 5)
		return usage();
	errno = 0;
	count = strtoul(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || argv[2][0] == '-' || count == 0)
		return usage();
	secs = atof(argv[3]);
	if (!(secs > 0 && secs <= 600))
		return usage();
	if (!strcmp(argv[1], "flood"))
		return flood(count, secs, argv[4]);
	if (!strcmp(argv[1], "churn"))
		return churn(count, secs, argv[4]);
	if (!strcmp(argv[1], "exec"))
		return exec_storm(count, secs, argv[0], argv[4]);
	return usage();
}
