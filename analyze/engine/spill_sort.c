// SPDX-License-Identifier: BSD-2-Clause
/*
 * spill_sort.c - external sort: records in an arena until the budget, then sorted runs in an
 * unnamed temporary file, merged back through one read buffer per run and a heap.
 *
 * A record, in memory and in a run: u32 klen, u32 vlen, u64 order (little-endian), the key,
 * the value (padded to 8 bytes in memory only). order numbers the records as added, so equal
 * keys keep that order through the runs and the merge.
 *
 * In memory, records are kept by batches: an arena and an index of entries, each the record's
 * offset and the first 8 bytes of its key as a big-endian number, so that most comparisons of
 * the sort are of two integers. With a thread (ana_sorter__use_thread), two batches share the
 * budget: when the one being filled is full it goes to the thread, which sorts and writes it
 * as a run, while the adding goes on in the other; a full batch waits for the thread first.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill_sort.h"

#define HDR 16u
#define WBUF_SIZE (64u << 10)
#define RBUF_MIN 4096u
#define RBUF_MAX (1u << 20)
/* Runs merged at once: more are merged FANIN at a time into new runs first (a read buffer each);
 * twice as many with a thread, whose runs are half as long */
#define FANIN 64u
#define ERR_MAX 4600u
/* The least batch handed to the thread, whatever the budget: below, the hand-overs would cost
 * more than the sorting and writing they move (a budget of a few bytes, in tests) */
#define THREAD_BATCH_MIN 4096u
/* Entries sorted by insertion below this */
#define ISORT_MAX 16u

struct run {
	uint64_t end;	 /* file offset past its last record */
	uint64_t pos;	 /* file offset of its next record */
	uint8_t *buf;	 /* bytes of the file from boff */
	size_t cap, len; /* buffer size, bytes held */
	uint64_t boff;
	/* the record at pos, once read */
	const uint8_t *key, *val;
	uint32_t klen, vlen;
	uint64_t order;
	uint64_t pfx; /* key_prefix() of key */
	uint32_t idx;
};

/* A record in memory: its offset in its batch's arena and the first 8 bytes of its key
 * (zero-padded) as a big-endian number: a smaller prefix is a smaller key. */
struct ent {
	uint64_t pfx;
	uint64_t off;
};

/* Records in memory: each takes its bytes in the arena and one entry. */
struct batch {
	uint8_t *arena;
	size_t used, acap;
	struct ent *idx;
	size_t nidx, idxcap;
};

/* Merged records, as in a run, on their way from the thread to ana_sorter__next; ret: the
 * error the merge stopped at after them, end: the merge ended after them. */
struct oblock {
	uint8_t *buf;
	size_t cap, len;
	int ret;
	bool end, ready;
};

struct ana_sorter {
	size_t budget; /* of the records in memory, both batches when there is a thread */
	char dir[4096];
	char name[4400]; /* for messages */
	int fd;		 /* -1 until the first run */
	uint64_t fend;
	struct batch fill; /* the records being added */
	uint64_t added;
	bool finished;
	/* the thread: while busy it owns work, fend, the runs and the file's writes; a batch
	 * goes to it under mu, and it says so when done (busy false, cv) */
	bool use_thread, thread_up;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch work;
	bool busy, quit, held;
	int thread_ret; /* its first error (then it writes no more), with thread_err */
	char thread_err[ERR_MAX];
	/* reading ahead (with the thread, past the first run): the thread merges into one block
	 * while the caller reads the other; ready: filled, the caller's until it moves on */
	bool reader_up, cur_held;
	struct run *carry; /* popped, for the next block */
	pthread_t reader;
	struct oblock out[2];
	uint32_t cur; /* the block next reads from, at rpos */
	size_t rpos;
	/* runs in the file */
	struct run *runs;
	uint32_t nruns, runs_cap;
	/* reading: from memory (next_mem) or merging the runs (heap of run indexes) */
	size_t next_mem;
	uint32_t first_run; /* runs before it were merged into later ones */
	uint32_t *heap, nheap;
	struct run *popped; /* the run whose record was handed out last, advanced on next */
	int failed;	    /* the error the merge stopped at: next returns it again */
	char err[ERR_MAX];
};

