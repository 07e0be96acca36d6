// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_rows.c - the rows of the list reports: choosing and ordering them, and the frame they
 * are printed in (one JSON array in a document, or one aligned table).
 */
#include <pthread.h>
#include <stdlib.h>

#include "report.h"

int ana_proc_order(const struct ana_proc *a, const struct ana_proc *b)
{
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int ana_span_order(const struct ana_span *a, const struct ana_span *b)
{
	uint64_t sa = ana_span_start(a), sb = ana_span_start(b);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int ana_proc_cmp(const void *a, const void *b)
{
	return ana_proc_order(*(void *const *)a, *(void *const *)b);
}

int ana_span_cmp(const void *a, const void *b)
{
	return ana_span_order(*(void *const *)a, *(void *const *)b);
}

void **ana_rows_alloc(struct ana_report *r, uint32_t n)
{
	void **v = calloc((size_t)n + 1, sizeof(*v));

	if (!v)
		snprintf(r->err, sizeof(r->err), "out of memory");
	return v;
}

void **ana_rows_select(struct ana_report *r, const struct ana_vec *from,
		       bool (*keep)(const struct ana_ctx *c, const void *item),
		       int (*cmp)(const void *, const void *), uint32_t *n)
{
	void **v = ana_rows_alloc(r, from->n);

	*n = 0;
	if (!v)
		return NULL;
	for (uint32_t i = 0; i < from->n; i++)
		if (!keep || keep(r->c, from->v[i]))
			v[(*n)++] = from->v[i];
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

void ana_listing_begin(struct ana_listing *l, struct ana_report *r, const char *command)
{
	l->r = r;
	if (r->json) {
		ana_json_init(&l->j, r->out);
		ana_json_head(&l->j, r, command);
	}
}

void ana_listing_rows(struct ana_listing *l, const char *key, unsigned int ncols,
		      const char *const *heads, const char *align)
{
	if (l->r->json)
		ana_json_arr(&l->j, key);
	else
		ana_table_init(&l->t, ncols, heads, align);
}

/* Fewer rows than this a thread does not take: starting it would cost more than it saves. */
#define ROWS_PER_THREAD_MIN 1024u

struct rows_part {
	struct ana_listing *l; /* the caller's (the first range), or own */
	struct ana_listing own;
	void *const *v;
	uint32_t n;
	void (*row)(struct ana_listing *l, void *item);
	pthread_t th;
	bool started;
};

static void *rows_part_run(void *arg)
{
	struct rows_part *p = arg;

	for (uint32_t i = 0; i < p->n; i++)
		p->row(p->l, p->v[i]);
	return NULL;
}

void ana_listing_each(struct ana_listing *l, void *const *v, uint32_t n,
		      void (*row)(struct ana_listing *l, void *item))
{
	struct ana_ctx *c = l->r->c;
	uint32_t k = l->r->json ? 1 : c->o.threads, per;
	struct rows_part *parts;

	if (k > n / ROWS_PER_THREAD_MIN)
		k = n / ROWS_PER_THREAD_MIN;
	parts = k >= 2 ? calloc(k, sizeof(*parts)) : NULL;
	if (!parts) {
		for (uint32_t i = 0; i < n; i++)
			row(l, v[i]);
		return;
	}
	/* what a row reads and the first reader would write: a host's name@BOOT */
	for (uint32_t h = 0; h < c->hosts.n; h++)
		ana_host_name(c, h);
	per = n / k;
	for (uint32_t i = 0; i < k; i++) {
		struct rows_part *p = &parts[i];

		p->l = i ? &p->own : l;
		p->own.r = l->r;
		ana_table_init(&p->own.t, l->t.ncols, l->t.heads, l->t.align);
		p->v = v + (size_t)i * per;
		p->n = i + 1 < k ? per : n - i * per;
		p->row = row;
		if (i)
			p->started = !pthread_create(&p->th, NULL, rows_part_run, p);
	}
	rows_part_run(&parts[0]);
	for (uint32_t i = 0; i < k; i++) {
		struct rows_part *p = &parts[i];

		if (!i)
			continue;
		if (p->started)
			pthread_join(p->th, NULL);
		else
			rows_part_run(p); /* no thread: this one formats them */
		ana_table_append(&l->t, &p->own.t);
	}
	free(parts);
}

void ana_listing_end(struct ana_listing *l)
{
	if (l->r->json) {
		ana_json_end(&l->j, false);
		ana_json_end(&l->j, true);
		ana_json_finish(&l->j);
	} else {
		ana_table_print(&l->t, l->r->out, 0);
		ana_table_free(&l->t);
	}
}
