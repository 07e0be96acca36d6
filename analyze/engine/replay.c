// SPDX-License-Identifier: BSD-2-Clause
/*
 * replay.c - opens the inputs and replays their records in time order (a k-way merge over the
 * readers: each input in its own order, the inputs interleaved by timestamp), dispatching each
 * record to the state it rebuilds. Damage in an input ends that input with a warning; what
 * came before it stays analysed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "snaplen.h"
#include "text_fmt.h"

#define PROGRESS_EVERY (1u << 16)

void ana_warn(struct ana_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s || ana_vec_push(&c->warnings, s)) {
		free(s);
		c->nomem = true;
	}
}

struct ana_ctx *ana_ctx__new(const struct ana_opts *o)
{
	struct ana_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	c->spill_at = SIZE_MAX;
	return c;
}

static int add_input(struct ana_ctx *c, struct scf_reader *r, const char *name, void *mem,
		     uint64_t size)
{
	struct ana_input *ni = realloc(c->inputs, (c->ninputs + 1) * sizeof(*ni)), *in;

	if (!ni)
		return -ENOMEM;
	c->inputs = ni;
	in = &c->inputs[c->ninputs];
	memset(in, 0, sizeof(*in));
	in->name = strdup(name);
	if (!in->name)
		return -ENOMEM;
	in->r = r;
	in->mem = mem;
	in->size = size;
	in->compressed = scf_reader__compressed(r);
	c->ninputs++;
	return 0;
}

int ana_ctx__add_file(struct ana_ctx *c, const char *path, char *err, size_t errlen)
{
	struct scf_reader *r = scf_reader__open(path, err, errlen);
	int ret;

	if (!r)
		return errno ? -errno : -EIO;
	ret = add_input(c, r, path, NULL, scf_reader__input_size(r));
	if (ret) {
		scf_reader__free(r);
		snprintf(err, errlen, "%s: out of memory", path);
	}
	return ret;
}

int ana_ctx__add_mem(struct ana_ctx *c, const void *buf, size_t len, const char *name, char *err,
		     size_t errlen)
{
	void *copy = malloc(len ? len : 1);
	struct scf_reader *r;
	int ret;

	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memcpy(copy, buf, len);
	r = scf_reader__open_mem(copy, len, name, err, errlen);
	if (!r) {
		ret = errno ? -errno : -EIO;
		free(copy);
		return ret;
	}
	ret = add_input(c, r, name, copy, len);
	if (ret) {
		scf_reader__free(r);
		free(copy);
		snprintf(err, errlen, "%s: out of memory", name);
	}
	return ret;
}

/* ---- hosts and sections --------------------------------------------------------------------- */

static bool host_eq(const void *val, const void *arg)
{
	const struct ana_host *h = val;
	const char *name = arg;

	return !strcmp(h->hostname ? h->hostname : "", name);
}

static struct ana_host *host_of_section(struct ana_ctx *c, const struct scf_record *rec,
					const struct scf_section *sec)
{
	const uint8_t *d;
	uint16_t len;
	char name[256] = "";
	struct ana_key k;
	struct ana_host *h;
	uint64_t b0, b1;

	if (scf_record_item(rec, SCF_ITEM_HOSTNAME, &d, &len) == 1)
		snprintf(name, sizeof(name), "%.*s", (int)len, (const char *)d);
	memcpy(&b0, sec->boot_id, 8);
	memcpy(&b1, sec->boot_id + 8, 8);
	k = ana_key3(b0, b1, ana_hash_bytes(name, strlen(name), 1));
	h = ana_map_get(&c->host_map, &k, host_eq, name);
	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail;
	h->idx = c->hosts.n;
	h->hostname = strdup(name);
	memcpy(h->boot_id, sec->boot_id, 16);
	h->capture_start_ns = sec->capture_start_ns;
	if (!h->hostname || ana_vec_push(&c->hosts, h)) {
		free(h->hostname);
		free(h);
		goto fail;
	}
	if (ana_map_put(&c->host_map, &k, h, host_eq, name))
		goto fail;
	return h;
fail:
	c->nomem = true;
	return NULL;
}