static void errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err: s->err, or s->thread_err on the thread */
static void errf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_MAX, fmt, ap);
	va_end(ap);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int key_cmp(const uint8_t *a, uint32_t alen, uint64_t aord, const uint8_t *b,
		   uint32_t blen, uint64_t bord)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return aord < bord ? -1 : aord > bord;
}

struct ana_sorter *ana_sorter__new(size_t budget, const char *dir)
{
	struct ana_sorter *s = calloc(1, sizeof(*s));
	const char *d = dir ? dir : getenv("TMPDIR");

	if (!s)
		return NULL;
	if (!d || !*d)
		d = "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s", d);
	snprintf(s->name, sizeof(s->name), "%s/(unnamed temporary file)", s->dir);
	s->budget = budget;
	s->fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	return s;
}

static int open_file(struct ana_sorter *s)
{
	char path[4200];

	s->fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd >= 0)
		return 0;
	/* a file system without O_TMPFILE: a named file, unlinked at once */
	snprintf(path, sizeof(path), "%s/spancap-analyze-spill-XXXXXX", s->dir);
	s->fd = mkostemp(path, O_CLOEXEC);
	if (s->fd < 0) {
		int e = errno;

		errf(s->err, "cannot make a spill file in %s: %s (TMPDIR names another directory)",
		     s->dir, strerror(e));
		return -e;
	}
	unlink(path);
	snprintf(s->name, sizeof(s->name), "%s (deleted)", path);
	return 0;
}

/* Writes n bytes at the end of the file. err: s->err, or s->thread_err on the thread. */
static int write_at(struct ana_sorter *s, char *err, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = pwrite(s->fd, p, n, (off_t)s->fend);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			errf(err, "spill file %s: write at byte %llu: %s", s->name,
			     (unsigned long long)s->fend, strerror(e));
			return -e;
		}
		p += w;
		n -= (size_t)w;
		s->fend += (uint64_t)w;
	}
	return 0;
}

static uint64_t key_prefix(const uint8_t *k, uint32_t klen)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < 8; i++)
		v = v << 8 | (i < klen ? k[i] : 0);
	return v;
}

/* key_cmp's order: the prefixes decide unless equal (bytes past a short key are zeros there,
 * and a key that is a prefix of another sorts first in both) */
static int ent_cmp(const uint8_t *arena, const struct ent *a, const struct ent *b)
{
	const uint8_t *x, *y;

	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	x = arena + a->off;
	y = arena + b->off;
	return key_cmp(x + HDR, get_u32(x), get_u64(x + 8), y + HDR, get_u32(y), get_u64(y + 8));
}

static void ent_swap(struct ent *a, struct ent *b)
{
	struct ent t = *a;

	*a = *b;
	*b = t;
}

