// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_frame_index.c - libFuzzer target: the frame index (FORMAT.md 7) from hostile bytes.
 *
 * An input whose first byte is even is a whole file: its index payloads are decoded by the
 * loader (walking its frames by their headers), then the file is read with every indexed
 * frame skipped; each payload's queries run. An odd first byte makes the rest of the input a
 * sidecar FILE.idx of a small valid capture, whose header's size and time are set to match so
 * that its entries are parsed and matched against the frames. The input itself is also decoded
 * as one index payload; each decoded descriptor entry must be found again by its (pid, fd).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spancap_file.h"

static char dir[64], cap[96], side[96], base[96];

static void query(const struct scf_fidx_entry *e)
{
	static const uint8_t id[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	scf_fidx_entry_has_pid(e, 100);
	scf_fidx_entry_may_hold_trace(e, id, SCF_FIDX_ANY_PID);
	for (uint32_t i = 0; i < e->npids && i < 64; i++)
		scf_fidx_entry_may_hold_trace(e, id, e->pids[i]);
	/* the descriptor part (since 1.4): every listed entry is found again */
	for (uint32_t i = 0; i < e->nfds && i < 64; i++)
		if (scf_fidx_entry_fd(e, e->fds[i].pid, e->fds[i].fd) != &e->fds[i])
			abort();
	scf_fidx_entry_fd(e, 100, SCF_FIDX_FD_PROCESS);
}

/* A small capture of three frames without index frames: the sidecar's file. */
static void make_base(void)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .frame_bytes = 1024, .no_index = true };
	struct scf_section s = { .format_major = SCF_FORMAT_MAJOR, .format_minor = 3 };
	struct scf_writer *w = scf_writer__open(base, &o, NULL, 0);
	struct scf_rec_builder b;
	uint8_t buf[512];

	if (!w)
		abort();
	scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_SECTION, 0, &s, sizeof(s));
	scf_writer__begin_section(w, 1000, buf, scf_rb_end(&b));
	for (uint32_t i = 0; i < 40; i++) {
		struct scf_syscall sc = { .pid = 100 + i % 3, .tid = 100 + i % 3, .nr = 1 };

		memset(sc.trace_id, (int)i + 1, sizeof(sc.trace_id));
		scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_SYSCALL, SCF_SYSCALL_F_CTX, &sc, sizeof(sc));
		scf_writer__append(w, 2000 + i, buf, scf_rb_end(&b));
	}
	if (scf_writer__close(w, NULL, 0))
		abort();
}

static void put_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static void read_skipping(const char *path, const struct scf_fidx *x)
{
	struct scf_reader *r = scf_reader__open(path, NULL, 0);
	struct scf_record rec;
	int ret;

	if (!r)
		return;
	for (size_t i = 0; i < x->n; i++)
		scf_reader__skip_frame(r, &x->e[i]);
	while ((ret = scf_reader__next(r, &rec)) == 1) {
		struct scf_gap g;

		while (scf_reader__next_gap(r, &g) == 1)
			;
	}
	scf_reader__free(r);
}

/*
 * The base capture and its paths; with FUZZ_SEED_OUT set, also the seed of the sidecar mode:
 * an odd byte, then the base's real sidecar (run_fuzzers.sh makes it with -runs=0).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("FUZZ_SEED_OUT");
	char msg[SCF_ERRMSG_MAX];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_frame_index.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(cap, sizeof(cap), "%s/cap", dir);
	snprintf(side, sizeof(side), "%s/base.idx", dir);
	snprintf(base, sizeof(base), "%s/base", dir);
	make_base();
	if (seed) {
		FILE *in, *out;
		int c;

		if (scf_fidx__build_sidecar(base, msg, sizeof(msg)) != 1)
			abort();
		in = fopen(side, "rb");
		out = fopen(seed, "wb");
		if (!in || !out)
			abort();
		fputc(1, out);
		while ((c = fgetc(in)) != EOF)
			fputc(c, out);
		fclose(in);
		fclose(out);
		unlink(side);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scf_fidx_entry e;
	struct scf_fidx *x = NULL;
	char err[SCF_ERRMSG_MAX];

	if (scf_fidx_parse(data, size, &e, err, sizeof(err)) == 0) {
		query(&e);
		scf_fidx_entry_release(&e);
	}
	if (!size)
		return 0;
	if (data[0] & 1) {
		struct stat st;
		uint8_t *p = malloc(size);

		if (!p || stat(base, &st))
			abort();
		memcpy(p, data + 1, size - 1);
		if (size - 1 >= 32) { /* size and time of the base: the entries get parsed */
			uint64_t sz = (uint64_t)st.st_size;
			uint64_t mt = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
				      (uint64_t)st.st_mtim.tv_nsec;

			memcpy(p + 16, &sz, 8);
			memcpy(p + 24, &mt, 8);
		}
		put_file(side, p, size - 1);
		free(p);
		if (scf_fidx__load(base, &x, err, sizeof(err)) == 1) {
			for (size_t i = 0; i < x->n; i++)
				query(&x->e[i]);
			read_skipping(base, x);
		}
		scf_fidx__free(x);
		return 0;
	}
	put_file(cap, data, size);
	if (scf_fidx__load(cap, &x, err, sizeof(err)) == 1) {
		for (size_t i = 0; i < x->n; i++)
			query(&x->e[i]);
		read_skipping(cap, x);
	}
	scf_fidx__free(x);
	return 0;
}