static void replace(char **dst, const struct scf_record *rec, uint16_t tag, bool list)
{
	const uint8_t *d;
	uint16_t len;
	char *s;

	if (scf_record_item(rec, tag, &d, &len) != 1)
		return;
	if (!list) {
		s = ana_strndup(d, len);
	} else {
		struct scf_strlist_iter it;
		const uint8_t *e;
		uint16_t el;
		char *o;

		s = malloc((size_t)len + 1);
		if (!s)
			return;
		o = s;
		scf_strlist_begin(&it, d, len);
		while (scf_strlist_next(&it, &e, &el) == 1) {
			if (o != s)
				*o++ = ' ';
			memcpy(o, e, el);
			o += el;
		}
		*o = 0;
	}
	if (s) {
		free(*dst);
		*dst = s;
	}
}

static void on_section(struct ana_ctx *c, struct ana_input *in, const struct scf_record *rec)
{
	struct scf_section sec;
	struct ana_host *h;
	uint32_t i, capture;
	const uint8_t *d;
	uint16_t len;

	if (scf_record_body(rec, &sec, sizeof(sec), SCF_SECTION_MIN, NULL, 0))
		return;
	h = host_of_section(c, rec, &sec);
	if (!h)
		return;
	in->host = h->idx;
	in->boot_to_wall_ns = sec.boot_to_wall_ns;
	h->sections++;
	h->abi = sec.syscall_abi;
	h->ncpus = sec.ncpus;
	if (!h->capture_start_ns || (sec.capture_start_ns && sec.capture_start_ns < h->capture_start_ns))
		h->capture_start_ns = sec.capture_start_ns;
	for (i = 0; i < h->ncaptures && memcmp(h->capture_ids[i], sec.capture_id, 16); i++)
		;
	if (i == h->ncaptures && i < ANA_HOST_CAPTURES)
		memcpy(h->capture_ids[h->ncaptures++], sec.capture_id, 16);
	capture = i < h->ncaptures ? i : UINT32_MAX;
	in->capture = capture;
	replace(&h->kernel_release, rec, SCF_ITEM_KERNEL_RELEASE, false);
	replace(&h->kernel_version, rec, SCF_ITEM_KERNEL_VERSION, false);
	replace(&h->machine, rec, SCF_ITEM_MACHINE, false);
	replace(&h->tool_version, rec, SCF_ITEM_TOOL_VERSION, false);
	replace(&h->cmdline, rec, SCF_ITEM_CMDLINE, true);
	if (scf_record_item(rec, SCF_ITEM_CMDLINE, &d, &len) == 1)
		h->snaplen = ana_cmdline_snaplen(d, len);
	/* a shorter item is not one this reader understands: no claim about the sample */
	if (scf_record_item(rec, SCF_ITEM_SAMPLING, &d, &len) == 1 &&
	    len >= sizeof(h->sampling)) {
		memcpy(&h->sampling, d, sizeof(h->sampling));
		if (h->sampling.threshold >> SCF_SAMPLING_R_BITS)
			h->sampling.threshold = 1ull << SCF_SAMPLING_R_BITS; /* keeps nothing */
	}
	if (c->nsections == c->sections_cap) {
		uint32_t ncap = c->sections_cap ? c->sections_cap * 2 : 8;
		struct ana_section_info *nv = realloc(c->sections, ncap * sizeof(*nv));

		if (!nv) {
			c->nomem = true;
			return;
		}
		c->sections = nv;
		c->sections_cap = ncap;
	}
	c->sections[c->nsections++] = (struct ana_section_info){
		.input = (uint32_t)(in - c->inputs), .host = h->idx, .index = sec.section_index,
		.capture = capture,
		.start_ns = sec.section_start_ns ? sec.section_start_ns : rec->ts_ns,
		.offset = rec->offset,
	};
}

/*
 * A CLOCK record: a step of the wall clock when its offset moved faster than any slewing since
 * the capture's last one (ANA_CLOCK_STEP_NS); smaller moves add up as drift.
 */
