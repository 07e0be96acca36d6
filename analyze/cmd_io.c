// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_io.c - `files` and `net`: what the selected syscalls did per path (and pipe, anonymous
 * inode...) or per network peer.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

static int io_cmp(const void *a, const void *b)
{
	const struct ana_io_row *x = *(const struct ana_io_row *const *)a;
	const struct ana_io_row *y = *(const struct ana_io_row *const *)b;
	int r;

	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	r = strcmp(x->name, y->name);
	if (r)
		return r;
	return x->host < y->host ? -1 : x->host > y->host;
}

static const char *kind_name(uint8_t k)
{
	switch (k) {
	case ANA_T_FILE:
		return "file";
	case ANA_T_SOCKET:
		return "socket";
	case ANA_T_PIPE:
		return "pipe";
	case ANA_T_OTHER:
		return "other";
	default:
		return "unknown";
	}
}

static int io_report(struct ana_report *r, bool net)
{
	static const char *const fh[] = { "HOST", "PATH", "KIND", "OPS", "OPENS", "READS", "READ",
					  "WRITES", "WRITTEN", "SYNCS", "MMAPS", "ERRORS", "TIME" };
	struct ana_ctx *c = r->c;
	struct ana_io_row **v = calloc(c->io.n + 1, sizeof(*v));
	bool mh = ana_multi_host(c);
	uint32_t n = 0;
	struct ana_table t;
	struct ana_json j;

	if (!v) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return 1;
	}
	for (uint32_t i = 0; i < c->io.n; i++)
		if ((c->io.rows[i]->kind == ANA_T_SOCKET) == net)
			v[n++] = c->io.rows[i];
	qsort(v, n, sizeof(*v), io_cmp);
	if (r->json) {
		ana_json_init(&j, r->out);
		ana_json_head(&j, r, net ? "net" : "files");
		ana_json_arr(&j, net ? "peers" : "files");
	} else {
		/* the SYNCS and MMAPS columns only mean something for files */
		static const char *const nh2[] = { "HOST", "PEER", "KIND", "OPS", "CONNECTS",
						   "RECVS", "RECEIVED", "SENDS", "SENT", "ERRORS",
						   "TIME" };
		if (net)
			ana_table_init(&t, mh ? 11 : 10, mh ? nh2 : nh2 + 1,
				       mh ? "lllrrrrrrrr" : "llrrrrrrrr");
		else
			ana_table_init(&t, mh ? 13 : 12, mh ? fh : fh + 1,
				       mh ? "lllrrrrrrrrrr" : "llrrrrrrrrrr");
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct ana_io_row *w = v[i];
		char esc[1024], d[24];

		if (r->json) {
			ana_json_obj(&j, NULL);
			ana_json_str(&j, "host", ana_host_name(c, w->host));
			ana_json_str(&j, net ? "peer" : "path", w->name);
			ana_json_str(&j, "kind", kind_name(w->kind));
			ana_json_u64(&j, "ops", w->ops);
			if (net) {
				ana_json_u64(&j, "connects", w->connects);
			} else {
				ana_json_u64(&j, "opens", w->opens);
				ana_json_u64(&j, "syncs", w->syncs);
				ana_json_u64(&j, "mmaps", w->mmaps);
			}
			ana_json_u64(&j, "reads", w->reads);
			ana_json_u64(&j, "bytes_read", w->bytes_read);
			ana_json_u64(&j, "writes", w->writes);
			ana_json_u64(&j, "bytes_written", w->bytes_written);
			ana_json_u64(&j, "errors", w->errors);
			ana_json_u64(&j, "time_ns", w->time_ns);
			ana_json_end(&j, true);
			continue;
		}
		if (mh)
			ana_table_cell(&t, "%s", ana_host_name(c, w->host));
		ana_table_cell(&t, "%s", ana_fmt_escape(esc, sizeof(esc), w->name, strlen(w->name)));
		ana_table_cell(&t, "%s", kind_name(w->kind));
		ana_table_cell(&t, "%" PRIu64, w->ops);
		ana_table_cell(&t, "%" PRIu64, net ? w->connects : w->opens);
		ana_table_cell(&t, "%" PRIu64, w->reads);
		ana_table_cell(&t, "%" PRIu64, w->bytes_read);
		ana_table_cell(&t, "%" PRIu64, w->writes);
		ana_table_cell(&t, "%" PRIu64, w->bytes_written);
		if (!net) {
			ana_table_cell(&t, "%" PRIu64, w->syncs);
			ana_table_cell(&t, "%" PRIu64, w->mmaps);
		}
		ana_table_cell(&t, "%" PRIu64, w->errors);
		ana_table_cell(&t, "%s", ana_fmt_dur(d, sizeof(d), w->time_ns));
	}
	if (r->json) {
		ana_json_end(&j, false);
		ana_json_end(&j, true);
		ana_json_finish(&j);
	} else {
		ana_table_print(&t, r->out, 0);
		ana_table_free(&t);
	}
	free(v);
	return 0;
}

int ana_report_files(struct ana_report *r)
{
	return io_report(r, false);
}

int ana_report_net(struct ana_report *r)
{
	return io_report(r, true);
}
