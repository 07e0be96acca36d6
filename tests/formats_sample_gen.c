// SPDX-License-Identifier: BSD-2-Clause
/*
 * formats_sample_gen.c - test tool: writes a spancap file of N records through formats/ and
 * prints, one line per record, "<ts seconds>.<ts nanoseconds> <record length on disk>" for the
 * interoperability test to compare with what tshark and tcpdump read back.
 *
 *   formats_sample_gen FILE N [-u]
 *
 * Timestamps have irregular nanosecond parts so that any loss of precision shows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spancap_file.h"

int main(int argc, char **argv)
{
	struct scf_writer_opts o = { .sz = sizeof(o) };
	char err[SCF_ERRMSG_MAX];
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .ncpus = 1 };
	struct scf_rec_builder b;
	struct scf_writer *w;
	uint64_t ts = 1790000000000000000ull + 123456789ull;
	uint8_t buf[512];
	size_t len;
	long n;

	if (argc < 3) {
		fprintf(stderr, "usage: formats_sample_gen FILE N [-u]\n");
		return 2;
	}
	n = atol(argv[2]);
	o.uncompressed = argc > 3 && !strcmp(argv[3], "-u");
	o.frame_bytes = 4096; /* several frames even for a small file */
	w = scf_writer__open(argv[1], &o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "formats_sample_gen: %s\n", err);
		return 1;
	}
	sec.capture_start_ns = sec.section_start_ns = ts;
	scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, "interop");
	len = scf_rb_end(&b);
	if (scf_writer__begin_section(w, ts, buf, len))
		goto fail;
	printf("%" PRIu64 ".%09" PRIu64 " %zu\n", ts / 1000000000u, ts % 1000000000u, len);
	for (long i = 1; i < n; i++) {
		struct scf_syscall s = { .tid = (uint32_t)i, .pid = 1, .nr = (uint16_t)(i % 400),
					 .duration_ns = (uint64_t)i * 11, .ret = i };

		ts += 1000 + (uint64_t)(i * 7919 % 1000); /* odd nanosecond steps */
		scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_SYSCALL, 0, &s, sizeof(s));
		if (i % 3 == 0)
			scf_rb_item_str(&b, SCF_ITEM_PATH, "/tmp/interop");
		len = scf_rb_end(&b);
		if (scf_writer__append(w, ts, buf, len))
			goto fail;
		/* the length on disk: syscall records are packed (FORMAT.md 5.10) */
		printf("%" PRIu64 ".%09" PRIu64 " %zu\n", ts / 1000000000u, ts % 1000000000u,
		       scf_writer__last_record_len(w));
	}
	if (scf_writer__close(w, err, sizeof(err))) {
		fprintf(stderr, "formats_sample_gen: %s\n", err);
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "formats_sample_gen: %s\n", scf_writer__errmsg(w));
	return 1;
}