static void on_clock(struct ana_ctx *c, struct ana_input *in, struct ana_host *h,
		     const struct scf_record *rec)
{
	struct scf_clock ck;
	uint32_t k = in->capture;
	int64_t moved;
	uint64_t since, limit;

	if (scf_record_body(rec, &ck, sizeof(ck), SCF_CLOCK_MIN, NULL, 0))
		return;
	in->boot_to_wall_ns = ck.boot_to_wall_ns; /* the times that follow are converted with it */
	c->boot_to_wall_ns = ck.boot_to_wall_ns;
	if (k >= ANA_HOST_CAPTURES)
		return;
	h->nclocks++;
	if (h->have_clock[k]) {
		moved = ck.boot_to_wall_ns - h->clock_offset[k];
		since = ck.boot_ns > h->clock_boot_ns[k] ? ck.boot_ns - h->clock_boot_ns[k] : 0;
		limit = ANA_CLOCK_STEP_NS + since / 100;
		if ((uint64_t)(moved < 0 ? -(uint64_t)moved : (uint64_t)moved) <= limit) {
			h->clock_drift_ns += moved;
		} else {
			if (h->nclock_steps < ANA_HOST_CLOCK_STEPS)
				h->clock_steps[h->nclock_steps] = (struct ana_clock_step){
					.at_ns = rec->ts_ns,
					.step_ns = moved,
					.uncertainty_ns = ck.uncertainty_ns,
				};
			h->nclock_steps++;
		}
	}
	h->clock_offset[k] = ck.boot_to_wall_ns;
	h->clock_boot_ns[k] = ck.boot_ns;
	h->have_clock[k] = true;
}

static void on_end(struct ana_host *h, const struct scf_record *rec)
{
	const uint8_t *data;
	uint16_t len;

	if (scf_record_body(rec, &h->end, sizeof(h->end), SCF_END_MIN, NULL, 0))
		return;
	h->have_end = true;
	h->have_ring = false;
	h->sampled_out = 0; /* the END counters are the capture's totals so far */
	h->sampled_out_known = scf_record_item(rec, SCF_ITEM_COUNTERS, &data, &len) == 1;
	if (!h->sampled_out_known)
		return;
	for (size_t off = 0; len - off >= sizeof(struct scf_counter); off += 16) {
		struct scf_counter c;

		memcpy(&c, data + off, sizeof(c));
		if (c.id == SCF_CNT_SAMPLED_OUT)
			h->sampled_out += c.value;
		if (c.id >= SCF_CNT_RING_TRIGGERS && c.id <= SCF_CNT_RING_OVERFLOWS) {
			h->ring[c.id - SCF_CNT_RING_TRIGGERS] = c.value;
			h->have_ring = true;
		}
	}
}

/* ---- the merge ------------------------------------------------------------------------------ */

/* Damaged regions the reader skipped before the record it returned last: warnings, kept
 * for `info`; the analysis goes on after them. */
static void take_gaps(struct ana_ctx *c, struct ana_input *in)
{
	struct scf_gap g, *ng;
	char a[48], b[48];

	while (scf_reader__next_gap(in->r, &g) == 1) {
		in->damaged = true;
		ana_warn(c, "%s; the records between %s and %s are missing", g.msg,
			 g.last_ts_ns ? ana_fmt_ts_iso(a, sizeof(a), g.last_ts_ns) : "the start",
			 g.next_ts_ns ? ana_fmt_ts_iso(b, sizeof(b), g.next_ts_ns) : "the end");
		ng = realloc(in->gaps, (in->ngaps + 1) * sizeof(*ng));
		if (!ng) {
			c->nomem = true;
			continue;
		}
		in->gaps = ng;
		in->gaps[in->ngaps++] = g;
	}
}

static void advance(struct ana_ctx *c, struct ana_input *in)
{
	int ret = scf_reader__next(in->r, &in->rec);

	take_gaps(c, in);
	if (ret == 1) {
		in->live = true;
		return;
	}
	in->live = false;
	if (ret < 0) {
		in->damaged = true;
		ana_warn(c, "%s; %s before it were analysed", scf_reader__errmsg(in->r),
			 in->records ? "the records" : "no record came");
	}
}

static bool before(const struct ana_input *a, const struct ana_input *b)
{
	if (a->rec.ts_ns != b->rec.ts_ns)
		return a->rec.ts_ns < b->rec.ts_ns;
	return a < b;
}

