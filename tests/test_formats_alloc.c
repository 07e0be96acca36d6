// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_formats_alloc.c - allocation failure injection in the formats writer and reader.
 *
 * The binary is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: every allocation
 * formats/ makes itself goes through the wrappers below, which can fail the Nth one. Each
 * scenario (write a compressed file, a plain file, read a compressed file from memory, read a
 * plain file by path) runs with N = 1, 2, ... until a run reaches its end without meeting
 * allocation N. Every injected failure must surface as a negative errno with a message, never
 * a crash; make test runs this suite under ASan + LSan too, which turns any leak on those error
 * paths into a failure.
 *
 * --wrap only rebinds the objects linked into the binary, so tests/tests.mk links libzstd and
 * libpcap statically here: their allocations (compression contexts and workspaces, pcap's
 * reader state) are failed too. What libc allocates for itself (fopencookie's FILE) is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spancap_file.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static struct {
	bool armed;
	unsigned long count; /* allocations seen while armed */
	unsigned long fail_at;
	bool failed; /* allocation fail_at was met (and failed) */
} inj;

static bool inject(void)
{
	if (!inj.armed || ++inj.count != inj.fail_at)
		return false;
	inj.failed = true;
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return inject() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return inject() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return inject() ? NULL : __real_realloc(p, size);
}

static void arm(unsigned long fail_at)
{
	inj.count = 0;
	inj.fail_at = fail_at;
	inj.failed = false;
	inj.armed = true;
}

static void disarm(void)
{
	inj.armed = false;
}

#define T0 1790000000000000000ull
#define NRECORDS 600
#define MAX_RUNS 10000

static char tmpdir[64];

/* A failure must be a negative errno and a message. */
static void assert_clean_error(int rc, const char *msg, const char *what, unsigned long n)
{
	if (rc < 0 && msg && msg[0])
		return;
	fail_msg("%s, allocation %lu failed: returned %d, message \"%s\"", what, n, rc,
		 msg ? msg : "(null)");
}

static size_t make_section(uint8_t *buf, size_t cap)
{
	struct scf_section sec = {.format_major = SCF_FORMAT_MAJOR, .ncpus = 2};
	struct scf_rec_builder b;

	sec.capture_start_ns = sec.section_start_ns = T0;
	scf_rb_begin(&b, buf, cap, SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "alloc-fail");
	return scf_rb_end(&b);
}

static size_t make_syscall(uint8_t *buf, size_t cap, uint32_t i)
{
	struct scf_syscall s = {.tid = 10 + i % 5, .pid = 10, .nr = (uint16_t)(i % 300),
				.duration_ns = i * 13u, .ret = (int64_t)i};
	struct scf_rec_builder b;
	char path[64];

	memset(s.trace_id, (int)i, sizeof(s.trace_id));
	scf_rb_begin(&b, buf, cap, SCF_REC_SYSCALL, 0, &s, sizeof(s));
	snprintf(path, sizeof(path), "/var/lib/alloc-fail/%u/%u", i, i * 7919u);
	scf_rb_item_str(&b, SCF_ITEM_PATH, path);
	return scf_rb_end(&b);
}

/*
 * Writes NRECORDS records in small frames (several frames, a flush in the middle). Returns 0 or
 * the first error, checked to be clean.
 */
static int write_scenario(const char *path, bool compressed, unsigned long n)
{
	struct scf_writer_opts o = {.sz = sizeof(o), .uncompressed = !compressed,
				    .frame_bytes = 8192};
	char err[SCF_ERRMSG_MAX] = "";
	struct scf_writer *w;
	uint8_t buf[512];
	size_t len;
	int rc = 0, crc;

	w = scf_writer__open(path, &o, err, sizeof(err));
	if (!w) {
		assert_clean_error(-errno, err, "scf_writer__open", n);
		return -errno;
	}
	len = make_section(buf, sizeof(buf));
	rc = scf_writer__begin_section(w, T0, buf, len);
	for (uint32_t i = 0; !rc && i < NRECORDS; i++) {
		len = make_syscall(buf, sizeof(buf), i);
		rc = scf_writer__append(w, T0 + 1000ull * (i + 1), buf, len);
		if (!rc && i == NRECORDS / 2)
			rc = scf_writer__flush(w);
	}
	if (rc)
		assert_clean_error(rc, scf_writer__errmsg(w), "writing", n);
	crc = scf_writer__close(w, err, sizeof(err));
	if (rc && !crc)
		fail_msg("allocation %lu: close() forgot the error %d", n, rc);
	if (crc)
		assert_clean_error(crc, err, "scf_writer__close", n);
	return rc ? rc : crc;
}

