// SPDX-License-Identifier: BSD-2-Clause
/*
 * trace_index.c - traces and spans: attributes from THREAD_CTX records, the span each thread
 * holds (across spills), aggregation of the syscalls that pass the filters, and loss marking.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "snaplen.h"

#define X_MAP_ANONYMOUS 0x20
#define X_AT_FDCWD (-100)

static struct ana_key trace_key(const uint8_t id[16])
{
	uint64_t a, b;

	memcpy(&a, id, 8);
	memcpy(&b, id + 8, 8);
	return ana_key3(a, b, 0);
}

static struct ana_key span_key(const uint8_t tid[16], const uint8_t sid[8])
{
	struct ana_key k = trace_key(tid);

	memcpy(&k.k[2], sid, 8);
	return k;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

struct ana_trace *ana_trace_find(const struct ana_ctx *c, const uint8_t id[16])
{
	struct ana_key k = trace_key(id);

	return ana_map_get(&c->trace_map, &k, NULL, NULL);
}

struct ana_span *ana_span_find(const struct ana_ctx *c, const uint8_t trace_id[16],
			       const uint8_t span_id[8])
{
	struct ana_key k = span_key(trace_id, span_id);

	return ana_map_get(&c->span_map, &k, NULL, NULL);
}

static struct ana_trace *trace_get(struct ana_ctx *c, const uint8_t id[16])
{
	struct ana_key k = trace_key(id);
	struct ana_trace *t = ana_map_get(&c->trace_map, &k, NULL, NULL);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto fail;
	memcpy(t->id, id, 16);
	t->seq = c->trace_seq++;
	c->live_bytes += ANA_TRACE_COST;
	if (ana_vec_push(&c->traces, t)) {
		free(t);
		goto fail;
	}
	if (ana_map_put(&c->trace_map, &k, t, NULL, NULL))
		goto fail;
	return t;
fail:
	c->nomem = true;
	return NULL;
}

struct ana_span *ana_span_get(struct ana_ctx *c, uint32_t host, const uint8_t trace_id[16],
			      const uint8_t span_id[8], struct ana_proc *p, struct ana_thread *t)
{
	struct ana_key k = span_key(trace_id, span_id);
	struct ana_span *s = ana_map_get(&c->span_map, &k, NULL, NULL);
	struct ana_trace *tr;

	if (s) {
		/* a partial made for a thread that found the span: the merge compares its getters
		 * with the span's first thread, which this partial does not know */
		if (t && s->attach) {
			if (!s->getter)
				s->getter = t;
			else if (s->getter != t)
				s->getters_many = true;
		} else if (t && s->thr != t) {
			s->multi_thread = true;
		}
		return s;
	}
	tr = trace_get(c, trace_id);
	if (!tr)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	memcpy(s->trace_id, trace_id, 16);
	memcpy(s->span_id, span_id, 8);
	s->seq = c->span_seq++;
	c->live_bytes += ANA_SPAN_COST;
	s->host = host;
	s->trace = tr;
	s->proc = p;
	s->thr = t;
	if (c->o.want & ANA_WANT_DETAIL) {
		s->detail = calloc(1, sizeof(*s->detail));
		if (!s->detail) {
			free(s);
			goto fail;
		}
		c->live_bytes += sizeof(*s->detail);
	}
	if (ana_vec_push(&c->spans, s)) {
		ana_span_free(s);
		goto fail;
	}
	if (ana_map_put(&c->span_map, &k, s, NULL, NULL))
		goto fail;
	tr->nspans++;
	tr->hosts_mask |= 1ull << (host < 63 ? host : 63);
	if (tr->spans_tail)
		tr->spans_tail->next_in_trace = s;
	else
		tr->spans = s;
	tr->spans_tail = s;
	return s;
fail:
	c->nomem = true;
	return NULL;
}

/* ---- filters -------------------------------------------------------------------------------- */

static bool nibbles_match(const uint8_t *id, const uint8_t *want, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int a = i % 2 ? id[i / 2] & 15 : id[i / 2] >> 4;
		unsigned int b = i % 2 ? want[i / 2] & 15 : want[i / 2] >> 4;

		if (a != b)
			return false;
	}
	return true;
}

bool ana_filter_trace_match(const struct ana_filter *f, const uint8_t id[16])
{
	return nibbles_match(id, f->trace_id, f->trace_nibbles);
}

bool ana_filter_span_match(const struct ana_filter *f, const uint8_t id[8])
{
	return nibbles_match(id, f->span_id, f->span_nibbles);
}

bool ana_filter_syscall_only(const struct ana_filter *f)
{
	return f->since_ns || f->until_ns || f->has_syscalls || f->errors_only;
}

/* Filters on who (pid, tid, trace, span); has_ctx says whether trace/span are valid. */
static bool who_matches(const struct ana_filter *f, uint32_t pid, uint32_t tid, bool has_ctx,
			const uint8_t trace_id[16], const uint8_t span_id[8])
{
	if (f->has_pid && f->pid != pid)
		return false;
	if (f->has_tid && f->tid != tid)
		return false;
	if (f->trace_nibbles || f->span_nibbles) {
		if (!has_ctx || !ana_filter_trace_match(f, trace_id) ||
		    !ana_filter_span_match(f, span_id))
			return false;
	}
	return true;
}

