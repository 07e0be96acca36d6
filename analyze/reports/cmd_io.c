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
	const struct ana_io_row *x = *(void *const *)a;
	const struct ana_io_row *y = *(void *const *)b;
	int r;

	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	r = strcmp(x->name, y->name);
	if (r || x->cut != y->cut)
		return r ? r : x->cut - y->cut;
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
	/* the SYNCS and MMAPS columns only mean something for files; HOST only with several */
	static const char *const fh[] = { "HOST", "PATH", "KIND", "OPS", "OPENS", "READS", "READ",
					  "WRITES", "WRITTEN", "SYNCS", "MMAPS", "ERRORS", "TIME" };
	static const char *const nh[] = { "HOST", "PEER", "KIND", "OPS", "CONNECTS", "RECVS",
					  "RECEIVED", "SENDS", "SENT", "ERRORS", "TIME" };
	struct ana_ctx *c = r->c;
	bool mh = ana_multi_host(c);
	unsigned int skip = mh ? 0 : 1;
	struct ana_listing l;
	struct ana_json *j = &l.j;
	struct ana_table *t = &l.t;
	uint32_t n = 0;
	void **v = ana_rows_alloc(r, c->io.n);

	if (!v)
		return 1;
	for (uint32_t i = 0; i < c->io.n; i++)
		if ((c->io.rows[i]->kind == ANA_T_SOCKET) == net)
			v[n++] = c->io.rows[i];
	qsort(v, n, sizeof(*v), io_cmp);
	ana_listing_begin(&l, r, net ? "net" : "files");
	if (net)
		ana_listing_rows(&l, "peers", 11 - skip, nh + skip, "lllrrrrrrrr" + skip);
	else
		ana_listing_rows(&l, "files", 13 - skip, fh + skip, "lllrrrrrrrrrr" + skip);
	for (uint32_t i = 0; i < n; i++) {
		const struct ana_io_row *w = v[i];
		char esc[1024], d[24];

		if (r->json) {
			ana_json_obj(j, NULL);
			ana_json_bytes(j, "host", ana_host_name(c, w->host));
			ana_json_bytes(j, net ? "peer" : "path", w->name);
			if (w->cut) /* the paths that begin with path */
				ana_json_bool(j, "truncated", true);
			ana_json_str(j, "kind", kind_name(w->kind));
			ana_json_u64(j, "ops", w->ops);
			if (net) {
				ana_json_u64(j, "connects", w->connects);
			} else {
				ana_json_u64(j, "opens", w->opens);
				ana_json_u64(j, "syncs", w->syncs);
				ana_json_u64(j, "mmaps", w->mmaps);
			}
			ana_json_u64(j, "reads", w->reads);
			ana_json_u64(j, "bytes_read", w->bytes_read);
			ana_json_u64(j, "writes", w->writes);
			ana_json_u64(j, "bytes_written", w->bytes_written);
			ana_json_u64(j, "errors", w->errors);
			ana_json_u64(j, "time_ns", w->time_ns);
			ana_json_end(j, true);
			continue;
		}
		if (mh)
			ana_table_cell(t, "%s", ana_host_name(c, w->host));
		ana_table_cell(t, "%s%s", ana_fmt_escape(esc, sizeof(esc), w->name, strlen(w->name)),
			       w->cut ? "..." : "");
		ana_table_cell(t, "%s", kind_name(w->kind));
		ana_table_cell(t, "%" PRIu64, w->ops);
		ana_table_cell(t, "%" PRIu64, net ? w->connects : w->opens);
		ana_table_cell(t, "%" PRIu64, w->reads);
		ana_table_cell(t, "%" PRIu64, w->bytes_read);
		ana_table_cell(t, "%" PRIu64, w->writes);
		ana_table_cell(t, "%" PRIu64, w->bytes_written);
		if (!net) {
			ana_table_cell(t, "%" PRIu64, w->syncs);
			ana_table_cell(t, "%" PRIu64, w->mmaps);
		}
		ana_table_cell(t, "%" PRIu64, w->errors);
		ana_table_cell(t, "%s", ana_fmt_dur(d, sizeof(d), w->time_ns));
	}
	ana_listing_end(&l);
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
