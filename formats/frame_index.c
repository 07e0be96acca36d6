// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_index.c - the index payload of one zstd frame (FORMAT.md 7): what the frame's records
 * hold, gathered as they are written (or read back), encoded, and decoded from untrusted
 * bytes.
 *
 * Payload, little-endian, no alignment:
 *    0 "SCIX"  4 u16 version (1)  6 u16 fixed_len (88 + 12 nfds; 80 before 1.4)
 *    8 u64 frame offset  16 u64 csize  24 u32 pcapng_len  28 u32 records  32 u64 ts_min
 *   40 u64 ts_max  48 u32 types  52 u32 flags  56 u32 frame checksum  60 u32 npids
 *   64 u32 nparents  68 u32 bloom_words  72 u32 bloom_k  76 u32 reserved
 *   80 u32 nfds  84 u32 fd_flags  88 {u32 pid, u32 fd, u32 bits}[nfds] ascending (since 1.4:
 *   frame_index_fds.c; a reader of 1.3 takes the arrays at fixed_len and never sees it)
 *   fixed_len: u32 pids[npids] ascending, {u32 pid, u32 ppid}[nparents], u64 bloom[bloom_words],
 *   then u32 FNV-1a of every byte before it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "spancap_file.h"
#include "format_internal.h"

#define FIDX_VERSION 1
#define FIDX_FIXED 80	     /* the fixed part of version 1.3: a reader needs no more */
#define FIDX_FDS_FLAG_ALL 0x1u /* fd_flags: more descriptors than listed */
#define FIDX_PIDS_MAX 4096u
#define FIDX_PARENTS_MAX 4096u
#define FIDX_TRACES_MAX (1u << 18)
#define FIDX_BLOOM_K 6u
#define FIDX_BLOOM_BITS_PER_KEY 16u
/* Decoding limits: more than any writer of version 1 produces. */
#define FIDX_PIDS_LIMIT 65536u
#define FIDX_PARENTS_LIMIT 65536u
#define FIDX_WORDS_LIMIT (1u << 20)

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The Bloom filter key of a trace id prefix in a process. */
static uint64_t trace_key(const uint8_t id8[8], uint32_t pid)
{
	uint64_t k = mix64(get64(id8) ^ mix64((uint64_t)pid + 0x9e3779b97f4a7c15ull));

	return k ? k : 1;
}

/* ---- the set ---- */