/* Reads every record; returns the record count or a clean negative error. */
static long read_records(struct scf_reader *r, unsigned long n)
{
	struct scf_record rec;
	long count = 0;
	int rc;

	while ((rc = scf_reader__next(r, &rec)) == 1)
		count++;
	if (rc < 0) {
		assert_clean_error(rc, scf_reader__errmsg(r), "scf_reader__next", n);
		return rc;
	}
	return count;
}

static long read_scenario(const char *path, const void *img, size_t len, unsigned long n)
{
	char err[SCF_ERRMSG_MAX] = "";
	struct scf_reader *r;
	long count;

	if (img)
		r = scf_reader__open_mem(img, len, "alloc-fail", err, sizeof(err));
	else
		r = scf_reader__open(path, err, sizeof(err));
	if (!r) {
		assert_clean_error(-errno, err, "scf_reader__open", n);
		return -errno;
	}
	count = read_records(r, n);
	scf_reader__free(r);
	return count;
}

/* Runs a writer scenario failing allocation 1, 2, ... until one run never reaches it. */
static void sweep_writer(bool compressed)
{
	char path[128];
	unsigned long n;
	int rc;

	snprintf(path, sizeof(path), "%s/w.pcapng%s", tmpdir, compressed ? ".zst" : "");
	for (n = 1; n < MAX_RUNS; n++) {
		arm(n);
		rc = write_scenario(path, compressed, n);
		disarm();
		if (!inj.failed) {
			assert_int_equal(rc, 0);
			break;
		}
	}
	assert_true(n > 1 && n < MAX_RUNS);
	/* The file of the run without a failure is whole. */
	assert_int_equal(read_scenario(path, NULL, 0, 0), NRECORDS + 1);
	print_message("# writer (%s): %lu allocation points, each failed once, cleanly\n",
		      compressed ? "zstd" : "plain", n - 1);
}

static void sweep_reader(bool compressed, bool from_memory)
{
	char path[128];
	uint8_t *img = NULL;
	struct stat st;
	unsigned long n;
	long count;
	int fd;

	snprintf(path, sizeof(path), "%s/r.pcapng%s", tmpdir, compressed ? ".zst" : "");
	assert_int_equal(write_scenario(path, compressed, 0), 0);
	if (from_memory) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		img = __real_malloc((size_t)st.st_size);
		assert_non_null(img);
		assert_int_equal(read(fd, img, (size_t)st.st_size), st.st_size);
		close(fd);
	}
	for (n = 1; n < MAX_RUNS; n++) {
		arm(n);
		count = read_scenario(path, img, img ? (size_t)st.st_size : 0, n);
		disarm();
		if (!inj.failed) {
			assert_int_equal(count, NRECORDS + 1);
			break;
		}
	}
	free(img);
	assert_true(n > 1 && n < MAX_RUNS);
	print_message("# reader (%s, %s): %lu allocation points, each failed once, cleanly\n",
		      compressed ? "zstd" : "plain", from_memory ? "memory" : "file", n - 1);
}

static void test_writer_zstd(void **state)
{
	(void)state;
	sweep_writer(true);
}

static void test_writer_plain(void **state)
{
	(void)state;
	sweep_writer(false);
}

static void test_reader_zstd_memory(void **state)
{
	(void)state;
	sweep_reader(true, true);
}

static void test_reader_zstd_file(void **state)
{
	(void)state;
	sweep_reader(true, false);
}

static void test_reader_plain_file(void **state)
{
	(void)state;
	sweep_reader(false, false);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/spancap-allocfail-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[160];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%c.pcapng%s", tmpdir, i < 2 ? 'w' : 'r',
			 i % 2 ? ".zst" : "");
		unlink(path);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writer_zstd),
	    cmocka_unit_test(test_writer_plain),
	    cmocka_unit_test(test_reader_zstd_memory),
	    cmocka_unit_test(test_reader_zstd_file),
	    cmocka_unit_test(test_reader_plain_file),
	};

	return cmocka_run_group_tests_name("formats allocation failures", tests, setup, teardown);
}