static bool when_matches(const struct ana_filter *f, uint64_t ts)
{
	return (!f->since_ns || ts >= f->since_ns) && (!f->until_ns || ts <= f->until_ns);
}

/* ---- attributes ----------------------------------------------------------------------------- */

/* The record of thread t's context records for span s, made on first use. */
static struct ana_span_ctx *span_ctx_get(struct ana_ctx *c, struct ana_span *s,
					 struct ana_thread *t)
{
	struct ana_span_ctx *x;

	for (uint32_t i = 0; i < s->nctxs; i++)
		if (s->ctxs[i].thr == t)
			return &s->ctxs[i];
	if (s->nctxs == s->ctxs_cap) {
		uint32_t ncap = s->ctxs_cap ? s->ctxs_cap * 2 : 1;
		struct ana_span_ctx *nv = realloc(s->ctxs, ncap * sizeof(*nv));

		if (!nv) {
			c->nomem = true;
			return NULL;
		}
		s->ctxs = nv;
		c->live_bytes += (ncap - s->ctxs_cap) * sizeof(*nv);
		s->ctxs_cap = ncap;
	}
	x = &s->ctxs[s->nctxs++];
	memset(x, 0, sizeof(*x));
	x->thr = t;
	return x;
}

int ana_attrs_merge(uint8_t **attrs, uint32_t *attrs_len, const uint8_t *raw, size_t len)
{
	const uint8_t *val[256];
	uint8_t vlen[256];
	uint64_t have[4] = { 0 }; /* the keys met: a record holds a few of the 256 */
	size_t total = 0, off;
	uint8_t *out;

	for (int pass = 0; pass < 2; pass++) {
		const uint8_t *p = pass ? raw : *attrs;
		size_t n = pass ? len : *attrs_len;

		for (off = 0; n - off >= 2;) {
			uint8_t k = p[off], l = p[off + 1];

			if ((size_t)l > n - off - 2)
				break;
			if (!(have[k / 64] >> (k % 64) & 1))
				total += 2;
			else
				total -= vlen[k];
			have[k / 64] |= 1ull << (k % 64);
			val[k] = p + off + 2;
			vlen[k] = l;
			total += l;
			off += 2 + (size_t)l;
		}
	}
	out = malloc(total ? total : 1);
	if (!out)
		return -ENOMEM;
	off = 0;
	for (unsigned int w = 0; w < 4; w++) {
		for (uint64_t bits = have[w]; bits; bits &= bits - 1) {
			uint8_t k = (uint8_t)(w * 64 + (unsigned int)__builtin_ctzll(bits));

			out[off] = k;
			out[off + 1] = vlen[k];
			memcpy(out + off + 2, val[k], vlen[k]);
			off += 2 + (size_t)vlen[k];
		}
	}
	free(*attrs);
	*attrs = out;
	*attrs_len = (uint32_t)total;
	return 0;
}

unsigned int ana_span_ctx_attrs(const struct ana_span *s, uint32_t i, struct ana_attr *out,
				unsigned int max)
{
	const struct ana_span_ctx *x = i < s->nctxs ? &s->ctxs[i] : NULL;
	const struct ana_proc *p;
	const struct ana_pctx *pc;
	unsigned int n = 0;
	size_t off = 0;

	if (!x)
		return 0;
	p = x->thr ? x->thr->proc : s->proc;
	pc = x->pctx ? x->pctx : p ? p->pctx : NULL;
	while (pc && pc->grown)
		pc = pc->grown; /* keys added to the map after the record was read */
	while (n < max && x->attrs_len - off >= 2) {
		uint8_t k = x->attrs[off], l = x->attrs[off + 1];

		if (pc && k < pc->nkeys && pc->keymap[k]) {
			out[n].key = pc->keymap[k];
			out[n].key_idx = k;
			out[n].val = x->attrs + off + 2;
			out[n].val_len = l;
			n++;
		}
		off += 2 + (size_t)l;
	}
	return n;
}

unsigned int ana_span_attrs(const struct ana_span *s, struct ana_attr *out, unsigned int max)
{
	for (uint32_t i = 0; i < s->nctxs; i++)
		if (s->ctxs[i].thr == s->thr)
			return ana_span_ctx_attrs(s, i, out, max);
	return ana_span_ctx_attrs(s, 0, out, max);
}

