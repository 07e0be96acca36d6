// SPDX-License-Identifier: BSD-2-Clause
/*
 * spancap-tls-checker: TEST-ONLY, independent reader of every thread's OTEP 4947 record.
 *
 *   spancap-tls-checker -p PID [-o OFFSET] [-t TID=OFFSET]...
 *
 * It does no ELF or relocation work: the address of otel_thread_ctx_v1 in a thread is
 * fs_base + OFFSET, where fs_base comes from ptrace (user_regs_struct) and OFFSET is what the
 * program itself measured (&otel_thread_ctx_v1 - fs_base, the truth log's tls_offset). -o
 * applies to threads without a -t. Each thread is stopped with PTRACE_SEIZE +
 * PTRACE_INTERRUPT, read with process_vm_readv, then detached. One line per thread, sorted by
 * tid:
 *
 *   tid=T fs_base=0x.. tls=0x.. record=0x..[ valid=V trace_id=HEX span_id=HEX flags=HH
 *   attrs_size=N attrs=K:"v",K:"v"][ error=WHAT:ERRNO]
 *
 * Attribute values escape '"', '\\' and bytes outside 0x20..0x7e as \xHH. Parsing follows the
 * spec: attrs_data_size is clamped to 612, parsing stops at an incomplete entry. A thread
 * without an offset prints tls=unknown. Exit status 0 when every thread was inspected (read
 * errors are reported, not fatal), 1 on usage or ptrace failures.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_THREADS 1024
#define MAX_OVERRIDES 256
#define RECORD_HEADER 28
#define ATTRS_MAX 612

struct offset_override {
	pid_t tid;
	long long offset;
};

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static const char *err_name(int err)
{
	switch (err) {
	case EFAULT:
		return "EFAULT";
	case ESRCH:
		return "ESRCH";
	case EPERM:
		return "EPERM";
	case EIO:
		return "EIO";
	default:
		return strerror(err);
	}
}

static void print_value(const uint8_t *p, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\' || p[i] < 0x20 || p[i] > 0x7e)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

/* Prints the record at rec (already known non-NULL). */
static void print_record(pid_t tid, uint64_t rec)
{
	uint8_t hdr[RECORD_HEADER], attrs[ATTRS_MAX];
	uint16_t size, used;
	size_t off;
	int err, i;

	err = read_mem(tid, rec, hdr, sizeof(hdr));
	if (err) {
		printf(" error=read_record:%s", err_name(-err));
		return;
	}
	printf(" valid=%u trace_id=", hdr[24]);
	for (i = 0; i < 16; i++)
		printf("%02x", hdr[i]);
	printf(" span_id=");
	for (i = 16; i < 24; i++)
		printf("%02x", hdr[i]);
	memcpy(&size, hdr + 26, sizeof(size));
	printf(" flags=%02x attrs_size=%u", hdr[25], size);
	used = size > ATTRS_MAX ? ATTRS_MAX : size;
	if (used == 0) {
		printf(" attrs=");
		return;
	}
	err = read_mem(tid, rec + RECORD_HEADER, attrs, used);
	if (err) {
		printf(" attrs=? error=read_attrs:%s", err_name(-err));
		return;
	}
	printf(" attrs=");
	for (off = 0; off + 2 <= used && off + 2 + attrs[off + 1] <= used;
	     off += 2 + (size_t)attrs[off + 1]) {
		printf("%s%u:", off ? "," : "", attrs[off]);
		print_value(attrs + off + 2, attrs[off + 1]);
	}
	if (off != used)
		printf(" trailing=%zu", used - off);
}

/* Stops one thread, reads fs_base and its record, resumes it. Returns 0 or -errno. */
static int inspect(pid_t tid, bool have_offset, long long offset)
{
	struct user_regs_struct regs;
	uint64_t tls, rec;
	int status, err;

	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
		err = -errno;
		goto out_detach;
	}
	if (waitpid(tid, &status, __WALL) != tid) {
		err = -errno;
		goto out_detach;
	}
	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) != 0) {
		err = -errno;
		goto out_detach;
	}
	err = 0;
	printf("tid=%d fs_base=0x%llx", (int)tid, (unsigned long long)regs.fs_base);
	if (!have_offset) {
		printf(" tls=unknown\n");
		goto out_detach;
	}
	tls = (uint64_t)regs.fs_base + (uint64_t)offset;
	printf(" tls=0x%" PRIx64, tls);
	err = read_mem(tid, tls, &rec, sizeof(rec));
	if (err) {
		printf(" error=read_tls:%s\n", err_name(-err));
		err = 0;
		goto out_detach;
	}
	printf(" record=0x%" PRIx64, rec);
	if (rec)
		print_record(tid, rec);
	putchar('\n');
out_detach:
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
	return err;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int list_threads(pid_t pid, pid_t *tids, size_t max, size_t *n)
{
	char path[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	*n = 0;
	while ((de = readdir(dir)) != NULL) {
		long t = strtol(de->d_name, NULL, 10);

		if (t <= 0)
			continue;
		if (*n == max) {
			closedir(dir);
			return -E2BIG;
		}
		tids[(*n)++] = (pid_t)t;
	}
	closedir(dir);
	qsort(tids, *n, sizeof(*tids), cmp_pid);
	return 0;
}

int main(int argc, char **argv)
{
	static struct offset_override overrides[MAX_OVERRIDES];
	static pid_t tids[MAX_THREADS];
	long long default_offset = 0;
	bool have_default = false;
	size_t n_over = 0, n = 0, i, j;
	pid_t pid = 0;
	int c, err, failures = 0;
	char *end;

	while ((c = getopt(argc, argv, "p:o:t:")) != -1) {
		switch (c) {
		case 'p':
			pid = (pid_t)strtol(optarg, &end, 10);
			if (*end || pid <= 0)
				goto usage;
			break;
		case 'o':
			default_offset = strtoll(optarg, &end, 0);
			if (*end)
				goto usage;
			have_default = true;
			break;
		case 't':
			if (n_over == MAX_OVERRIDES)
				goto usage;
			overrides[n_over].tid = (pid_t)strtol(optarg, &end, 10);
			if (*end != '=' || overrides[n_over].tid <= 0)
				goto usage;
			overrides[n_over].offset = strtoll(end + 1, &end, 0);
			if (*end)
				goto usage;
			n_over++;
			break;
		default:
			goto usage;
		}
	}
	if (!pid || optind != argc)
		goto usage;
	err = list_threads(pid, tids, MAX_THREADS, &n);
	if (err) {
		fprintf(stderr, "spancap-tls-checker: listing threads of %d: %s\n", (int)pid,
			strerror(-err));
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		bool have = have_default;
		long long off = default_offset;

		for (j = 0; j < n_over; j++) {
			if (overrides[j].tid == tids[i]) {
				have = true;
				off = overrides[j].offset;
			}
		}
		fflush(stdout);
		err = inspect(tids[i], have, off);
		if (err && err != -ESRCH) { /* a thread that exited meanwhile is not an error */
			fprintf(stderr, "spancap-tls-checker: ptrace of thread %d: %s\n",
				(int)tids[i], strerror(-err));
			failures++;
		}
	}
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
usage:
	fprintf(stderr, "usage: %s -p PID [-o OFFSET] [-t TID=OFFSET]...\n", argv[0]);
	return EXIT_FAILURE;
}