static int set_add(struct scf_u64set *s, uint64_t key)
{
	uint32_t i;

	if ((s->n + 1) * 4 > s->cap * 3) {
		uint32_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (uint32_t j = 0; j < s->cap; j++) {
			if (!s->slot[j])
				continue;
			for (i = (uint32_t)mix64(s->slot[j]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = s->slot[j];
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	for (i = (uint32_t)mix64(key) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == key)
			return 0;
	s->slot[i] = key;
	s->n++;
	return 0;
}

static void set_clear(struct scf_u64set *s)
{
	if (s->n)
		memset(s->slot, 0, s->cap * sizeof(*s->slot));
	s->n = 0;
}

/* ---- gathering ---- */

void scf_fidx_acc_reset(struct scf_fidx_acc *a)
{
	memset(a->recent, 0, sizeof(a->recent));
	a->last_pid = 0;
	a->ts_min = a->ts_max = 0;
	a->records = a->types = a->flags = 0;
	set_clear(&a->traces);
	set_clear(&a->pids);
	set_clear(&a->parents);
	scf_fidx_fds_reset(&a->fds);
}

void scf_fidx_acc_free(struct scf_fidx_acc *a)
{
	free(a->traces.slot);
	free(a->pids.slot);
	free(a->parents.slot);
	scf_fidx_fds_free(&a->fds);
	memset(a, 0, sizeof(*a));
}

static int add_pid(struct scf_fidx_acc *a, uint32_t pid)
{
	if ((a->flags & SCF_FIDX_F_PIDS_ALL) || (a->pids.n && pid == a->last_pid))
		return 0;
	a->last_pid = pid;
	if (set_add(&a->pids, (uint64_t)pid + 1))
		return -ENOMEM;
	if (a->pids.n > FIDX_PIDS_MAX)
		a->flags |= SCF_FIDX_F_PIDS_ALL;
	return 0;
}

static int add_parent(struct scf_fidx_acc *a, uint32_t pid, uint32_t ppid)
{
	if (a->flags & SCF_FIDX_F_PARENTS_ALL)
		return 0;
	if (set_add(&a->parents, 1ull << 63 | (uint64_t)pid << 32 | ppid))
		return -ENOMEM;
	if (a->parents.n > FIDX_PARENTS_MAX)
		a->flags |= SCF_FIDX_F_PARENTS_ALL;
	return 0;
}

static int add_trace(struct scf_fidx_acc *a, const uint8_t *id, uint32_t pid)
{
	static const uint8_t zero[16];
	uint64_t key;

	if (!memcmp(id, zero, 16) || (a->flags & SCF_FIDX_F_TRACES_ALL))
		return 0;
	key = trace_key(id, pid);
	/* threads interleave: a small cache of recent keys spares most set lookups */
	if (a->recent[key & (SCF_FIDX_RECENT - 1)] == key)
		return 0;
	a->recent[key & (SCF_FIDX_RECENT - 1)] = key;
	if (set_add(&a->traces, key))
		return -ENOMEM;
	if (a->traces.n > FIDX_TRACES_MAX)
		a->flags |= SCF_FIDX_F_TRACES_ALL;
	return 0;
}

/* A record body field at off of size n, or NULL when the body is shorter. */
static const uint8_t *field(const uint8_t *rec, size_t len, size_t off, size_t n)
{
	uint16_t body_len = scf_get16(rec + 4);

	if (off + n > body_len || 8 + (size_t)body_len > len)
		return NULL;
	return rec + 8 + off;
}

/* What every record adds: its time, its type, one more record. */
static void note_record(struct scf_fidx_acc *a, uint64_t ts_ns, uint16_t type)
{
	if (!a->records || ts_ns < a->ts_min)
		a->ts_min = ts_ns;
	if (!a->records || ts_ns > a->ts_max)
		a->ts_max = ts_ns;
	a->records++;
	a->types |= type < 31 ? 1u << type : 1u << 31;
}

/* A SYSCALL record's items: only their tags are looked at (the writer checked the framing). */
static void note_items(struct scf_fidx_acc *a, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off + 4 <= n; off += 4 + (size_t)scf_get16(p + off + 2))
		if (scf_get16(p + off) == SCF_ITEM_FD_PAIR)
			a->flags |= SCF_FIDX_F_FD_PAIR;
}

int scf_fidx_acc_add_syscall(struct scf_fidx_acc *a, uint64_t ts_ns, uint16_t flags,
			     const struct scf_syscall *s, const uint8_t *items, size_t items_len)
{
	int ret;

	note_record(a, ts_ns, SCF_REC_SYSCALL);
	ret = add_pid(a, s->pid);
	if (!ret && (flags & SCF_SYSCALL_F_CTX))
		ret = add_trace(a, s->trace_id, s->pid);
	note_items(a, items, items_len);
	if (!ret)
		ret = scf_fidx_fds_syscall(&a->fds, ts_ns, flags, s, items, items_len);
	return ret;
}

int scf_fidx_acc_add(struct scf_fidx_acc *a, uint64_t ts_ns, const uint8_t *rec, size_t len)
{
	uint16_t type, flags;
	const uint8_t *f;
	int ret = 0;

	if (len < 8)
		return 0;
	type = scf_get16(rec);
	flags = scf_get16(rec + 6);
	note_record(a, ts_ns, type);
	switch (type) {
	case SCF_REC_SYSCALL:
		f = field(rec, len, offsetof(struct scf_syscall, pid), 4);
		if (!f)
			break;
		ret = add_pid(a, scf_get32(f));
		if (!ret && (flags & SCF_SYSCALL_F_CTX))
			ret = add_trace(a, rec + 8 + offsetof(struct scf_syscall, trace_id),
					scf_get32(f));
		if (8 + (size_t)scf_get16(rec + 4) <= len)
			note_items(a, rec + 8 + (size_t)scf_get16(rec + 4),
				   len - 8 - (size_t)scf_get16(rec + 4));
		break;
	case SCF_REC_THREAD_CTX:
		f = field(rec, len, offsetof(struct scf_thread_ctx, trace_id), 16);
		if (!f)
			break;
		ret = add_pid(a, scf_get32(rec + 8));
		if (!ret)
			ret = add_trace(a, f, scf_get32(rec + 8));
		break;
	case SCF_REC_PROCESS:
		if (!field(rec, len, 0, 8))
			break;
		ret = add_pid(a, scf_get32(rec + 8));
		if (!ret)
			ret = add_parent(a, scf_get32(rec + 8), scf_get32(rec + 12));
		break;
	case SCF_REC_PROC_EVENT:
		if (!field(rec, len, 0, 13))
			break;
		ret = add_pid(a, scf_get32(rec + 8));
		if (!ret && rec[8 + 12] == SCF_PROC_FORK) {
			ret = add_pid(a, scf_get32(rec + 16));
			if (!ret)
				ret = add_parent(a, scf_get32(rec + 8), scf_get32(rec + 16));
		}
		break;
	case SCF_REC_THREAD:
	case SCF_REC_FD:
		if (field(rec, len, 0, 4))
			ret = add_pid(a, scf_get32(rec + 8));
		break;
	case SCF_REC_LOSS:
		f = field(rec, len, offsetof(struct scf_loss, pid), 4);
		if (f && scf_get32(f))
			ret = add_pid(a, scf_get32(f));
		else
			a->flags |= SCF_FIDX_F_LOSS_ANY;
		break;
	}
	if (!ret)
		ret = scf_fidx_fds_record(&a->fds, ts_ns, rec, len);
	return ret;
}

static uint32_t bloom_words(const struct scf_fidx_acc *a)
{
	uint64_t bits = (uint64_t)a->traces.n * FIDX_BLOOM_BITS_PER_KEY;
	uint32_t w = 1;

	if (!a->traces.n || (a->flags & SCF_FIDX_F_TRACES_ALL))
		return 0;
	while ((uint64_t)w * 64 < bits)
		w *= 2;
	return w;
}

size_t scf_fidx_acc_size(const struct scf_fidx_acc *a)
{
	uint32_t npids = (a->flags & SCF_FIDX_F_PIDS_ALL) ? 0 : a->pids.n;

	return FIDX_FIXED + scf_fidx_fds_size(&a->fds) + 4 * (size_t)npids +
	       8 * (size_t)a->parents.n +
	       8 * (size_t)bloom_words(a) + 4;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

void scf_fidx_acc_encode(const struct scf_fidx_acc *a, uint64_t offset, uint64_t csize,
			 uint32_t pcapng_len, uint32_t checksum, uint8_t *out)
{
	uint32_t npids = (a->flags & SCF_FIDX_F_PIDS_ALL) ? 0 : a->pids.n;
	uint32_t words = bloom_words(a), m;
	size_t total = scf_fidx_acc_size(a), off = FIDX_FIXED + scf_fidx_fds_size(&a->fds);
	uint8_t *p;

	memset(out, 0, total);
	memcpy(out, "SCIX", 4);
	scf_put16(out + 4, FIDX_VERSION);
	scf_put16(out + 6, (uint16_t)off);
	put64(out + 8, offset);
	put64(out + 16, csize);
	scf_put32(out + 24, pcapng_len);
	scf_put32(out + 28, a->records);
	put64(out + 32, a->ts_min);
	put64(out + 40, a->ts_max);
	scf_put32(out + 48, a->types);
	scf_put32(out + 52, a->flags);
	scf_put32(out + 56, checksum);
	scf_put32(out + 60, npids);
	scf_put32(out + 64, a->parents.n);
	scf_put32(out + 68, words);
	scf_put32(out + 72, FIDX_BLOOM_K);
	scf_fidx_fds_encode(&a->fds, out + FIDX_FIXED);
	/* pids, sorted in place in the payload */
	p = out + off;
	for (uint32_t i = 0, k = 0; npids && i < a->pids.cap; i++)
		if (a->pids.slot[i])
			scf_put32(p + 4 * k++, (uint32_t)(a->pids.slot[i] - 1));
	if (npids) {
		uint32_t tmp[FIDX_PIDS_MAX];

		memcpy(tmp, p, npids * sizeof(*tmp));
		qsort(tmp, npids, sizeof(*tmp), cmp_u32);
		memcpy(p, tmp, npids * sizeof(*tmp));
	}
	off += 4 * (size_t)npids;
	p = out + off;
	for (uint32_t i = 0, k = 0; i < a->parents.cap; i++) {
		uint64_t v = a->parents.slot[i];

		if (!v)
			continue;
		scf_put32(p + 8 * k, (uint32_t)(v >> 32) & 0x7fffffffu);
		scf_put32(p + 8 * k + 4, (uint32_t)v);
		k++;
	}
	off += 8 * (size_t)a->parents.n;
	m = words * 64;
	for (uint32_t i = 0; words && i < a->traces.cap; i++) {
		uint64_t h = a->traces.slot[i], h2;

		if (!h)
			continue;
		h2 = (h >> 32 | h << 32) | 1;
		for (uint32_t j = 0; j < FIDX_BLOOM_K; j++) {
			uint32_t bit = (uint32_t)((h + j * h2) & (m - 1));
			uint8_t *w = out + off + 8 * (bit / 64);

			put64(w, get64(w) | 1ull << (bit % 64));
		}
	}
	off += 8 * (size_t)words;
	scf_put32(out + off, fnv1a(out, off));
}

void scf_fidx_patch(uint8_t *payload, size_t len, uint64_t offset, uint64_t csize,
		    uint32_t checksum)
{
	put64(payload + 8, offset);
	put64(payload + 16, csize);
	scf_put32(payload + 56, checksum);
	scf_put32(payload + len - 4, fnv1a(payload, len - 4));
}

/* ---- decoding ---- */

void scf_fidx_entry_release(struct scf_fidx_entry *e)
{
	if (!e)
		return;
	free(e->pids);
	free(e->parents);
	free(e->bloom);
	free(e->fds);
	e->pids = e->parents = NULL;
	e->bloom = NULL;
	e->fds = NULL;
}

/* The descriptor part (since 1.4) of a payload p whose fixed part is fixed bytes long: absent
 * when the fixed part ends before it. */
static int parse_fds(const uint8_t *p, uint16_t fixed, struct scf_fidx_entry *e, char *err,
		     size_t errlen)
{
	uint32_t n, fl;

	e->fds_state = SCF_FIDX_FDS_ABSENT;
	if (fixed < FIDX_FIXED + SCF_FIDX_FDS_HEAD)
		return 0;
	n = scf_get32(p + FIDX_FIXED);
	fl = scf_get32(p + FIDX_FIXED + 4);
	if ((uint64_t)FIDX_FIXED + SCF_FIDX_FDS_HEAD + (uint64_t)SCF_FIDX_FD_ENTRY * n > fixed ||
	    ((fl & FIDX_FDS_FLAG_ALL) && n)) {
		scf_errf(err, errlen, "index payload: %" PRIu32 " descriptors (flags 0x%" PRIx32
			 ") at offset %u do not fit its fixed part of %u bytes", n, fl, FIDX_FIXED,
			 fixed);
		scf_fidx_entry_release(e);
		return -EBADMSG;
	}
	e->fds = malloc(sizeof(*e->fds) * ((size_t)n + 1));
	if (!e->fds) {
		scf_fidx_entry_release(e);
		scf_errf(err, errlen, "out of memory for an index payload's %" PRIu32 " descriptors",
			 n);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *q = p + FIDX_FIXED + SCF_FIDX_FDS_HEAD + SCF_FIDX_FD_ENTRY * (size_t)i;
		struct scf_fidx_fd *d = &e->fds[i];

		d->pid = scf_get32(q);
		d->fd = scf_get32(q + 4);
		d->bits = scf_get32(q + 8);
		if (i && (d->pid < d[-1].pid || (d->pid == d[-1].pid && d->fd <= d[-1].fd))) {
			scf_errf(err, errlen, "index payload: descriptors not ascending at offset %zu",
				 (size_t)(q - p));
			scf_fidx_entry_release(e);
			return -EBADMSG;
		}
	}
	e->nfds = n;
	e->fds_state = (fl & FIDX_FDS_FLAG_ALL) ? SCF_FIDX_FDS_ALL : SCF_FIDX_FDS_LISTED;
	return 0;
}

const struct scf_fidx_fd *scf_fidx_entry_fd(const struct scf_fidx_entry *e, uint32_t pid,
					    uint32_t fd)
{
	uint32_t lo = 0, hi = e->nfds;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct scf_fidx_fd *d = &e->fds[mid];

		if (d->pid == pid && d->fd == fd)
			return d;
		if (d->pid < pid || (d->pid == pid && d->fd < fd))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int scf_fidx_parse(const uint8_t *p, size_t len, struct scf_fidx_entry *e, char *err,
		   size_t errlen)
{
	const uint8_t *base = p;
	uint64_t need;
	uint16_t fixed;

	memset(e, 0, sizeof(*e));
	if (len < FIDX_FIXED + 4 || memcmp(p, "SCIX", 4)) {
		scf_errf(err, errlen, "index payload of %zu bytes: %s", len,
			 len < FIDX_FIXED + 4 ? "shorter than its fixed part" : "no SCIX magic at offset 0");
		return -EBADMSG;
	}
	fixed = scf_get16(p + 6);
	if (scf_get16(p + 4) != FIDX_VERSION || fixed < FIDX_FIXED) {
		scf_errf(err, errlen, "index payload version %u (fixed part %u bytes) at offset 4: "
			 "this reader knows version %u with %u", scf_get16(p + 4), fixed,
			 FIDX_VERSION, FIDX_FIXED);
		return -EBADMSG;
	}
	e->offset = get64(p + 8);
	e->csize = get64(p + 16);
	e->pcapng_len = scf_get32(p + 24);
	e->records = scf_get32(p + 28);
	e->ts_min = get64(p + 32);
	e->ts_max = get64(p + 40);
	e->types = scf_get32(p + 48);
	e->flags = scf_get32(p + 52);
	e->checksum = scf_get32(p + 56);
	e->npids = scf_get32(p + 60);
	e->nparents = scf_get32(p + 64);
	e->bloom_words = scf_get32(p + 68);
	e->bloom_k = scf_get32(p + 72);
	if (e->npids > FIDX_PIDS_LIMIT || e->nparents > FIDX_PARENTS_LIMIT ||
	    e->bloom_words > FIDX_WORDS_LIMIT || (e->bloom_words & (e->bloom_words - 1)) ||
	    (e->bloom_words && (e->bloom_k < 1 || e->bloom_k > 16))) {
		scf_errf(err, errlen, "index payload counts out of range at offset 60: %" PRIu32
			 " pids, %" PRIu32 " parents, %" PRIu32 " filter words, k %" PRIu32,
			 e->npids, e->nparents, e->bloom_words, e->bloom_k);
		return -EBADMSG;
	}
	need = (uint64_t)fixed + 4ull * e->npids + 8ull * e->nparents + 8ull * e->bloom_words + 4;
	if (need != len) {
		scf_errf(err, errlen, "index payload of %zu bytes, its counts at offset 60 make %" PRIu64,
			 len, need);
		return -EBADMSG;
	}
	if (fnv1a(p, len - 4) != scf_get32(p + len - 4)) {
		scf_errf(err, errlen, "index payload checksum at offset %zu does not match", len - 4);
		return -EBADMSG;
	}
	if (e->ts_min > e->ts_max || e->csize < 8 || e->offset > UINT64_MAX - e->csize) {
		scf_errf(err, errlen, "index payload at offset 8: frame %" PRIu64 " + %" PRIu64
			 ", times %" PRIu64 " > %" PRIu64, e->offset, e->csize, e->ts_min, e->ts_max);
		return -EBADMSG;
	}
	e->pids = malloc(4 * (size_t)e->npids + 4);
	e->parents = malloc(8 * (size_t)e->nparents + 8);
	e->bloom = malloc(8 * (size_t)e->bloom_words + 8);
	if (!e->pids || !e->parents || !e->bloom) {
		scf_fidx_entry_release(e);
		scf_errf(err, errlen, "out of memory for an index payload of %zu bytes", len);
		return -ENOMEM;
	}
	p += fixed;
	for (uint32_t i = 0; i < e->npids; i++) {
		e->pids[i] = scf_get32(p + 4 * (size_t)i);
		if (i && e->pids[i] <= e->pids[i - 1]) {
			scf_errf(err, errlen, "index payload: pids not ascending at offset %zu",
				 (size_t)fixed + 4 * (size_t)i);
			scf_fidx_entry_release(e);
			return -EBADMSG;
		}
	}
	p += 4 * (size_t)e->npids;
	for (uint32_t i = 0; i < 2 * e->nparents; i++)
		e->parents[i] = scf_get32(p + 4 * (size_t)i);
	p += 8 * (size_t)e->nparents;
	for (uint32_t i = 0; i < e->bloom_words; i++)
		e->bloom[i] = get64(p + 8 * (size_t)i);
	return parse_fds(base, fixed, e, err, errlen);
}

bool scf_fidx_entry_has_pid(const struct scf_fidx_entry *e, uint32_t pid)
{
	uint32_t lo = 0, hi = e->npids;

	if (e->flags & SCF_FIDX_F_PIDS_ALL)
		return true;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e->pids[mid] == pid)
			return true;
		if (e->pids[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool scf_fidx_entry_may_hold_trace(const struct scf_fidx_entry *e, const uint8_t id8[8],
				   uint32_t pid)
{
	uint64_t h = trace_key(id8, pid), h2 = (h >> 32 | h << 32) | 1, m;

	if (e->flags & SCF_FIDX_F_TRACES_ALL)
		return true;
	if (!e->bloom_words)
		return false;
	if (pid == SCF_FIDX_ANY_PID) { /* keys are per process: any of the frame's */
		if (e->flags & SCF_FIDX_F_PIDS_ALL)
			return true;
		for (uint32_t i = 0; i < e->npids; i++)
			if (scf_fidx_entry_may_hold_trace(e, id8, e->pids[i]))
				return true;
		return false;
	}
	m = (uint64_t)e->bloom_words * 64;
	for (uint32_t j = 0; j < e->bloom_k; j++) {
		uint64_t bit = (h + j * h2) & (m - 1);

		if (!(e->bloom[bit / 64] >> (bit % 64) & 1))
			return false;
	}
	return true;
}