static void sift_down(struct ana_input **heap, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		struct ana_input *t;

		if (l < n && before(heap[l], heap[m]))
			m = l;
		if (r < n && before(heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

static bool proc_event_shown(const struct ana_filter *f, const struct scf_proc_event *pe,
			     uint64_t ts)
{
	if (ana_filter_syscall_only(f) && (f->has_syscalls || f->errors_only))
		return false;
	if ((f->since_ns && ts < f->since_ns) || (f->until_ns && ts > f->until_ns))
		return false;
	if (f->trace_nibbles || f->span_nibbles)
		return false;
	if (f->has_pid && f->pid != pe->pid && f->pid != pe->ppid)
		return false;
	if (f->has_tid && f->tid != pe->tid)
		return false;
	return true;
}

/* Whether a section is of the host and boot --host and --boot select (all, without them). */
static bool section_selected(const struct ana_filter *f, const struct scf_record *rec)
{
	struct scf_section sec;
	const uint8_t *d;
	uint16_t len;

	if (!f->host && !f->boot_nibbles)
		return true;
	if (scf_record_body(rec, &sec, sizeof(sec), SCF_SECTION_MIN, NULL, 0))
		return true; /* unusable: on_section says so */
	for (unsigned int i = 0; i < f->boot_nibbles; i++) {
		unsigned int sh = i & 1 ? 0 : 4;

		if (((sec.boot_id[i / 2] >> sh) & 0xf) != ((f->boot_id[i / 2] >> sh) & 0xf))
			return false;
	}
	if (!f->host)
		return true;
	if (scf_record_item(rec, SCF_ITEM_HOSTNAME, &d, &len) != 1)
		d = (const uint8_t *)"", len = 0;
	return strlen(f->host) == len && !memcmp(f->host, d, len);
}

static void dispatch(struct ana_ctx *c, struct ana_input *in, const struct scf_record *rec)
{
	struct ana_host *h;
	size_t min = scf_rec_min_body(rec->type);

	if (rec->type == SCF_REC_SECTION)
		in->skipping = !section_selected(&c->o.f, rec);
	if (in->skipping)
		return; /* another host or boot than --host, --boot select */
	in->records++;
	c->records++;
	if (!in->first_ns || rec->ts_ns < in->first_ns)
		in->first_ns = rec->ts_ns;
	if (rec->ts_ns > in->last_ns)
		in->last_ns = rec->ts_ns;
	if (rec->type >= SCF_REC_TYPE_MAX || !min) {
		c->rec_unknown++;
		return; /* a newer writer's record type */
	}
	c->rec_counts[rec->type]++;
	if (rec->body_len < min) {
		if (!in->bad_bodies++)
			ana_warn(c,
				 "%s: %s record at offset %llu has a %u-byte body, less than the %zu its type needs; such records are skipped",
				 in->name, scf_rec_type_name(rec->type),
				 (unsigned long long)rec->offset, rec->body_len, min);
		return;
	}
	if (c->o.on_record)
		c->o.on_record(c, (uint32_t)(in - c->inputs), rec, c->o.record_arg);
	if (rec->type == SCF_REC_SECTION) {
		on_section(c, in, rec);
		return;
	}
	if (in->host >= c->hosts.n)
		return; /* the section record was unusable */
	h = c->hosts.v[in->host];
	c->boot_to_wall_ns = in->boot_to_wall_ns;
	if (!h->first_ns || rec->ts_ns < h->first_ns)
		h->first_ns = rec->ts_ns;
	if (rec->ts_ns > h->last_ns)
		h->last_ns = rec->ts_ns;
	switch (rec->type) {
	case SCF_REC_CLOCK:
		on_clock(c, in, h, rec);
		break;
	case SCF_REC_PROCESS:
		ana_on_process(c, h->idx, rec);
		break;
	case SCF_REC_THREAD:
		ana_on_thread(c, h->idx, rec);
		break;
	case SCF_REC_FD:
		ana_on_fd(c, h->idx, rec);
		break;
	case SCF_REC_THREAD_CTX:
		ana_on_thread_ctx(c, h->idx, rec);
		break;
	case SCF_REC_SYSCALL:
		ana_on_syscall(c, h, rec);
		break;
	case SCF_REC_PROC_EVENT: {
		struct scf_proc_event pe;
		struct ana_proc *killed;

		scf_record_body(rec, &pe, sizeof(pe), SCF_PROC_EVENT_MIN, NULL, 0);
		if (c->o.on_event && proc_event_shown(&c->o.f, &pe, rec->ts_ns)) {
			struct ana_thread *t = ana_thread_find(c, h->idx, pe.tid);
			struct ana_event ev = { .type = SCF_REC_PROC_EVENT, .ts_ns = rec->ts_ns,
						.rec = rec, .pe = &pe, .host = h,
						.proc = ana_proc_find(c, h->idx, pe.pid),
						.thr = t, .span = t ? ana_thread_span(c, t) : NULL };

			c->o.on_event(c, &ev, c->o.event_arg);
		}
		killed = ana_on_proc_event(c, h->idx, rec, &pe);
		if (killed)
			ana_spans_mark_killed(c, killed, killed->exit_status);
		break;
	}
	case SCF_REC_LOSS:
		ana_on_loss(c, h, rec);
		break;
	case SCF_REC_END:
		on_end(h, rec);
		break;
	}
}

static void progress(struct ana_ctx *c)
{
	uint64_t done = 0, total = 0;

	for (uint32_t i = 0; i < c->ninputs; i++) {
		done += scf_reader__input_offset(c->inputs[i].r);
		total += c->inputs[i].size;
	}
	c->o.progress(done, total, c->o.progress_arg);
}

/* A UTC time of day on the day that puts it nearest to start (a capture may cross midnight). */
static uint64_t time_of_day(uint64_t start, int64_t tod)
{
	const uint64_t day = 86400ull * 1000000000ull;
	uint64_t t = start - start % day + (uint64_t)tod;

	if (t > start + day / 2)
		t -= day;
	else if (t + day / 2 < start)
		t += day;
	return t;
}

/* The start of a reader's capture, from the first record it read (0: none). */
static uint64_t reader_start(const struct scf_reader *r, const struct scf_record *first)
{
	const struct scf_section *s = scf_reader__section(r);

	return s && s->capture_start_ns ? s->capture_start_ns : first ? first->ts_ns : 0;
}

/*
 * The start of input in's capture as its reader will find it, read by a reader of its own:
 * the input's own reads nothing before its threads are set. False for a pipe.
 */
static bool probe_start(const struct ana_input *in, uint64_t *start)
{
	char err[SCF_ERRMSG_MAX];
	struct scf_record rec;
	struct scf_reader *r;

	*start = 0;
	if (!in->mem && (!in->size || !strcmp(in->name, "-")))
		return false;
	r = in->mem ? scf_reader__open_mem(in->mem, in->size, in->name, err, sizeof(err))
		    : scf_reader__open(in->name, err, sizeof(err));
	if (!r)
		return false;
	if (scf_reader__next(r, &rec) == 1)
		*start = reader_start(r, &rec);
	scf_reader__free(r);
	return true;
}

/* Relative --since/--until (+2s, a time of day) against the inputs' earliest start. */
static void resolve_times_at(struct ana_ctx *c, uint64_t start)
{
	struct ana_filter *f = &c->o.f;

	if (f->since_rel)
		f->since_ns = f->since_tod ? time_of_day(start, f->since_rel_ns)
					   : (uint64_t)((int64_t)start + f->since_rel_ns);
	if (f->until_rel)
		f->until_ns = f->until_tod ? time_of_day(start, f->until_rel_ns)
					   : (uint64_t)((int64_t)start + f->until_rel_ns);
	if (f->since_rel && !f->since_ns)
		f->since_ns = 1;
}

static uint64_t inputs_start(const struct ana_ctx *c)
{
	uint64_t start = 0;

	for (uint32_t i = 0; i < c->ninputs; i++) {
		const struct ana_input *in = &c->inputs[i];
		uint64_t t = reader_start(in->r, in->live ? &in->rec : NULL);

		if (t && (!start || t < start))
			start = t;
	}
	return start;
}

/*
 * With the frame index, the frames to skip are chosen before the first record is read (the
 * reader decodes ahead: the frame after the header would be past), so relative times are
 * resolved by probing each input's start first. False when an input cannot be probed (a
 * pipe): then they are chosen after the first records, as the reader lets.
 */
static bool select_early(struct ana_ctx *c)
{
	const struct ana_filter *f = &c->o.f;
	uint64_t start = 0, t;

	if (!f->since_rel && !f->until_rel)
		return true;
	for (uint32_t i = 0; i < c->ninputs; i++) {
		if (!probe_start(&c->inputs[i], &t))
			return false;
		if (t && (!start || t < start))
			start = t;
	}
	resolve_times_at(c, start);
	return true;
}

int ana_ctx__run(struct ana_ctx *c)
{
	struct ana_input **heap = calloc(c->ninputs ? c->ninputs : 1, sizeof(*heap));
	bool early = c->o.use_index && select_early(c);
	uint32_t n = 0, per_input;

	if (!heap)
		return -ENOMEM;
	if (early && ana_select_frames(c, true))
		c->nomem = true;
	/* --threads N: N reader threads (1: none, the replay's own) shared by the inputs, whose
	 * first frames are all decoded at the start: memory for at most 2N frames */
	per_input = c->o.threads >= 2 && c->ninputs ? c->o.threads / c->ninputs : 0;
	for (uint32_t i = 0; i < c->ninputs; i++) {
		struct ana_input *in = &c->inputs[i];
		/* frames are skipped on the sequential reader: the few frames it reads are
		 * decoded on this thread */
		bool seq = c->o.use_index && (!early || in->frames_to_skip);

		if (scf_reader__set_threads(in->r, seq ? 0 : per_input)) {
			free(heap);
			return -ENOMEM;
		}
	}
	for (uint32_t i = 0; i < c->ninputs; i++) {
		advance(c, &c->inputs[i]);
		if (c->inputs[i].live)
			heap[n++] = &c->inputs[i];
	}
	c->capture_start_ns = inputs_start(c);
	if (!early) {
		resolve_times_at(c, c->capture_start_ns);
		if (c->o.use_index && ana_select_frames(c, false))
			c->nomem = true;
	}
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(heap, n, i);
	ana_spill_setup(c);
	while (n && !c->nomem) {
		struct ana_input *in = heap[0];

		dispatch(c, in, &in->rec);
		if (c->live_bytes > c->spill_at)
			ana_spill_idle(c);
		if (c->o.progress && !(c->records % PROGRESS_EVERY))
			progress(c);
		advance(c, in);
		if (!in->live)
			heap[0] = heap[--n];
		sift_down(heap, n, 0);
	}
	free(heap);
	for (uint32_t i = 0; i < c->ninputs; i++) {
		struct ana_input *in = &c->inputs[i];

		if (in->first_ns && (!c->first_ns || in->first_ns < c->first_ns))
			c->first_ns = in->first_ns;
		if (in->last_ns > c->last_ns)
			c->last_ns = in->last_ns;
		if (!in->size && in->r) /* a pipe: its size is what was read */
			in->size = scf_reader__input_offset(in->r);
	}
	ana_mark_incomplete(c);
	if (c->nomem)
		return -ENOMEM;
	return ana_spill_finish(c);
}

void ana_ctx__free(struct ana_ctx *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->ninputs; i++) {
		scf_reader__free(c->inputs[i].r);
		free(c->inputs[i].gaps);
		free(c->inputs[i].mem);
		free(c->inputs[i].name);
	}
	free(c->inputs);
	for (uint32_t i = 0; i < c->hosts.n; i++) {
		struct ana_host *h = c->hosts.v[i];

		free(h->hostname);
		free(h->display);
		free(h->kernel_release);
		free(h->kernel_version);
		free(h->machine);
		free(h->tool_version);
		free(h->cmdline);
		free(h);
	}
	for (uint32_t i = 0; i < c->procs.n; i++)
		ana_proc_free(c->procs.v[i]);
	for (uint32_t i = 0; i < c->threads.n; i++) {
		struct ana_thread *t = c->threads.v[i];

		free(t->name);
		free(t);
	}
	for (uint32_t i = 0; i < c->traces.n; i++) {
		struct ana_trace *t = c->traces.v[i];

		free(t->procs);
		free(t->threads);
		free(t);
	}
	for (uint32_t i = 0; i < c->spans.n; i++)
		ana_span_free(c->spans.v[i]);
	for (uint32_t i = 0; i < c->warnings.n; i++)
		free(c->warnings.v[i]);
	for (uint32_t i = 0; i < c->pctxs.n; i++)
		ana_pctx_free(c->pctxs.v[i]);
	free(c->pctxs.v);
	free(c->hosts.v);
	free(c->procs.v);
	free(c->threads.v);
	free(c->traces.v);
	free(c->spans.v);
	free(c->warnings.v);
	free(c->sections);
	free(c->losses);
	ana_map_free(&c->proc_map);
	ana_map_free(&c->thread_map);
	ana_map_free(&c->trace_map);
	ana_map_free(&c->span_map);
	ana_map_free(&c->host_map);
	ana_spill_free(c);
	ana_io_table_free(&c->io);
	ana_sc_table_free(&c->sc);
	free(c);
}

/*
 * The input files[i] names a file given earlier (the same device and inode: a second name or
 * a repeat): its index, or -1. Read twice, every record would count twice.
 */
int ana_input_repeated(char *const *files, int i)
{
	struct stat a, b;

	if (!strcmp(files[i], "-") || stat(files[i], &a))
		return -1;
	for (int k = 0; k < i; k++)
		if (strcmp(files[k], "-") && !stat(files[k], &b) && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return k;
	return -1;
}
