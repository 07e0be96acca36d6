// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_rows.c - the rows of the list reports: choosing and ordering them, and the frame they
 * are printed in (one JSON array in a document, or one aligned table).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "spill_sort.h"

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
	memset(l, 0, sizeof(*l));
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

int ana_listing_sorted(struct ana_listing *l, size_t budget)
{
	l->rows = ana_sorter__new(budget ? budget : SIZE_MAX, NULL);
	if (!l->rows) {
		snprintf(l->r->err, sizeof(l->r->err), "out of memory");
		return 1;
	}
	/* more than one thread allowed: runs are sorted and written off the rows' thread */
	if (l->r->c && l->r->c->o.threads >= 2)
		ana_sorter__use_thread(l->rows);
	if (!l->r->json)
		for (unsigned int c = 0; c < l->t.ncols && c < 32; c++)
			l->w[c] = strlen(l->t.heads[c]);
	return 0;
}

int ana_listing_row_begin(struct ana_listing *l)
{
	struct ana_json *j = &l->j;

	if (!l->r->json)
		return 0;
	l->mem = open_memstream(&l->membuf, &l->memlen);
	if (!l->mem) {
		snprintf(l->r->err, sizeof(l->r->err), "out of memory");
		return 1;
	}
	/* the row as the first item of the array: its separator is added when printed */
	l->out = j->f;
	l->had_items = j->has_items[j->depth];
	j->f = l->mem;
	j->has_items[j->depth] = false;
	return 0;
}

static int rows_fail(struct ana_listing *l, int ret)
{
	snprintf(l->r->err, sizeof(l->r->err), "%s",
		 ret == -ENOMEM ? "out of memory" : ana_sorter__error(l->rows));
	return 1;
}

int ana_listing_row_end(struct ana_listing *l, const void *key, uint32_t klen)
{
	struct ana_table *t = &l->t;
	int ret;

	if (l->r->json) {
		struct ana_json *j = &l->j;

		j->f = l->out;
		j->has_items[j->depth] = l->had_items;
		if (fclose(l->mem)) {
			free(l->membuf);
			l->membuf = NULL;
			snprintf(l->r->err, sizeof(l->r->err), "out of memory");
			return 1;
		}
		ret = ana_sorter__add(l->rows, key, klen, l->membuf, (uint32_t)l->memlen);
		free(l->membuf);
		l->membuf = NULL;
		return ret ? rows_fail(l, ret) : 0;
	}
	if (t->nomem || t->n != t->ncols) {
		snprintf(l->r->err, sizeof(l->r->err), "out of memory");
		return 1;
	}
	/* the cells, each ended by a NUL */
	size_t len = 0, off = 0;
	char *buf;

	for (unsigned int c = 0; c < t->ncols; c++) {
		size_t n;

		ana_table_cell_text(t, c, &n);
		if (c < 32 && n > l->w[c])
			l->w[c] = n;
		len += n + 1;
	}
	buf = malloc(len);
	if (!buf) {
		snprintf(l->r->err, sizeof(l->r->err), "out of memory");
		return 1;
	}
	for (unsigned int c = 0; c < t->ncols; c++) {
		size_t n;
		const char *s = ana_table_cell_text(t, c, &n);

		memcpy(buf + off, s, n + 1);
		off += n + 1;
	}
	ana_table_clear(t);
	ret = len > UINT32_MAX ? -E2BIG : ana_sorter__add(l->rows, key, klen, buf, (uint32_t)len);
	free(buf);
	return ret ? rows_fail(l, ret) : 0;
}

/* Prints the sorted rows: 0 or 1 with r->err. */
static int sorted_end(struct ana_listing *l)
{
	struct ana_sorted rec;
	const char *cells[32];
	struct ana_json *j = &l->j;
	FILE *f = l->r->out;
	int ret = ana_sorter__finish(l->rows);

	if (!ret && !l->r->json)
		ana_table_line(f, 0, l->t.ncols, l->t.align, l->w, l->t.heads);
	while (ret >= 0 && (ret = ana_sorter__next(l->rows, &rec)) == 1) {
		size_t off = 0;
		unsigned int c;

		if (l->r->json) {
			if (j->has_items[j->depth])
				fputc(',', f);
			fwrite(rec.val, 1, rec.vlen, f);
			j->has_items[j->depth] = true;
			continue;
		}
		/* our own bytes, but read as any: every cell within the record, ended by a NUL */
		for (c = 0; c < l->t.ncols && c < 32 && off < rec.vlen; c++) {
			const char *s = (const char *)rec.val + off;
			const void *nul = memchr(s, 0, rec.vlen - off);

			if (!nul)
				break;
			cells[c] = s;
			off = (size_t)((const char *)nul - (const char *)rec.val) + 1;
		}
		if (c != l->t.ncols || off != rec.vlen) {
			snprintf(l->r->err, sizeof(l->r->err), "a sorted row came back malformed");
			ana_sorter__free(l->rows);
			l->rows = NULL;
			return 1;
		}
		ana_table_line(f, 0, l->t.ncols, l->t.align, l->w, cells);
	}
	if (ret < 0) {
		rows_fail(l, ret);
		ana_sorter__free(l->rows);
		l->rows = NULL;
		return 1;
	}
	ana_sorter__free(l->rows);
	l->rows = NULL;
	return 0;
}

int ana_listing_end(struct ana_listing *l)
{
	int ret = 0;

	if (l->rows) {
		ret = sorted_end(l);
		if (!l->r->json) {
			ana_table_free(&l->t);
			return ret;
		}
	}
	if (l->r->json) {
		ana_json_end(&l->j, false);
		ana_json_end(&l->j, true);
		ana_json_finish(&l->j);
	} else {
		ana_table_print(&l->t, l->r->out, 0);
		ana_table_free(&l->t);
	}
	return ret;
}

int ana_listing_each_row(struct ana_report *r, const char *key, unsigned int ncols,
			 const char *const *heads, const char *align, struct ana_each *each)
{
	struct ana_ctx *c = r->c;
	struct ana_listing l;
	int ret;

	ana_listing_begin(&l, r, key);
	ana_listing_rows(&l, key, ncols, heads, align);
	if (ana_listing_sorted(&l, c->o.memory_budget)) {
		ana_listing_end(&l);
		return 1;
	}
	each->arg = &l;
	ret = ana_traces_each(c, each);
	if (ret < 0)
		snprintf(r->err, sizeof(r->err), "%.250s", c->spill_err);
	if (ana_listing_end(&l) || ret)
		return 1;
	return 0;
}