static void ent_sift(const uint8_t *arena, struct ent *v, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && ent_cmp(arena, &v[l], &v[m]) > 0)
			m = l;
		if (l + 1 < n && ent_cmp(arena, &v[l + 1], &v[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		ent_swap(&v[i], &v[m]);
		i = m;
	}
}

/*
 * Sorts entries in place: quicksort (median of three, Hoare's partition) down to ISORT_MAX
 * entries, then insertion; heapsort past depth levels. No two entries compare equal (the order
 * numbers differ), so an unstable sort gives the one order.
 */
static void ent_sort(const uint8_t *arena, struct ent *v, size_t n, unsigned int depth)
{
	while (n > ISORT_MAX) {
		size_t m = (n - 1) / 2, i = (size_t)-1, j = n;
		struct ent p;

		if (!depth--) {
			for (size_t k = n / 2; k-- > 0;)
				ent_sift(arena, v, n, k);
			for (size_t k = n; k-- > 1;) {
				ent_swap(&v[0], &v[k]);
				ent_sift(arena, v, k, 0);
			}
			return;
		}
		if (ent_cmp(arena, &v[m], &v[0]) < 0)
			ent_swap(&v[m], &v[0]);
		if (ent_cmp(arena, &v[n - 1], &v[0]) < 0)
			ent_swap(&v[n - 1], &v[0]);
		if (ent_cmp(arena, &v[n - 1], &v[m]) < 0)
			ent_swap(&v[n - 1], &v[m]);
		p = v[m];
		/* [0, j] holds no entry past p, (j, n) none before it; both non-empty */
		for (;;) {
			do
				i++;
			while (ent_cmp(arena, &v[i], &p) < 0);
			do
				j--;
			while (ent_cmp(arena, &p, &v[j]) < 0);
			if (i >= j)
				break;
			ent_swap(&v[i], &v[j]);
		}
		if (j + 1 < n - j - 1) {
			ent_sort(arena, v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		} else {
			ent_sort(arena, v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct ent e = v[i];
		size_t k = i;

		for (; k && ent_cmp(arena, &e, &v[k - 1]) < 0; k--)
			v[k] = v[k - 1];
		v[k] = e;
	}
}

static void batch_sort(struct batch *b)
{
	unsigned int depth = 0;

	for (size_t n = b->nidx; n; n >>= 1)
		depth += 2;
	ent_sort(b->arena, b->idx, b->nidx, depth);
}

static void batch_free(struct batch *b)
{
	free(b->arena);
	free(b->idx);
	memset(b, 0, sizeof(*b));
}

static size_t rec_span(uint32_t klen, uint32_t vlen)
{
	return (HDR + (size_t)klen + vlen + 7) & ~(size_t)7;
}

static int add_run(struct ana_sorter *s, char *err, uint64_t start, uint64_t end)
{
	if (s->nruns == s->runs_cap) {
		uint32_t ncap = s->runs_cap ? s->runs_cap * 2 : 16;
		struct run *nv = realloc(s->runs, ncap * sizeof(*nv));

		if (!nv) {
			errf(err, "out of memory");
			return -ENOMEM;
		}
		s->runs = nv;
		s->runs_cap = ncap;
	}
	memset(&s->runs[s->nruns], 0, sizeof(*s->runs));
	s->runs[s->nruns].pos = start;
	s->runs[s->nruns].end = end;
	s->runs[s->nruns].idx = s->nruns;
	s->nruns++;
	return 0;
}

/* Sorts b and writes it as one run (the file is open), then empties it (its memory stays).
 * err: s->err, or s->thread_err on the thread. */
static int write_run(struct ana_sorter *s, struct batch *b, char *err)
{
	uint8_t *w;
	size_t wl = 0;
	uint64_t start;
	int ret = 0;

	if (!b->nidx)
		return 0;
	batch_sort(b);
	w = malloc(WBUF_SIZE);
	if (!w) {
		errf(err, "out of memory");
		return -ENOMEM;
	}
	start = s->fend;
	for (size_t i = 0; i < b->nidx && !ret; i++) {
		const uint8_t *r = b->arena + b->idx[i].off;
		size_t n = HDR + (size_t)get_u32(r) + get_u32(r + 4);

		if (wl && n > WBUF_SIZE - wl) {
			ret = write_at(s, err, w, wl);
			wl = 0;
		}
		if (ret)
			break;
		if (n > WBUF_SIZE) {
			ret = write_at(s, err, r, n);
			continue;
		}
		memcpy(w + wl, r, n);
		wl += n;
	}
	if (!ret && wl)
		ret = write_at(s, err, w, wl);
	free(w);
	if (ret)
		return ret;
	b->nidx = 0;
	b->used = 0;
	return add_run(s, err, start, s->fend);
}

static void *thread_main(void *arg)
{
	struct ana_sorter *s = arg;
	int ret;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while ((!s->busy || s->held) && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->busy)
			break;
		pthread_mutex_unlock(&s->mu);
		ret = s->thread_ret ? 0 : write_run(s, &s->work, s->thread_err);
		pthread_mutex_lock(&s->mu);
		if (ret)
			s->thread_ret = ret;
		s->busy = false;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Waits until the thread has written the batch it holds: 0, or its error (into s->err). */
static int thread_wait(struct ana_sorter *s)
{
	int ret;

	if (!s->thread_up)
		return 0;
	pthread_mutex_lock(&s->mu);
	while (s->busy)
		pthread_cond_wait(&s->cv, &s->mu);
	ret = s->thread_ret;
	pthread_mutex_unlock(&s->mu);
	if (ret)
		snprintf(s->err, sizeof(s->err), "%s", s->thread_err);
	return ret;
}

static void thread_stop(struct ana_sorter *s)
{
	if (!s->thread_up)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = true;
	s->held = false;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->thread_up = false;
}

/* The batch being filled is full: written as a run here, or handed to the thread once it has
 * written the one before (the two batches swap). */
static int spill_batch(struct ana_sorter *s)
{
	struct batch t;
	int ret;

	if (s->fd < 0 && (ret = open_file(s)))
		return ret;
	if (s->use_thread && !s->thread_up) {
		/* without a thread (none could be made) the batches are written here */
		if (pthread_create(&s->thread, NULL, thread_main, s))
			s->use_thread = false;
		else
			s->thread_up = true;
	}
	if (!s->thread_up)
		return write_run(s, &s->fill, s->err);
	ret = thread_wait(s);
	if (ret)
		return ret;
	t = s->work;
	s->work = s->fill;
	s->fill = t;
	pthread_mutex_lock(&s->mu);
	s->busy = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void ana_sorter__use_thread(struct ana_sorter *s)
{
	if (!s->added && !s->finished)
		s->use_thread = true;
}

void ana_sorter__hold_thread(struct ana_sorter *s, bool hold)
{
	if (!s->use_thread)
		return;
	pthread_mutex_lock(&s->mu);
	s->held = hold;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int ana_sorter__add(struct ana_sorter *s, const void *key, uint32_t klen, const void *val,
		    uint32_t vlen)
{
	struct batch *b = &s->fill;
	/* with the thread, the other batch may be as full as this one; a batch worth a hand-over */
	size_t n, limit = s->use_thread ? s->budget / 2 : s->budget;
	uint8_t *r;
	int ret;

	if (s->finished)
		return -EINVAL;
	if (s->use_thread && limit < THREAD_BATCH_MIN)
		limit = THREAD_BATCH_MIN;
	if ((uint64_t)klen + vlen > ANA_SORTER_REC_MAX) {
		errf(s->err, "a spilled record of %llu bytes is past the limit of %u",
		     (unsigned long long)klen + vlen, ANA_SORTER_REC_MAX);
		return -E2BIG;
	}
	n = rec_span(klen, vlen);
	if (b->nidx && b->used + n + (b->nidx + 1) * sizeof(*b->idx) > limit &&
	    (ret = spill_batch(s)))
		return ret;
	if (b->used + n > b->acap) {
		size_t ncap = b->acap ? b->acap : 4096;
		uint8_t *nv;

		while (ncap < b->used + n)
			ncap *= 2;
		nv = realloc(b->arena, ncap);
		if (!nv)
			goto nomem;
		b->arena = nv;
		b->acap = ncap;
	}
	if (b->nidx == b->idxcap) {
		size_t ncap = b->idxcap ? b->idxcap * 2 : 256;
		struct ent *nv = realloc(b->idx, ncap * sizeof(*nv));

		if (!nv)
			goto nomem;
		b->idx = nv;
		b->idxcap = ncap;
	}
	r = b->arena + b->used;
	put_u32(r, klen);
	put_u32(r + 4, vlen);
	put_u64(r + 8, s->added++);
	if (klen)
		memcpy(r + HDR, key, klen);
	if (vlen)
		memcpy(r + HDR + klen, val, vlen);
	b->idx[b->nidx].pfx = key_prefix(r + HDR, klen);
	b->idx[b->nidx++].off = b->used;
	b->used += n;
	return 0;
nomem:
	errf(s->err, "out of memory");
	return -ENOMEM;
}

/* Makes the next record of r readable at r->key: 1, 0 at the run's end, -errno. */
static int run_load(struct ana_sorter *s, struct run *r)
{
	uint64_t left = r->end - r->pos, need;
	const uint8_t *h;

	if (!left)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		need = pass ? HDR + (uint64_t)r->klen + r->vlen : HDR;
		if (need > left) {
			errf(s->err, "spill file %s: run %u: record at byte %llu needs %llu bytes, the "
				"run has %llu left",
			     s->name, r->idx, (unsigned long long)r->pos, (unsigned long long)need,
			     (unsigned long long)left);
			return -EBADMSG;
		}
		if (r->pos < r->boff || r->pos + need > r->boff + r->len) {
			size_t want = r->cap, got = 0;

			if (need > want) {
				uint8_t *nb = realloc(r->buf, need);

				if (!nb) {
					errf(s->err, "out of memory");
					return -ENOMEM;
				}
				r->buf = nb;
				r->cap = want = need;
			}
			if (want > left)
				want = left;
			while (got < want) {
				ssize_t n = pread(s->fd, r->buf + got, want - got,
						  (off_t)(r->pos + got));

				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					int e = n < 0 ? errno : EIO;

					errf(s->err, "spill file %s: read at byte %llu: %s", s->name,
					     (unsigned long long)(r->pos + got),
					     n < 0 ? strerror(e) : "the file ends early");
					return -e;
				}
				got += (size_t)n;
			}
			r->boff = r->pos;
			r->len = got;
		}
		h = r->buf + (r->pos - r->boff);
		if (!pass) {
			r->klen = get_u32(h);
			r->vlen = get_u32(h + 4);
			r->order = get_u64(h + 8);
			if ((uint64_t)r->klen + r->vlen > ANA_SORTER_REC_MAX) {
				errf(s->err, "spill file %s: run %u: record at byte %llu of %llu bytes, "
					"past the limit of %u",
				     s->name, r->idx, (unsigned long long)r->pos,
				     (unsigned long long)r->klen + r->vlen, ANA_SORTER_REC_MAX);
				return -EBADMSG;
			}
		} else {
			r->key = h + HDR;
			r->val = h + HDR + r->klen;
			r->pfx = key_prefix(r->key, r->klen);
		}
	}
	return 1;
}

static bool run_less(const struct run *a, const struct run *b)
{
	if (a->pfx != b->pfx)
		return a->pfx < b->pfx;
	return key_cmp(a->key, a->klen, a->order, b->key, b->klen, b->order) < 0;
}

static void heap_down(struct ana_sorter *s, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i, t;

		if (l < s->nheap && run_less(&s->runs[s->heap[l]], &s->runs[s->heap[m]]))
			m = l;
		if (l + 1 < s->nheap && run_less(&s->runs[s->heap[l + 1]], &s->runs[s->heap[m]]))
			m = l + 1;
		if (m == i)
			return;
		t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

/* Loads the first record of runs [first, first + n) into the heap, each with a buffer. */
static int heap_fill(struct ana_sorter *s, uint32_t first, uint32_t n, size_t bufsz)
{
	int ret;

	s->nheap = 0;
	for (uint32_t i = first; i < first + n; i++) {
		struct run *r = &s->runs[i];

		r->buf = malloc(bufsz);
		if (!r->buf) {
			errf(s->err, "out of memory");
			return -ENOMEM;
		}
		r->cap = bufsz;
		r->len = 0;
		r->boff = r->pos;
		ret = run_load(s, r);
		if (ret < 0)
			return ret;
		if (ret)
			s->heap[s->nheap++] = i;
		else {
			free(r->buf);
			r->buf = NULL;
		}
	}
	for (uint32_t i = s->nheap / 2; i-- > 0;)
		heap_down(s, i);
	return 0;
}

/* Hands the heap's least record over (its run advanced past it on the next call): 1, 0 at the
 * end, -errno. */
static int heap_pop(struct ana_sorter *s, struct run **out)
{
	struct run *r;
	int ret;

	if (s->popped) {
		r = s->popped;
		s->popped = NULL;
		r->pos += HDR + (uint64_t)r->klen + r->vlen;
		ret = run_load(s, r);
		if (ret < 0)
			return ret;
		if (!ret) {
			s->heap[0] = s->heap[--s->nheap];
			free(r->buf);
			r->buf = NULL;
		}
		heap_down(s, 0);
	}
	if (!s->nheap)
		return 0;
	*out = s->popped = &s->runs[s->heap[0]];
	return 1;
}

/* Merges runs [first, first + n) into one new run at the end of the file. */
static int merge_pass(struct ana_sorter *s, uint32_t first, uint32_t n, size_t bufsz)
{
	uint8_t *w = malloc(WBUF_SIZE);
	uint64_t start = s->fend;
	size_t wl = 0;
	struct run *r;
	int ret;

	if (!w) {
		errf(s->err, "out of memory");
		return -ENOMEM;
	}
	ret = heap_fill(s, first, n, bufsz);
	while (!ret && (ret = heap_pop(s, &r)) == 1) {
		size_t len = HDR + (size_t)r->klen + r->vlen;

		ret = 0;
		if (wl && len > WBUF_SIZE - wl) {
			ret = write_at(s, s->err, w, wl);
			wl = 0;
		}
		if (ret)
			break;
		if (len > WBUF_SIZE) {
			/* the record is whole in its run's buffer, header included */
			ret = write_at(s, s->err, r->key - HDR, len);
			continue;
		}
		memcpy(w + wl, r->key - HDR, len);
		wl += len;
	}
	if (!ret && wl)
		ret = write_at(s, s->err, w, wl);
	free(w);
	for (uint32_t i = first; i < first + n; i++) {
		free(s->runs[i].buf);
		s->runs[i].buf = NULL;
	}
	s->popped = NULL;
	return ret ? ret : add_run(s, s->err, start, s->fend);
}

/* A read-ahead block: a sixteenth of the budget, within [RBUF_MIN, 256 KiB] (a record past it
 * gets a block of its size) */
static size_t oblock_size(const struct ana_sorter *s)
{
	size_t n = s->budget / 16;

	return n < RBUF_MIN ? RBUF_MIN : n > (256u << 10) ? (256u << 10) : n;
}

static int start_merge(struct ana_sorter *s)
{
	uint32_t fanin = s->use_thread ? 2 * FANIN : FANIN;
	size_t blocks = s->use_thread ? 2 * oblock_size(s) : 0;
	size_t bufsz = s->budget > blocks ? (s->budget - blocks) / (fanin + 1) : 0;
	int ret;

	if (bufsz < RBUF_MIN)
		bufsz = RBUF_MIN;
	if (bufsz > RBUF_MAX)
		bufsz = RBUF_MAX;
	s->heap = calloc(fanin, sizeof(*s->heap));
	if (!s->heap) {
		errf(s->err, "out of memory");
		return -ENOMEM;
	}
	while (s->nruns - s->first_run > fanin) {
		ret = merge_pass(s, s->first_run, fanin, bufsz);
		if (ret)
			return ret;
		s->first_run += fanin;
	}
	return heap_fill(s, s->first_run, s->nruns - s->first_run, bufsz);
}

/* Fills b with merged records; b->ret and b->end say how the merge stands after them. A
 * record that does not fit is carried to the next block. */
static void oblock_fill(struct ana_sorter *s, struct oblock *b)
{
	struct run *r = s->carry;
	int ret = 1;

	s->carry = NULL;
	b->len = 0;
	for (;;) {
		size_t len;

		if (!r && (ret = heap_pop(s, &r)) != 1)
			break;
		len = HDR + (size_t)r->klen + r->vlen;
		if (len > b->cap - b->len) {
			uint8_t *nb;

			if (b->len) { /* the record opens the next block */
				s->carry = r;
				b->ret = 0;
				b->end = false;
				return;
			}
			nb = realloc(b->buf, len);
			if (!nb) {
				errf(s->err, "out of memory");
				ret = -ENOMEM;
				break;
			}
			b->buf = nb;
			b->cap = len;
		}
		memcpy(b->buf + b->len, r->key - HDR, len); /* whole in its run's buffer */
		b->len += len;
		r = NULL;
	}
	b->ret = ret < 0 ? ret : 0;
	b->end = !ret;
}

static void *reader_main(void *arg)
{
	struct ana_sorter *s = arg;

	for (uint32_t i = 0;; i ^= 1) {
		struct oblock *b = &s->out[i];
		bool quit, done;

		pthread_mutex_lock(&s->mu);
		while (b->ready && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		quit = s->quit;
		pthread_mutex_unlock(&s->mu);
		if (quit)
			break;
		oblock_fill(s, b);
		done = b->ret || b->end; /* b is the caller's once ready */
		pthread_mutex_lock(&s->mu);
		b->ready = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		if (done)
			break;
	}
	return NULL;
}

/* With the thread, the merge goes on on a thread that reads ahead; without one, next merges. */
static void start_reader(struct ana_sorter *s)
{
	if (!s->use_thread)
		return;
	for (int i = 0; i < 2; i++) {
		s->out[i].cap = oblock_size(s);
		s->out[i].buf = malloc(s->out[i].cap);
		if (!s->out[i].buf)
			return;
	}
	s->quit = false;
	s->reader_up = !pthread_create(&s->reader, NULL, reader_main, s);
}

static void reader_stop(struct ana_sorter *s)
{
	if (!s->reader_up)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->reader, NULL);
	s->reader_up = false;
}

/* The next record read ahead: 1, 0 at the end, -errno. */
static int next_ahead(struct ana_sorter *s, struct ana_sorted *out)
{
	struct oblock *b = &s->out[s->cur];
	const uint8_t *p;

	while (!s->cur_held || s->rpos == b->len) {
		if (s->cur_held) {
			if (b->end)
				return 0;
			if (b->ret)
				return s->failed = b->ret; /* s->err says why */
		}
		pthread_mutex_lock(&s->mu);
		if (s->cur_held) { /* the block goes back to the thread */
			b->ready = false;
			pthread_cond_broadcast(&s->cv);
			s->cur ^= 1;
			b = &s->out[s->cur];
		}
		while (!b->ready)
			pthread_cond_wait(&s->cv, &s->mu);
		pthread_mutex_unlock(&s->mu);
		s->cur_held = true;
		s->rpos = 0;
	}
	/* records the merge checked and copied whole */
	p = b->buf + s->rpos;
	out->klen = get_u32(p);
	out->vlen = get_u32(p + 4);
	out->key = p + HDR;
	out->val = p + HDR + out->klen;
	s->rpos += HDR + (size_t)out->klen + out->vlen;
	return 1;
}

int ana_sorter__finish(struct ana_sorter *s)
{
	int ret;

	if (s->finished)
		return -EINVAL;
	s->finished = true;
	/* the thread's last batch written (or its error), the thread ends: the merge is here */
	ret = thread_wait(s);
	thread_stop(s);
	if (ret)
		return ret;
	batch_free(&s->work);
	if (!s->nruns) {
		batch_sort(&s->fill);
		return 0;
	}
	ret = write_run(s, &s->fill, s->err);
	if (ret)
		return ret;
	batch_free(&s->fill);
	ret = start_merge(s);
	if (!ret)
		start_reader(s);
	return ret;
}

int ana_sorter__next(struct ana_sorter *s, struct ana_sorted *out)
{
	struct run *r;
	int ret;

	if (!s->finished)
		return -EINVAL;
	if (s->failed)
		return s->failed;
	if (!s->nruns) {
		const uint8_t *p;

		if (s->next_mem == s->fill.nidx)
			return 0;
		p = s->fill.arena + s->fill.idx[s->next_mem++].off;
		out->klen = get_u32(p);
		out->vlen = get_u32(p + 4);
		out->key = p + HDR;
		out->val = p + HDR + out->klen;
		return 1;
	}
	if (s->reader_up)
		return next_ahead(s, out);
	ret = heap_pop(s, &r);
	if (ret < 0)
		return s->failed = ret;
	if (!ret)
		return 0;
	out->key = r->key;
	out->klen = r->klen;
	out->val = r->val;
	out->vlen = r->vlen;
	return 1;
}

uint64_t ana_sorter__count(const struct ana_sorter *s)
{
	return s->added;
}

uint32_t ana_sorter__runs(struct ana_sorter *s)
{
	uint32_t n;

	if (!s->use_thread)
		return s->nruns;
	pthread_mutex_lock(&s->mu);
	n = s->nruns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const char *ana_sorter__error(const struct ana_sorter *s)
{
	return s->err[0] ? s->err : "no error";
}

struct ana_sorter *ana_sorter__from_run(const void *bytes, size_t len, size_t budget,
				       bool thread)
{
	struct ana_sorter *s = ana_sorter__new(budget, NULL);

	if (!s)
		return NULL;
	s->use_thread = thread;
	if (open_file(s) || write_at(s, s->err, bytes, len) || add_run(s, s->err, 0, s->fend)) {
		ana_sorter__free(s);
		errno = EIO;
		return NULL;
	}
	s->finished = true;
	s->failed = start_merge(s); /* a bad first record: next reports it */
	if (!s->failed)
		start_reader(s);
	return s;
}

void ana_sorter__free(struct ana_sorter *s)
{
	if (!s)
		return;
	thread_stop(s); /* after the batch it holds: the file is closed after its writes */
	reader_stop(s);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	if (s->fd >= 0)
		close(s->fd);
	for (uint32_t i = 0; i < s->nruns; i++)
		free(s->runs[i].buf);
	free(s->runs);
	free(s->heap);
	batch_free(&s->fill);
	batch_free(&s->work);
	free(s->out[0].buf);
	free(s->out[1].buf);
	free(s);
}