void ana_on_thread_ctx(struct ana_ctx *c, uint32_t host, const struct scf_record *rec)
{
	struct scf_thread_ctx b;
	struct ana_thread *t;
	struct ana_span *s;
	struct ana_span_ctx *x;
	const uint8_t *d;
	uint16_t len;

	if (scf_record_body(rec, &b, sizeof(b), SCF_THREAD_CTX_MIN, NULL, 0))
		return;
	t = ana_thread_get(c, host, b.pid, b.tid);
	if (!t)
		return;
	if (b.valid != 1 || is_zero(b.trace_id, 16)) {
		t->cur_span = NULL;
		t->cur_spilled = t->cur_found = t->cur_pending = false;
		return;
	}
	if (c->o.want & ANA_WANT_NO_TRACES)
		return;
	if (!who_matches(&c->o.f, b.pid, b.tid, true, b.trace_id, b.span_id) ||
	    !when_matches(&c->o.f, rec->ts_ns))
		return;
	s = ana_span_get(c, host, b.trace_id, b.span_id, t->proc, t);
	if (!s)
		return;
	t->cur_span = s;
	t->cur_spilled = t->cur_found = t->cur_pending = false;
	if (!s->ctx_first_ns)
		s->ctx_first_ns = rec->ts_ns;
	s->ctx_last_ns = rec->ts_ns;
	x = span_ctx_get(c, s, t);
	if (!x)
		return;
	/* the key map these attributes were written under; one published later resolves those
	 * read while the process had none */
	if (t->proc->pctx && t->proc->pctx->nkeys)
		x->pctx = t->proc->pctx;
	if (scf_record_item(rec, SCF_ITEM_ATTRS_RAW, &d, &len) == 1) {
		uint32_t was = x->attrs_len;

		if (ana_attrs_merge(&x->attrs, &x->attrs_len, d,
				    len < SCF_ATTRS_MAX ? len : SCF_ATTRS_MAX))
			c->nomem = true;
		c->live_bytes += x->attrs_len - was;
	}
}

/* ---- syscall aggregation -------------------------------------------------------------------- */

struct sc_fact {
	uint64_t ts, end, dur, br, bw;
	bool err, no_exit;
	int32_t errnum;
	uint8_t cls, kind;
	bool cut; /* target is a path cut at the capture's snaplen */
	const char *target;
};

static void stats_add(struct ana_stats *s, const struct sc_fact *f)
{
	if (!s->syscalls || f->ts < s->first_ns)
		s->first_ns = f->ts;
	if (f->end > s->last_ns)
		s->last_ns = f->end;
	s->syscalls++;
	s->errors += f->err;
	s->time_ns += f->dur;
	s->bytes_read += f->br;
	s->bytes_written += f->bw;
}

/* A path cut at the snaplen is not the path of that name: it is a row of its own. */
struct io_name {
	const char *name;
	bool cut;
};

static bool io_eq(const void *val, const void *arg)
{
	const struct ana_io_row *r = val;
	const struct io_name *n = arg;

	return r->cut == n->cut && !strcmp(r->name, n->name);
}

struct ana_io_row *ana_io_find(const struct ana_io_table *t, uint32_t host, const char *name)
{
	struct ana_key k = ana_key_str(name, strlen(name), host);
	struct io_name n = { name, false };

	return ana_map_get(&t->map, &k, io_eq, &n);
}

struct ana_io_row *ana_io_row_get(struct ana_io_table *t, uint32_t host, const char *name,
				  bool cut, uint8_t kind)
{
	struct ana_key k = ana_key_str(name, strlen(name), host);
	struct io_name n = { name, cut };
	struct ana_io_row *r = ana_map_get(&t->map, &k, io_eq, &n);

	if (r)
		return r;
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 16;
		struct ana_io_row **nv = realloc(t->rows, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		t->rows = nv;
		t->cap = ncap;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(name))) {
		free(r);
		return NULL;
	}
	r->host = host;
	r->kind = kind;
	r->cut = cut;
	r->seq = t->n;
	t->rows[t->n++] = r;
	if (ana_map_put(&t->map, &k, r, io_eq, &n))
		return NULL;
	return r;
}

static void io_add(struct ana_ctx *c, struct ana_io_table *t, uint32_t host, uint16_t nr,
		   const struct scf_syscall_info *si, const struct sc_fact *f)
{
	struct ana_io_row *r = ana_io_row_get(t, host, f->target, f->cut, f->kind);

	if (!r)
		goto fail;
	r->ops++;
	r->errors += f->err;
	r->time_ns += f->dur;
	r->bytes_read += f->br;
	r->bytes_written += f->bw;
	if (si) {
		r->opens += !!(si->flags & SCF_SC_OPEN);
		r->reads += !!(si->flags & SCF_SC_READ);
		r->writes += !!(si->flags & SCF_SC_WRITE);
		r->syncs += !!(si->flags & SCF_SC_SYNC);
	}
	r->mmaps += nr == SCF_NR_mmap;
	r->connects += nr == SCF_NR_connect;
	return;
fail:
	c->nomem = true;
}

