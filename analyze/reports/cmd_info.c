// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_info.c - `info`: inputs, hosts, captures, sections, record counts, losses, and how each
 * process's OTel context was resolved.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "text_fmt.h"

/* Processes that publish or were described (not every pid a syscall mentioned). */
static bool described(const struct ana_ctx *c, const void *item)
{
	const struct ana_proc *p = item;

	(void)c;
	return p->described;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sections of one capture (a host's capture k) missing between the first and the last one
 * read: files of a rotation that were not given, or lost. Calls gap(arg, from, to), when gap is
 * not NULL, for each run of missing section indexes, in order; returns the number of runs, -1
 * when memory ran out.
 */
static int section_gaps(const struct ana_ctx *c, uint32_t host, uint32_t k,
			void (*gap)(void *arg, uint32_t from, uint32_t to), void *arg)
{
	uint32_t *ix = malloc((c->nsections ? c->nsections : 1) * sizeof(*ix)), n = 0;
	int runs = 0;

	if (!ix)
		return -1;
	for (uint32_t i = 0; i < c->nsections; i++)
		if (c->sections[i].host == host && c->sections[i].capture == k)
			ix[n++] = c->sections[i].index;
	qsort(ix, n, sizeof(*ix), u32_cmp);
	for (uint32_t i = 1; i < n; i++)
		if (ix[i] > ix[i - 1] + 1) {
			if (gap)
				gap(arg, ix[i - 1] + 1, ix[i] - 1);
			runs++;
		}
	free(ix);
	return runs;
}

static void gap_text(void *arg, uint32_t from, uint32_t to)
{
	FILE *f = arg;

	if (from == to)
		fprintf(f, " %u", from);
	else
		fprintf(f, " %u-%u", from, to);
}

static void gap_json(void *arg, uint32_t from, uint32_t to)
{
	struct ana_json *j = arg;

	ana_json_obj(j, NULL);
	ana_json_u64(j, "from", from);
	ana_json_u64(j, "to", to);
	ana_json_end(j, true);
}

static void info_json(struct ana_report *r)
{
	struct ana_ctx *c = r->c;
	struct ana_json j;
	void **ps;
	uint32_t np;

	ana_json_init(&j, r->out);
	ana_json_head(&j, r, "info");
	ana_json_arr(&j, "files");
	for (uint32_t i = 0; i < c->ninputs; i++) {
		struct ana_input *in = &c->inputs[i];

		ana_json_obj(&j, NULL);
		ana_json_str(&j, "name", in->name);
		ana_json_bool(&j, "compressed", in->compressed);
		ana_json_u64(&j, "size", in->size);
		ana_json_u64(&j, "records", in->records);
		ana_json_bool(&j, "damaged", in->damaged);
		ana_json_arr(&j, "damaged_ranges");
		for (uint32_t k = 0; k < in->ngaps; k++) {
			const struct scf_gap *g = &in->gaps[k];

			ana_json_obj(&j, NULL);
			ana_json_u64(&j, "offset", g->offset);
			ana_json_u64(&j, "end_offset", g->end_offset);
			ana_json_u64(&j, "last_ns", g->last_ts_ns);
			ana_json_u64(&j, "next_ns", g->next_ts_ns);
			ana_json_end(&j, true);
		}
		ana_json_end(&j, false);
		ana_json_u64(&j, "first_ns", in->first_ns);
		ana_json_u64(&j, "last_ns", in->last_ns);
		ana_json_end(&j, true);
	}
	ana_json_end(&j, false);
	ana_json_arr(&j, "hosts");
	for (uint32_t i = 0; i < c->hosts.n; i++) {
		struct ana_host *h = c->hosts.v[i];

		ana_json_obj(&j, NULL);
		ana_json_bytes(&j, "hostname", h->hostname);
		ana_json_hex(&j, "boot_id", h->boot_id, 16);
		ana_json_arr(&j, "clock_steps");
		for (uint32_t k = 0; k < h->nclock_steps && k < ANA_HOST_CLOCK_STEPS; k++) {
			ana_json_obj(&j, NULL);
			ana_json_u64(&j, "at_ns", h->clock_steps[k].at_ns);
			ana_json_i64(&j, "step_ns", h->clock_steps[k].step_ns);
			ana_json_u64(&j, "uncertainty_ns", h->clock_steps[k].uncertainty_ns);
			ana_json_end(&j, true);
		}
		ana_json_end(&j, false);
		ana_json_u64(&j, "clock_steps_total", h->nclock_steps);
		ana_json_u64(&j, "clock_measurements", h->nclocks);
		ana_json_i64(&j, "clock_drift_ns", h->clock_drift_ns);
		ana_json_arr(&j, "missing_sections"); /* per capture id, in the same order */
		for (uint32_t k = 0; k < h->ncaptures; k++) {
			ana_json_arr(&j, NULL);
			section_gaps(c, h->idx, k, gap_json, &j);
			ana_json_end(&j, false);
		}
		ana_json_end(&j, false);
		ana_json_arr(&j, "capture_ids");
		for (uint32_t k = 0; k < h->ncaptures; k++)
			ana_json_hex(&j, NULL, h->capture_ids[k], 16);
		ana_json_end(&j, false);
		ana_json_str(&j, "kernel_release", h->kernel_release);
		ana_json_str(&j, "kernel_version", h->kernel_version);
		ana_json_str(&j, "machine", h->machine);
		ana_json_str(&j, "tool_version", h->tool_version);
		ana_json_str(&j, "capture_command", h->cmdline);
		ana_json_u64(&j, "ncpus", h->ncpus);
		ana_json_u64(&j, "capture_start_ns", h->capture_start_ns);
		ana_json_u64(&j, "first_ns", h->first_ns);
		ana_json_u64(&j, "last_ns", h->last_ns);
		ana_json_u64(&j, "sections", h->sections);
		ana_json_u64(&j, "loss_events", h->loss_events);
		ana_json_u64(&j, "loss_windows", h->loss_windows);
		if (h->have_end) {
			ana_json_obj(&j, "end");
			ana_json_u64(&j, "end_ns", h->end.end_ns);
			ana_json_str(&j, "stop_reason", scf_stop_reason_name(h->end.stop_reason));
			ana_json_bool(&j, "clean", h->end.clean);
			ana_json_u64(&j, "events_lost", h->end.events_lost);
			ana_json_u64(&j, "syscalls", h->end.syscalls);
			ana_json_end(&j, true);
		} else {
			ana_json_null(&j, "end");
		}
		if (h->have_ring) {
			ana_json_obj(&j, "flight_recorder");
			ana_json_u64(&j, "triggers", h->ring[0]);
			ana_json_u64(&j, "dropped_sections", h->ring[1]);
			ana_json_u64(&j, "dropped_bytes", h->ring[2]);
			ana_json_u64(&j, "overflows", h->ring[3]);
			ana_json_end(&j, true);
		} else {
			ana_json_null(&j, "flight_recorder");
		}
		ana_json_end(&j, true);
	}
	ana_json_end(&j, false);
	ana_json_arr(&j, "sections");
	for (uint32_t i = 0; i < c->nsections; i++) {
		ana_json_obj(&j, NULL);
		ana_json_str(&j, "file", c->inputs[c->sections[i].input].name);
		ana_json_str(&j, "host", ana_host_name(c, c->sections[i].host));
		ana_json_u64(&j, "index", c->sections[i].index);
		ana_json_u64(&j, "start_ns", c->sections[i].start_ns);
		ana_json_u64(&j, "offset", c->sections[i].offset);
		ana_json_end(&j, true);
	}
	ana_json_end(&j, false);
	ana_json_obj(&j, "records");
	/* Every known type but SYSCALL_PACKED: the reader hands those out as SYSCALL records. */
	for (unsigned int t = 1; t < SCF_REC_TYPE_MAX; t++)
		if (t != SCF_REC_SYSCALL_PACKED)
			ana_json_u64(&j, scf_rec_type_name(t), c->rec_counts[t]);
	ana_json_u64(&j, "unknown", c->rec_unknown);
	ana_json_end(&j, true);
	for (int drops = 1; drops >= 0; drops--) { /* "loss": not in the file; "faults": kept */
		ana_json_obj(&j, drops ? "loss" : "faults");
		ana_json_u64(&j, drops ? "events" : "syscalls", drops ? c->loss_total : c->fault_total);
		ana_json_u64(&j, "windows", drops ? c->loss_windows : c->fault_windows);
		ana_json_obj(&j, "by_reason");
		for (unsigned int k = 0; k < ANA_LOSS_REASONS; k++)
			if (c->loss_by_reason[k] && scf_loss_drops_events(k) == drops)
				ana_json_u64(&j, scf_loss_reason_name(k), c->loss_by_reason[k]);
		ana_json_end(&j, true);
		ana_json_end(&j, true);
	}
	ps = ana_rows_select(r, &c->procs, described, ana_proc_cmp, &np);
	ana_json_arr(&j, "processes");
	for (uint32_t i = 0; ps && i < np; i++) {
		struct ana_proc *p = ps[i];

		ana_json_obj(&j, NULL);
		ana_json_str(&j, "host", ana_host_name(c, p->host));
		ana_json_u64(&j, "pid", p->pid);
		if (p->ns_pid)
			ana_json_u64(&j, "ns_pid", p->ns_pid);
		else
			ana_json_null(&j, "ns_pid");
		ana_json_u64(&j, "ns_level", p->ns_level);
		ana_json_u64(&j, "ppid", p->ppid);
		ana_json_bytes(&j, "comm", p->comm);
		ana_json_bytes(&j, "exe", p->exe);
		ana_json_str(&j, "service", p->service);
		ana_json_str(&j, "ctx_status", scf_ctx_status_name(p->ctx_status));
		ana_json_str(&j, "tls_model", scf_tls_model_name(p->tls_model));
		ana_json_str(&j, "schema_version", p->schema);
		ana_json_u64(&j, "key_map_size", p->pctx ? p->pctx->nkeys : 0);
		ana_json_str(&j, "reason", p->reason);
		ana_json_pctx(&j, p->pctx);
		ana_json_end(&j, true);
	}
	ana_json_end(&j, false);
	free(ps);
	ana_json_end(&j, true);
	ana_json_finish(&j);
}

int ana_report_info(struct ana_report *r)
{
	static const char *const ph[] = { "HOST", "PID", "PPID", "COMM", "SERVICE", "CONTEXT",
					  "TLS", "KEYS", "ATTRIBUTES", "REASON" };
	/* With a namespaced process: NSPID, its pid in its own pid namespace, after PID. */
	static const char *const ph_ns[] = { "HOST", "PID", "NSPID", "PPID", "COMM", "SERVICE",
					     "CONTEXT", "TLS", "KEYS", "ATTRIBUTES", "REASON" };
	bool ns = false;
	struct ana_ctx *c = r->c;
	struct ana_table t;
	void **ps;
	uint32_t np;
	char a[40], b[40], d[24], hx[33];
	FILE *f = r->out;

	if (r->json) {
		info_json(r);
		return 0;
	}
	for (uint32_t i = 0; i < c->ninputs; i++) {
		struct ana_input *in = &c->inputs[i];

		fprintf(f, "file: %s (%s, %" PRIu64 " bytes, %" PRIu64 " records%s)\n", in->name,
			in->compressed ? "zstd" : "pcapng", in->size, in->records,
			in->damaged ? ", damaged: see warnings" : "");
		for (uint32_t k = 0; k < in->ngaps; k++) {
			const struct scf_gap *g = &in->gaps[k];
			const char *from = "the start", *to = "the end";

			if (g->last_ts_ns)
				from = ana_fmt_ts_iso(a, sizeof(a), g->last_ts_ns);
			if (g->next_ts_ns)
				to = ana_fmt_ts_iso(b, sizeof(b), g->next_ts_ns);
			fprintf(f,
				"  damaged: compressed bytes %" PRIu64 " to %" PRIu64
				" skipped, records missing between %s and %s\n",
				g->offset, g->end_offset, from, to);
		}
	}
	for (uint32_t i = 0; i < c->hosts.n; i++) {
		struct ana_host *h = c->hosts.v[i];

		fprintf(f, "host: %s\n", ana_host_name(c, h->idx));
		fprintf(f, "  boot id: %s\n", ana_fmt_hex(hx, h->boot_id, 16));
		fprintf(f, "  kernel: %s %s (%s), %u CPUs\n", h->kernel_release ? h->kernel_release : "?",
			h->kernel_version ? h->kernel_version : "", h->machine ? h->machine : "?",
			h->ncpus);
		for (uint32_t k = 0; k < h->ncaptures; k++) {
			fprintf(f, "  capture id: %s\n", ana_fmt_hex(hx, h->capture_ids[k], 16));
			if (section_gaps(c, h->idx, k, NULL, NULL) > 0) {
				fprintf(f, "    missing sections (files not given, or lost):");
				section_gaps(c, h->idx, k, gap_text, f);
				fprintf(f, "\n");
			}
		}
		fprintf(f, "  capture: %s by %s\n", h->cmdline ? h->cmdline : "?",
			h->tool_version ? h->tool_version : "?");
		fprintf(f, "  time: %s .. %s (%s)\n", ana_fmt_ts_iso(a, sizeof(a), h->first_ns),
			ana_fmt_ts_iso(b, sizeof(b), h->last_ns),
			ana_fmt_dur(d, sizeof(d), h->last_ns - h->first_ns));
		fprintf(f, "  sections: %u\n", h->sections);
		for (uint32_t k = 0; k < h->nclock_steps && k < ANA_HOST_CLOCK_STEPS; k++) {
			const struct ana_clock_step *s = &h->clock_steps[k];

			fprintf(f, "  clock: the wall clock stepped %s%.6f s at %s (measured to +/- %"
				PRIu64 " ns); later times use the new offset\n",
				s->step_ns > 0 ? "+" : "", (double)s->step_ns / 1e9,
				ana_fmt_ts_iso(a, sizeof(a), s->at_ns), s->uncertainty_ns);
		}
		if (h->nclock_steps > ANA_HOST_CLOCK_STEPS)
			fprintf(f, "  clock: %u more steps\n", h->nclock_steps - ANA_HOST_CLOCK_STEPS);
		if (h->clock_drift_ns)
			fprintf(f, "  clock: the wall clock drifted %s%.6f s from boot time over %u "
				"measurements (slewed); times follow it\n",
				h->clock_drift_ns > 0 ? "+" : "", (double)h->clock_drift_ns / 1e9,
				h->nclocks);
		if (h->have_end)
			fprintf(f,
				"  end: %s, %s, %" PRIu64 " event%s lost, %" PRIu64 " syscall%s\n",
				scf_stop_reason_name(h->end.stop_reason),
				h->end.clean ? "clean" : "not clean", h->end.events_lost,
				h->end.events_lost == 1 ? "" : "s", h->end.syscalls,
				h->end.syscalls == 1 ? "" : "s");
		else
			fprintf(f, "  end: no END record (capture still running, killed, or cut)\n");
		if (h->have_ring)
			fprintf(f,
				"  flight recorder: %" PRIu64 " trigger%s; %" PRIu64 " section%s (%"
				PRIu64 " bytes) dropped from memory by design (not lost events: the "
				"time range starts at the oldest section kept), %" PRIu64
				" of them for room inside the window\n",
				h->ring[0], h->ring[0] == 1 ? "" : "s", h->ring[1],
				h->ring[1] == 1 ? "" : "s", h->ring[2], h->ring[3]);
	}
	fprintf(f, "sections:\n");
	for (uint32_t i = 0; i < c->nsections; i++)
		fprintf(f, "  %s #%u at %s (offset %" PRIu64 ")\n", c->inputs[c->sections[i].input].name,
			c->sections[i].index, ana_fmt_ts_iso(a, sizeof(a), c->sections[i].start_ns),
			c->sections[i].offset);
	fprintf(f, "records:");
	for (unsigned int k = 1; k <= SCF_REC_END; k++) /* as above */
		fprintf(f, " %s %" PRIu64 "%s", scf_rec_type_name(k), c->rec_counts[k],
			k < SCF_REC_END ? "," : "");
	if (c->rec_counts[SCF_REC_CLOCK]) /* types of later versions, when present */
		fprintf(f, ", clock %" PRIu64, c->rec_counts[SCF_REC_CLOCK]);
	if (c->rec_unknown)
		fprintf(f, ", unknown %" PRIu64, c->rec_unknown);
	fprintf(f, "\nloss: %" PRIu64 " event%s not in the file, in %u window%s", c->loss_total,
		c->loss_total == 1 ? "" : "s", c->loss_windows, c->loss_windows == 1 ? "" : "s");
	for (unsigned int k = 0; k < ANA_LOSS_REASONS; k++)
		if (c->loss_by_reason[k] && scf_loss_drops_events(k))
			fprintf(f, ", %s %" PRIu64, scf_loss_reason_name(k), c->loss_by_reason[k]);
	if (c->fault_total) {
		fprintf(f, "\nfaults: %" PRIu64 " syscall%s recorded without an argument or their "
			"context", c->fault_total, c->fault_total == 1 ? "" : "s");
		for (unsigned int k = 0; k < ANA_LOSS_REASONS; k++)
			if (c->loss_by_reason[k] && !scf_loss_drops_events(k))
				fprintf(f, ", %s %" PRIu64, scf_loss_reason_name(k),
					c->loss_by_reason[k]);
	}
	fprintf(f, "\nprocesses:\n");
	ps = ana_rows_select(r, &c->procs, described, ana_proc_cmp, &np);
	for (uint32_t i = 0; ps && i < np; i++)
		ns |= ((struct ana_proc *)ps[i])->ns_level > 0;
	if (ns)
		ana_table_init(&t, 11, ph_ns, "lrrrllllrll");
	else
		ana_table_init(&t, 10, ph, "lrrllllrll");
	for (uint32_t i = 0; ps && i < np; i++) {
		struct ana_proc *p = ps[i];
		char esc[256], attrs[2048];

		ana_table_cell(&t, "%s", ana_host_name(c, p->host));
		ana_table_cell(&t, "%u", p->pid);
		if (ns && p->ns_pid)
			ana_table_cell(&t, "%u", p->ns_pid);
		else if (ns)
			ana_table_cell(&t, "-");
		ana_table_cell(&t, "%u", p->ppid);
		ana_table_cell(&t, "%s", ana_fmt_escape(esc, sizeof(esc), ana_proc_label(p),
							strlen(ana_proc_label(p))));
		ana_table_cell(&t, "%s", p->service ? ana_fmt_escape(esc, sizeof(esc), p->service,
								     strlen(p->service))
						    : "-");
		ana_table_cell(&t, "%s", scf_ctx_status_name(p->ctx_status));
		ana_table_cell(&t, "%s", scf_tls_model_name(p->tls_model));
		ana_table_cell(&t, "%u", p->pctx ? p->pctx->nkeys : 0);
		ana_table_cell(&t, "%s", ana_pctx_attr_text(p->pctx, attrs, sizeof(attrs))[0] ? attrs
											   : "-");
		ana_table_cell(&t, "%s", p->reason ? ana_fmt_escape(esc, sizeof(esc), p->reason,
								    strlen(p->reason))
						   : "-");
	}
	ana_table_print(&t, f, 2);
	ana_table_free(&t);
	free(ps);
	return 0;
}