int ana_sc_errno_add(struct ana_sc_row *r, int32_t err, uint64_t n)
{
	for (int i = 0; i < SCF_SC_ERRNOS; i++) {
		if (r->errnos[i].n && r->errnos[i].err != err)
			continue;
		r->errnos[i].err = err;
		r->errnos[i].n += n;
		return 0;
	}
	r->other_errnos += n;
	if (r->group_kind != ANA_BY_SPAN)
		return 0;
	for (uint32_t i = 0; i < r->nmore; i++) {
		if (r->more[i].err == err) {
			r->more[i].n += n;
			return 0;
		}
	}
	if (r->nmore == r->more_cap) {
		uint32_t ncap = r->more_cap ? r->more_cap * 2 : 4;
		struct ana_errno_n *nv = realloc(r->more, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->more = nv;
		r->more_cap = ncap;
	}
	r->more[r->nmore++] = (struct ana_errno_n){ .err = err, .n = n };
	return 0;
}

size_t ana_sc_row_cost(const struct ana_sc_row *r)
{
	return sizeof(*r) + sizeof(void *) + r->hist.cap * sizeof(struct ana_hist_bin) +
	       r->more_cap * sizeof(*r->more);
}

struct ana_sc_row *ana_span_sc_row(struct ana_ctx *c, struct ana_span *s, uint16_t nr)
{
	struct ana_sc_row *r;

	for (uint32_t i = 0; i < s->nsc; i++)
		if (s->sc[i]->nr == nr)
			return s->sc[i];
	if (s->nsc == s->sc_cap) {
		uint32_t ncap = s->sc_cap ? s->sc_cap * 2 : 4;
		struct ana_sc_row **nv = realloc(s->sc, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		s->sc = nv;
		s->sc_cap = ncap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->group_kind = ANA_BY_SPAN;
	r->group = s;
	r->nr = nr;
	r->seq = s->nsc;
	s->sc[s->nsc++] = r;
	if (c)
		c->live_bytes += ana_sc_row_cost(r);
	return r;
}

static void sc_add(struct ana_ctx *c, uint8_t by, void *group, uint16_t nr,
		   const struct sc_fact *f)
{
	struct ana_sc_table *t = &c->sc;
	struct ana_key k = ana_key3((uint64_t)(uintptr_t)group, nr, by);
	struct ana_sc_row *r;
	size_t cost;

	/* a span's rows go with it (to the spill too) */
	if (by == ANA_BY_SPAN)
		r = ana_span_sc_row(c, group, nr);
	else
		r = ana_map_get(&t->map, &k, NULL, NULL);
	if (!r && by == ANA_BY_SPAN)
		goto fail;
	if (!r) {
		if (t->n == t->cap) {
			uint32_t ncap = t->cap ? t->cap * 2 : 64;
			struct ana_sc_row **nv = realloc(t->rows, ncap * sizeof(*nv));

			if (!nv)
				goto fail;
			t->rows = nv;
			t->cap = ncap;
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			goto fail;
		r->group_kind = by;
		r->group = group;
		r->nr = nr;
		r->seq = t->n;
		t->rows[t->n++] = r;
		if (ana_map_put(&t->map, &k, r, NULL, NULL))
			goto fail;
	}
	cost = by == ANA_BY_SPAN ? ana_sc_row_cost(r) : 0;
	r->count++;
	if (f->no_exit) {
		r->no_exit++;
		return;
	}
	r->time_ns += f->dur;
	if (ana_hist_add(&r->hist, f->dur))
		c->nomem = true;
	if (f->err) {
		r->errors++;
		if (ana_sc_errno_add(r, f->errnum, 1))
			c->nomem = true;
	}
	if (by == ANA_BY_SPAN)
		c->live_bytes += ana_sc_row_cost(r) - cost;
	return;
fail:
	c->nomem = true;
}

static void detail_add(struct ana_ctx *c, struct ana_span *s, const struct scf_syscall *sc,
		       const struct scf_syscall_info *si, const struct sc_fact *f)
{
	struct ana_span_detail *d = s->detail;
	struct ana_class_stat *cs = &d->cls[f->cls];
	uint32_t hcap = cs->hist.cap, nio = d->io.n, iocap = d->io.cap;

	cs->count++;
	cs->errors += f->err;
	cs->time_ns += f->dur;
	if (!f->no_exit && ana_hist_add(&cs->hist, f->dur))
		c->nomem = true;
	if (f->target)
		io_add(c, &d->io, s->host, sc->nr, si, f);
	/* the bytes it added, for the budget of traces and spans (trace_spill.c) */
	c->live_bytes += (cs->hist.cap - hcap) * sizeof(struct ana_hist_bin) +
			 (d->io.cap - iocap) * sizeof(void *);
	if (d->io.n != nio)
		c->live_bytes += ANA_IO_ROW_COST + strlen(f->target) + 1;
	if (!f->err)
		return;
	if (d->nerrs == d->errs_cap) {
		uint32_t ncap = d->errs_cap ? d->errs_cap * 2 : 8;
		struct ana_error_ev *nv = realloc(d->errs, ncap * sizeof(*nv));

		if (!nv) {
			c->nomem = true;
			return;
		}
		d->errs = nv;
		c->live_bytes += (ncap - d->errs_cap) * sizeof(*nv);
		d->errs_cap = ncap;
	}
	d->errs[d->nerrs].ts_ns = f->ts;
	d->errs[d->nerrs].tid = sc->tid;
	d->errs[d->nerrs].nr = sc->nr;
	d->errs[d->nerrs].err = f->errnum;
	d->errs[d->nerrs].target = f->target ? strdup(f->target) : NULL;
	if (f->target)
		c->live_bytes += strlen(f->target) + 1;
	d->nerrs++;
}

static void trace_member(struct ana_ctx *c, struct ana_trace *tr, struct ana_thread *t)
{
	uint32_t i;

	if (t->last_trace == tr)
		return;
	t->last_trace = tr;
	for (i = 0; i < tr->nthreads && tr->threads[i] != t; i++)
		;
	if (i == tr->nthreads) {
		if (tr->nthreads == tr->threads_cap) {
			uint32_t ncap = tr->threads_cap ? tr->threads_cap * 2 : 4;
			struct ana_thread **nv = realloc(tr->threads, ncap * sizeof(*nv));

			if (!nv)
				goto fail;
			tr->threads = nv;
			c->live_bytes += (ncap - tr->threads_cap) * sizeof(*nv);
			tr->threads_cap = ncap;
		}
		tr->threads[tr->nthreads++] = t;
	}
	for (i = 0; i < tr->nprocs && tr->procs[i] != t->proc; i++)
		;
	if (i == tr->nprocs) {
		if (tr->nprocs == tr->procs_cap) {
			uint32_t ncap = tr->procs_cap ? tr->procs_cap * 2 : 4;
			struct ana_proc **nv = realloc(tr->procs, ncap * sizeof(*nv));

			if (!nv)
				goto fail;
			tr->procs = nv;
			c->live_bytes += (ncap - tr->procs_cap) * sizeof(*nv);
			tr->procs_cap = ncap;
		}
		tr->procs[tr->nprocs++] = t->proc;
	}
	return;
fail:
	c->nomem = true;
}

/* What the syscall worked on, before it took effect; a socket's remote address, when known,
 * into *addr (addr->len stays 0 otherwise). */
static const char *resolve_target(const struct ana_proc *p, const struct scf_record *rec,
				  const struct scf_syscall *sc, const struct scf_syscall_info *si,
				  uint32_t snaplen, char *buf, size_t bufsz, uint8_t *kind,
				  bool *cut, struct ana_sockaddr *addr)
{
	const struct ana_fdesc *desc;
	const uint8_t *d;
	uint16_t len;
	int64_t fd = -1;

	*kind = ANA_T_NONE;
	if (!si)
		return NULL;
	if ((si->flags & SCF_SC_OPEN) || ((si->flags & SCF_SC_PATH) && !(si->flags & SCF_SC_FD0))) {
		if (scf_record_item(rec, SCF_ITEM_PATH, &d, &len) != 1)
			return NULL;
		*kind = ANA_T_FILE;
		*cut = ana_str_cut(snaplen, rec->flags, SCF_ITEM_PATH, len);
		if (len && d[0] != '/' && si->args && si->args[0] == 'D' &&
		    (int32_t)sc->args[0] != X_AT_FDCWD) {
			char dbuf[300];
			uint8_t dk;
			const char *dir = ana_fd_name(p, (int32_t)sc->args[0], rec->ts_ns, &dk,
						      dbuf, sizeof(dbuf));

			if (dir && dk == ANA_T_FILE) {
				*cut = *cut || ana_fd_cut(p, (int32_t)sc->args[0], rec->ts_ns);
				snprintf(buf, bufsz, "%s/%.*s", dir, (int)len, (const char *)d);
				return buf;
			}
		}
		snprintf(buf, bufsz, "%.*s", (int)len, (const char *)d);
		return buf;
	}
	if (si->cls == SCF_CLASS_NET && sc->nr != SCF_NR_bind &&
	    scf_record_item(rec, SCF_ITEM_SOCKADDR, &d, &len) == 1) {
		struct scf_sockaddr sa;

		if (!scf_sockaddr_decode(d, len, &sa)) {
			scf_sockaddr_format(&sa, buf, bufsz);
			*kind = ANA_T_SOCKET;
			if (len <= sizeof(addr->bytes)) {
				memcpy(addr->bytes, d, len);
				addr->len = len;
			}
			return buf;
		}
	}
	if (si->flags & SCF_SC_FD0)
		fd = (int32_t)sc->args[0];
	else if ((si->flags & SCF_SC_FD4) && !(sc->args[3] & X_MAP_ANONYMOUS))
		fd = (int32_t)sc->args[4];
	if (fd < 0)
		return NULL;
	desc = ana_fd_at(p, fd, rec->ts_ns);
	if (!desc) {
		*kind = ANA_T_UNKNOWN;
		snprintf(buf, bufsz, "[pid %u fd %d]", p->pid, (int)fd);
		return buf;
	}
	*kind = desc->kind;
	*cut = desc->cut;
	if (desc->kind == ANA_T_SOCKET && desc->peer.len)
		*addr = desc->peer;
	return ana_fdesc_name(desc, buf, bufsz);
}

bool ana_syscall_selected(const struct ana_filter *f, const struct scf_syscall *sc,
			  const struct scf_record *rec)
{
	bool has_ctx = (rec->flags & SCF_SYSCALL_F_CTX) && !is_zero(sc->trace_id, 16);

	if (!when_matches(f, rec->ts_ns))
		return false;
	if (!who_matches(f, sc->pid, sc->tid, has_ctx, sc->trace_id, sc->span_id))
		return false;
	if (f->errors_only &&
	    ((rec->flags & SCF_SYSCALL_F_NO_EXIT) || sc->ret >= 0 || sc->ret < -4095))
		return false;
	if (f->has_syscalls &&
	    (sc->nr >= SCF_SYSCALL_NR_MAX || !(f->syscalls[sc->nr / 64] & (1ull << (sc->nr % 64)))))
		return false;
	return true;
}

struct ana_span *ana_thread_span(struct ana_ctx *c, struct ana_thread *t)
{
	struct ana_span *s;

	if (!t->cur_spilled || t->cur_pending)
		return t->cur_spilled ? NULL : t->cur_span;
	if (!t->cur_found) { /* it got the span before: getting it again changes nothing */
		s = ana_span_get(c, t->host, t->cur_trace_id, t->cur_span_id, t->proc, t);
	} else if (!(s = ana_span_find(c, t->cur_trace_id, t->cur_span_id))) {
		/* the budget-off run would not get it (no multi_thread): the new partial says
		 * how the thread holds it */
		s = ana_span_get(c, t->host, t->cur_trace_id, t->cur_span_id, t->proc, t);
		if (s) {
			s->attach = true;
			s->find_seq = t->cur_find_seq;
		}
	}
	t->cur_span = s;
	t->cur_spilled = false;
	return s;
}

/* A selected syscall of t in its current span, not live (t->cur_spilled): the span it adds
 * to, a live partial or a new one; a pending hold becomes certain (and the spill, through
 * c->hold_found, marks one that found a live partial). */
static struct ana_span *held_span(struct ana_ctx *c, struct ana_thread *t)
{
	struct ana_span *s;

	if (t->cur_pending) {
		s = ana_span_find(c, t->cur_trace_id, t->cur_span_id);
		t->cur_pending = false;
		if (s) {
			if (c->hold_found)
				c->hold_found(c, t);
			t->cur_span = s;
			t->cur_spilled = false;
			return s;
		}
	}
	return ana_thread_span(c, t);
}

/*
 * The span of a syscall with a context, and the thread's hold of it. A selected syscall gets
 * the span (makes it when new); an unselected one only finds it, and the thread then holds it
 * when it was made before. Past a budget the span may be spilled: the thread keeps its ids
 * (cur_spilled) and how it holds it (cur_found), and a find that fails once anything was
 * spilled leaves the hold pending until the merge knows whether the span existed then
 * (cur_pending, trace_spill.c). Sets t->cur_span.
 */
static struct ana_span *syscall_span(struct ana_ctx *c, struct ana_host *h, struct ana_thread *t,
				     const struct scf_syscall *sc, bool sel)
{
	struct ana_span *span = t->cur_span;

	if (span && !memcmp(span->span_id, sc->span_id, 8) &&
	    !memcmp(span->trace_id, sc->trace_id, 16))
		return span;
	if (!span && t->cur_spilled && !memcmp(t->cur_span_id, sc->span_id, 8) &&
	    !memcmp(t->cur_trace_id, sc->trace_id, 16)) {
		/* the span it holds, not live: the budget-off run has it as cur_span */
		if (sel)
			return held_span(c, t);
		if (t->cur_pending) { /* the budget-off run finds it again */
			t->cur_find_seq = c->span_seq;
			span = ana_span_find(c, sc->trace_id, sc->span_id);
			if (span) {
				t->cur_span = span;
				t->cur_spilled = t->cur_pending = false;
			}
		}
		return span;
	}
	t->cur_spilled = t->cur_pending = false;
	if (sel) {
		t->cur_found = false;
		t->cur_span = ana_span_get(c, h->idx, sc->trace_id, sc->span_id, t->proc, t);
		return t->cur_span;
	}
	t->cur_span = ana_span_find(c, sc->trace_id, sc->span_id);
	t->cur_found = t->cur_span || c->spill_batches;
	t->cur_find_seq = c->span_seq;
	if (!t->cur_span && c->spill_batches) {
		t->cur_spilled = t->cur_pending = true;
		memcpy(t->cur_trace_id, sc->trace_id, 16);
		memcpy(t->cur_span_id, sc->span_id, 8);
	}
	return t->cur_span;
}

void ana_on_syscall(struct ana_ctx *c, struct ana_host *h, const struct scf_record *rec)
{
	const struct scf_syscall_info *si;
	struct scf_syscall sc;
	struct ana_thread *t;
	struct ana_proc *p;
	struct ana_span *span = NULL;
	struct sc_fact f = { 0 };
	struct ana_sockaddr addr;
	char buf[1024];
	bool has_ctx, sel;

	if (scf_record_body(rec, &sc, sizeof(sc), SCF_SYSCALL_MIN, NULL, 0))
		return;
	t = ana_thread_get(c, h->idx, sc.pid, sc.tid);
	if (!t)
		return;
	p = t->proc;
	has_ctx = (rec->flags & SCF_SYSCALL_F_CTX) && !is_zero(sc.trace_id, 16);
	si = sc.abi == SCF_ABI_X86_64 ? scf_syscall_info(sc.nr) : NULL;
	sel = ana_syscall_selected(&c->o.f, &sc, rec);
	if (has_ctx && !(c->o.want & ANA_WANT_NO_TRACES)) {
		span = syscall_span(c, h, t, &sc, sel);
	} else {
		t->cur_span = NULL;
		t->cur_spilled = t->cur_found = t->cur_pending = false;
	}
	addr.len = 0;
	if (sel) {
		f.ts = rec->ts_ns;
		f.no_exit = rec->flags & SCF_SYSCALL_F_NO_EXIT;
		f.dur = f.no_exit ? 0 : sc.duration_ns;
		f.end = f.ts + f.dur;
		f.err = !f.no_exit && sc.ret < 0 && sc.ret >= -4095;
		f.errnum = f.err ? (int32_t)-sc.ret : 0;
		f.cls = si ? si->cls : SCF_CLASS_OTHER;
		if (si && !f.no_exit && sc.ret > 0) {
			if (si->flags & SCF_SC_READ)
				f.br = (uint64_t)sc.ret;
			if (si->flags & SCF_SC_WRITE)
				f.bw = (uint64_t)sc.ret;
		}
		/* only files, net, trace details and timelines look at targets */
		if ((c->o.want & ANA_WANT_IO) || c->o.on_event || (span && span->detail))
			f.target = resolve_target(p, rec, &sc, si, h->snaplen, buf, sizeof(buf),
						  &f.kind, &f.cut, &addr);
		stats_add(&c->total, &f);
		stats_add(&p->st, &f);
		stats_add(&t->st, &f);
		if (span) {
			if (!span->pctx_set) {
				span->pctx = p->pctx;
				span->service = p->service ? strdup(p->service) : NULL;
				span->pctx_set = true;
				if (span->service)
					c->live_bytes += strlen(span->service) + 1;
			}
			stats_add(&span->st, &f);
			stats_add(&span->trace->st, &f);
			trace_member(c, span->trace, t);
			if (span->detail)
				detail_add(c, span, &sc, si, &f);
		}
		if ((c->o.want & ANA_WANT_IO) && f.target)
			io_add(c, &c->io, h->idx, sc.nr, si, &f);
		if (c->o.want & ANA_WANT_SCSTATS) {
			if (c->o.by == ANA_BY_SPAN && span)
				sc_add(c, ANA_BY_SPAN, span, sc.nr, &f);
			else if (c->o.by == ANA_BY_PROCESS)
				sc_add(c, ANA_BY_PROCESS, p, sc.nr, &f);
			else if (c->o.by == ANA_BY_SYSCALL)
				sc_add(c, ANA_BY_SYSCALL, NULL, sc.nr, &f);
		}
		if (c->o.on_event) {
			struct ana_event ev = { .type = SCF_REC_SYSCALL, .ts_ns = rec->ts_ns,
						.rec = rec, .sc = &sc, .host = h, .proc = p,
						.thr = t, .span = span, .target_kind = f.kind,
						.target = f.target, .target_cut = f.cut,
						.target_addr = addr.len ? &addr : NULL,
						.ctx = has_ctx };

			ev.ret_host_pid = ana_syscall_host_pid(c, t, rec, &sc, -1);
			for (int i = 0; i < 6; i++)
				ev.arg_host_pid[i] = ana_syscall_host_pid(c, t, rec, &sc, i);
			c->o.on_event(c, &ev, c->o.event_arg);
		}
	}
	ana_fd_apply(c, p, t, rec, &sc);
}

/* ---- losses --------------------------------------------------------------------------------- */

/*
 * Whether a loss can leave a trace without some of its syscalls: dropped events, and context
 * reads that failed (the syscall was recorded but cannot be attributed). An argument that could
 * not be read loses nothing: its syscall is there, only a decoded path or address is missing.
 */
static bool loss_hides_events(uint16_t reason)
{
	return reason != SCF_LOSS_ARG_FAULT;
}

/* Keeps a loss window for the incomplete marking; false when memory ran out. */
static bool remember_loss(struct ana_ctx *c, struct ana_host *h, const struct scf_loss *b)
{
	struct ana_loss *l;

	if (c->nlosses == c->losses_cap) {
		uint32_t ncap = c->losses_cap ? c->losses_cap * 2 : 16;
		struct ana_loss *nv = realloc(c->losses, ncap * sizeof(*nv));

		if (!nv) {
			c->nomem = true;
			return false;
		}
		c->losses = nv;
		c->losses_cap = ncap;
	}
	l = &c->losses[c->nlosses++];
	memset(l, 0, sizeof(*l));
	l->start_ns = b->window_start_ns;
	l->end_ns = b->window_end_ns < b->window_start_ns ? b->window_start_ns : b->window_end_ns;
	l->count = b->count;
	l->host = h->idx;
	l->pid = b->pid;
	l->cpu = b->cpu;
	l->reason = b->reason;
	return true;
}

void ana_on_loss(struct ana_ctx *c, struct ana_host *h, const struct scf_record *rec)
{
	struct scf_loss b;

	if (scf_record_body(rec, &b, sizeof(b), SCF_LOSS_MIN, NULL, 0))
		return;
	if (loss_hides_events(b.reason) && !remember_loss(c, h, &b))
		return;
	c->loss_by_reason[b.reason < ANA_LOSS_REASONS ? b.reason : 0] += b.count;
	if (scf_loss_drops_events(b.reason)) {
		c->loss_windows++;
		c->loss_total += b.count;
		h->loss_events += b.count;
		h->loss_windows++;
	} else {
		c->fault_windows++;
		c->fault_total += b.count;
	}
	if (c->o.on_event && !ana_filter_syscall_only(&c->o.f) && !c->o.f.trace_nibbles &&
	    !c->o.f.span_nibbles && !c->o.f.has_tid && (!c->o.f.has_pid || c->o.f.pid == b.pid)) {
		struct ana_event ev = { .type = SCF_REC_LOSS, .ts_ns = rec->ts_ns, .rec = rec,
					.loss = &b, .host = h };

		c->o.on_event(c, &ev, c->o.event_arg);
	}
}

static int loss_cmp(const void *a, const void *b)
{
	const struct ana_loss *x = a, *y = b;

	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return 0;
}

/* Whether a loss of (host, pid) overlaps [a, b]. Losses are sorted by (host, pid, start) and
 * prefmax_end is the largest end so far within the group. */
static bool group_overlaps(const struct ana_ctx *c, uint32_t host, uint32_t pid, uint64_t a,
			   uint64_t b)
{
	uint32_t lo = 0, hi = c->nlosses, last;

	/* first index of the group */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct ana_loss *l = &c->losses[mid];

		if (l->host < host || (l->host == host && l->pid < pid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->nlosses || c->losses[lo].host != host || c->losses[lo].pid != pid ||
	    c->losses[lo].start_ns > b)
		return false;
	/* last index of the group that starts at or before b */
	last = lo;
	hi = c->nlosses;
	while (last + 1 < hi) {
		uint32_t mid = (last + hi) / 2;
		const struct ana_loss *l = &c->losses[mid];

		if (l->host == host && l->pid == pid && l->start_ns <= b)
			last = mid;
		else
			hi = mid;
	}
	return c->losses[last].prefmax_end >= a;
}

bool ana_loss_overlaps(const struct ana_ctx *c, uint32_t host, uint32_t pid, uint64_t a,
		       uint64_t b)
{
	if (!c->nlosses)
		return false;
	return group_overlaps(c, host, 0, a, b) || (pid && group_overlaps(c, host, pid, a, b));
}

/* Marks threads, spans and traces whose time windows overlap a loss (of their host, and of
 * every process or theirs): a loss on any CPU may hide one of their events, since a thread
 * moves between CPUs. */
void ana_mark_incomplete(struct ana_ctx *c)
{
	if (!c->nlosses)
		return;
	qsort(c->losses, c->nlosses, sizeof(*c->losses), loss_cmp);
	for (uint32_t i = 0; i < c->nlosses; i++) {
		struct ana_loss *l = &c->losses[i];
		bool same = i && l[-1].host == l->host && l[-1].pid == l->pid;

		l->prefmax_end = same && l[-1].prefmax_end > l->end_ns ? l[-1].prefmax_end : l->end_ns;
	}
	for (uint32_t i = 0; i < c->spans.n; i++) {
		struct ana_span *s = c->spans.v[i];
		uint64_t a = s->st.syscalls ? s->st.first_ns : s->ctx_first_ns;
		uint64_t b = s->st.syscalls ? s->st.last_ns : s->ctx_last_ns;

		if (s->ctx_first_ns && s->ctx_first_ns < a)
			a = s->ctx_first_ns;
		if (a && ana_loss_overlaps(c, s->host, s->proc ? s->proc->pid : 0, a, b)) {
			s->incomplete = true;
			s->trace->incomplete = true;
		}
	}
	for (uint32_t i = 0; i < c->threads.n; i++) {
		struct ana_thread *t = c->threads.v[i];

		if (t->st.syscalls &&
		    ana_loss_overlaps(c, t->host, t->pid, t->st.first_ns, t->st.last_ns)) {
			t->incomplete = true;
			t->proc->incomplete = true;
		}
	}
}

/* ---- freeing -------------------------------------------------------------------------------- */

void ana_io_table_free(struct ana_io_table *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		free(t->rows[i]->name);
		free(t->rows[i]);
	}
	free(t->rows);
	ana_map_free(&t->map);
	memset(t, 0, sizeof(*t));
}

void ana_sc_table_free(struct ana_sc_table *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		ana_hist_free(&t->rows[i]->hist);
		free(t->rows[i]);
	}
	free(t->rows);
	ana_map_free(&t->map);
	memset(t, 0, sizeof(*t));
}

void ana_span_free(struct ana_span *s)
{
	struct ana_span_detail *d;

	if (!s)
		return;
	d = s->detail;
	if (d) {
		ana_io_table_free(&d->io);
		for (int i = 0; i < SCF_CLASS_MAX; i++)
			ana_hist_free(&d->cls[i].hist);
		for (uint32_t i = 0; i < d->nerrs; i++)
			free(d->errs[i].target);
		free(d->errs);
		free(d->children);
		free(d);
	}
	for (uint32_t i = 0; i < s->nsc; i++) {
		ana_hist_free(&s->sc[i]->hist);
		free(s->sc[i]->more);
		free(s->sc[i]);
	}
	free(s->sc);
	for (uint32_t i = 0; i < s->nctxs; i++)
		free(s->ctxs[i].attrs);
	free(s->ctxs);
	free(s->service);
	free(s);
}
