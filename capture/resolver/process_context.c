// SPDX-License-Identifier: BSD-2-Clause
/* process_context.c - OTEP 4719 reader and bounds-checked ProcessContext protobuf decoder. */
#include "process_context.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolve_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Arena: every decoded object lives in it and goes with one pctx__free(). */

struct pctx_arena_block {
	struct pctx_arena_block *next;
	size_t cap;
	size_t used;
	max_align_t data[];
};

struct pctx_arena {
	struct pctx_arena_block *head;
};

static void *arena_alloc(struct pctx_arena *a, size_t size)
{
	struct pctx_arena_block *b = a->head;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (!need)
		need = 16;
	if (!b || b->cap - b->used < need) {
		size_t cap = need > 16384 ? need : 16384;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (uint8_t *)b->data + b->used;
	b->used += need;
	memset(p, 0, need);
	return p;
}

static void arena_free(struct pctx_arena *a)
{
	struct pctx_arena_block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* ---------------------------------------------------------------------------------------------
 * Wire format. A pb_msg is the byte range of one message; base is its offset in the payload. */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

struct pb_msg {
	const uint8_t *p;
	size_t len;
	size_t base;
};

struct pb_field {
	uint32_t num;
	uint32_t wt;
	size_t at;	   /* payload offset of the tag */
	uint64_t v;	   /* varint, or fixed64 / fixed32 value */
	struct pb_msg sub; /* WT_LEN */
};

struct dec {
	struct pctx_arena *arena;
	char *err;
	size_t errlen;
};

static int pb_varint(const struct pb_msg *m, size_t *off, uint64_t *out, struct dec *d,
		     const char *what)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t b;

		if (*off >= m->len) {
			scf_errf(d->err, d->errlen,
				 "payload byte %zu: %s varint runs past the end of its message "
				 "(%zu bytes from byte %zu)",
				 m->base + *off, what, m->len, m->base);
			return -ENODATA;
		}
		b = m->p[(*off)++];
		if (i == 9 && b > 1) {
			scf_errf(d->err, d->errlen, "payload byte %zu: %s varint exceeds 64 bits",
				 m->base + *off - 1, what);
			return -EBADMSG;
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	/* Not reached: the tenth byte either ends the varint or fails the check above. */
	return -EBADMSG;
}

/* Reads the next field at *off. Returns 1 with *f, 0 at the end of m, or -errno. */
static int pb_next(const struct pb_msg *m, size_t *off, struct pb_field *f, struct dec *d)
{
	uint64_t tag, len;
	int rc;

	if (*off >= m->len)
		return 0;
	memset(f, 0, sizeof(*f));
	f->at = m->base + *off;
	rc = pb_varint(m, off, &tag, d, "tag");
	if (rc)
		return rc;
	if (tag >> 3 == 0 || tag >> 3 > 0x1fffffff) {
		scf_errf(d->err, d->errlen,
			 "payload byte %zu: field number %" PRIu64 " is out of range", f->at,
			 tag >> 3);
		return -EBADMSG;
	}
	f->num = (uint32_t)(tag >> 3);
	f->wt = (uint32_t)(tag & 7);
	switch (f->wt) {
	case WT_VARINT:
		rc = pb_varint(m, off, &f->v, d, "value");
		return rc ? rc : 1;
	case WT_I64:
	case WT_I32: {
		size_t n = f->wt == WT_I64 ? 8 : 4;

		if (n > m->len - *off) {
			scf_errf(
			    d->err, d->errlen,
			    "payload byte %zu: field %u needs %zu bytes, %zu left in its message",
			    f->at, f->num, n, m->len - *off);
			return -ENODATA;
		}
		f->v = n == 8 ? scf_get64(m->p + *off) : scf_get32(m->p + *off);
		*off += n;
		return 1;
	}
	case WT_LEN:
		rc = pb_varint(m, off, &len, d, "length");
		if (rc)
			return rc;
		if (len > m->len - *off) {
			scf_errf(d->err, d->errlen,
				 "payload byte %zu: field %u length %" PRIu64
				 " exceeds the %zu bytes left in its message",
				 f->at, f->num, len, m->len - *off);
			return -ENODATA;
		}
		f->sub.p = m->p + *off;
		f->sub.len = (size_t)len;
		f->sub.base = m->base + *off;
		*off += (size_t)len;
		return 1;
	case WT_SGROUP:
	case WT_EGROUP:
		scf_errf(d->err, d->errlen,
			 "payload byte %zu: field %u uses group wire type %u, "
			 "not supported",
			 f->at, f->num, f->wt);
		return -EBADMSG;
	default:
		scf_errf(d->err, d->errlen, "payload byte %zu: field %u has invalid wire type %u",
			 f->at, f->num, f->wt);
		return -EBADMSG;
	}
}

static int want_wt(const struct pb_field *f, uint32_t wt, const char *what, struct dec *d)
{
	if (f->wt == wt)
		return 0;
	scf_errf(d->err, d->errlen, "payload byte %zu: field %u (%s) has wire type %u, expected %u",
		 f->at, f->num, what, f->wt, wt);
	return -EBADMSG;
}

/* Counts the occurrences of field num (which must be length-delimited) in m. */
static int pb_count(const struct pb_msg *m, uint32_t num, const char *what, size_t *n,
		    struct dec *d)
{
	struct pb_field f;
	size_t off = 0;
	int rc;

	*n = 0;
	while ((rc = pb_next(m, &off, &f, d)) == 1) {
		if (f.num != num)
			continue;
		rc = want_wt(&f, WT_LEN, what, d);
		if (rc)
			return rc;
		(*n)++;
	}
	return rc;
}

static int copy_str(struct pb_msg *s, const char **out, size_t *len, struct dec *d)
{
	char *p = arena_alloc(d->arena, s->len + 1);

	if (!p) {
		scf_errf(d->err, d->errlen, "payload byte %zu: out of memory", s->base);
		return -ENOMEM;
	}
	if (s->len)
		memcpy(p, s->p, s->len);
	p[s->len] = '\0';
	*out = p;
	*len = s->len;
	return 0;
}

static int dec_kv(struct pb_msg *m, unsigned depth, struct pctx_kv *kv, struct dec *d);

static int check_depth(const struct pb_msg *m, unsigned depth, struct dec *d)
{
	if (depth <= PCTX_MAX_DEPTH)
		return 0;
	scf_errf(d->err, d->errlen, "payload byte %zu: messages nested deeper than %d", m->base,
		 PCTX_MAX_DEPTH);
	return -ELOOP;
}

static int dec_any(struct pb_msg *m, unsigned depth, struct pctx_value *v, struct dec *d)
{
	struct pb_field f;
	size_t off = 0;
	int rc = check_depth(m, depth, d);

	if (rc)
		return rc;
	memset(v, 0, sizeof(*v));
	while ((rc = pb_next(m, &off, &f, d)) == 1) {
		size_t n, i;

		switch (f.num) {
		case 1: /* string_value */
		case 7: /* bytes_value */
			rc = want_wt(&f, WT_LEN, f.num == 1 ? "string_value" : "bytes_value", d);
			if (!rc)
				rc = copy_str(&f.sub, &v->u.str.ptr, &v->u.str.len, d);
			if (rc)
				return rc;
			v->type = f.num == 1 ? PCTX_STRING : PCTX_BYTES;
			break;
		case 2: /* bool_value */
			rc = want_wt(&f, WT_VARINT, "bool_value", d);
			if (rc)
				return rc;
			v->type = PCTX_BOOL;
			v->u.b = f.v != 0;
			break;
		case 3: /* int_value */
			rc = want_wt(&f, WT_VARINT, "int_value", d);
			if (rc)
				return rc;
			v->type = PCTX_INT;
			v->u.i = (int64_t)f.v;
			break;
		case 4: /* double_value */
			rc = want_wt(&f, WT_I64, "double_value", d);
			if (rc)
				return rc;
			v->type = PCTX_DOUBLE;
			memcpy(&v->u.d, &f.v, sizeof(v->u.d));
			break;
		case 5: { /* array_value: ArrayValue { repeated AnyValue values = 1 } */
			struct pctx_value *arr;
			struct pb_field g;
			size_t goff = 0;

			rc = want_wt(&f, WT_LEN, "array_value", d);
			if (!rc)
				rc = check_depth(&f.sub, depth + 1, d);
			if (!rc)
				rc = pb_count(&f.sub, 1, "ArrayValue.values", &n, d);
			if (rc)
				return rc;
			arr = arena_alloc(d->arena, (n ? n : 1) * sizeof(*arr));
			if (!arr)
				return -ENOMEM;
			for (i = 0; (rc = pb_next(&f.sub, &goff, &g, d)) == 1;) {
				if (g.num != 1)
					continue;
				rc = dec_any(&g.sub, depth + 2, &arr[i++], d);
				if (rc)
					return rc;
			}
			if (rc)
				return rc;
			v->type = PCTX_ARRAY;
			v->u.array.v = arr;
			v->u.array.n = n;
			break;
		}
		case 6: { /* kvlist_value: KeyValueList { repeated KeyValue values = 1 } */
			struct pctx_kv *kvs;
			struct pb_field g;
			size_t goff = 0;

			rc = want_wt(&f, WT_LEN, "kvlist_value", d);
			if (!rc)
				rc = check_depth(&f.sub, depth + 1, d);
			if (!rc)
				rc = pb_count(&f.sub, 1, "KeyValueList.values", &n, d);
			if (rc)
				return rc;
			kvs = arena_alloc(d->arena, (n ? n : 1) * sizeof(*kvs));
			if (!kvs)
				return -ENOMEM;
			for (i = 0; (rc = pb_next(&f.sub, &goff, &g, d)) == 1;) {
				if (g.num != 1)
					continue;
				rc = dec_kv(&g.sub, depth + 2, &kvs[i++], d);
				if (rc)
					return rc;
			}
			if (rc)
				return rc;
			v->type = PCTX_KVLIST;
			v->u.kvlist.v = kvs;
			v->u.kvlist.n = n;
			break;
		}
		default: /* unknown: skipped (pb_next rejected groups and bad wire types) */
			break;
		}
	}
	return rc;
}

static int dec_kv(struct pb_msg *m, unsigned depth, struct pctx_kv *kv, struct dec *d)
{
	struct pb_field f;
	size_t off = 0;
	int rc = check_depth(m, depth, d);

	if (rc)
		return rc;
	kv->key = "";
	kv->key_len = 0;
	while ((rc = pb_next(m, &off, &f, d)) == 1) {
		rc = 0;
		if (f.num == 1) {
			rc = want_wt(&f, WT_LEN, "KeyValue.key", d);
			if (!rc)
				rc = copy_str(&f.sub, &kv->key, &kv->key_len, d);
		} else if (f.num == 2) {
			rc = want_wt(&f, WT_LEN, "KeyValue.value", d);
			if (!rc)
				rc = dec_any(&f.sub, depth + 1, &kv->value, d);
		}
		if (rc)
			return rc;
	}
	return rc;
}

/* Fills the derived fields from ProcessContext.attributes. */
static int derive(struct pctx *p, struct dec *d)
{
	const struct pctx_kv *sv = pctx_find(p->attrs, p->n_attrs, PCTX_KEY_SCHEMA_VERSION);
	const struct pctx_kv *km = pctx_find(p->attrs, p->n_attrs, PCTX_KEY_ATTRIBUTE_KEY_MAP);

	if (sv && sv->value.type == PCTX_STRING)
		p->schema_version = sv->value.u.str.ptr;
	if (km && km->value.type == PCTX_ARRAY) {
		size_t n = km->value.u.array.n;

		if (n > PCTX_MAX_KEYS) {
			n = PCTX_MAX_KEYS;
			p->key_map_truncated = true;
		}
		p->key_map = arena_alloc(d->arena, (n ? n : 1) * sizeof(*p->key_map));
		if (!p->key_map)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const struct pctx_value *e = &km->value.u.array.v[i];

			p->key_map[i] = e->type == PCTX_STRING ? e->u.str.ptr : NULL;
		}
		p->n_keys = n;
	}
	return 0;
}

struct pctx *pctx__decode(const void *buf, size_t len, char *err, size_t errlen)
{
	struct pb_msg top = {.p = buf, .len = len, .base = 0};
	struct pctx *p;
	struct dec d = {.err = err, .errlen = errlen};
	struct pb_field f, g;
	size_t off, n_res = 0, n_attr = 0, ires = 0, iattr = 0;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p || !(p->arena = calloc(1, sizeof(*p->arena)))) {
		free(p);
		scf_errf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	d.arena = p->arena;
	/* Pass 1: syntax of the top level and of each Resource, and the counts. */
	off = 0;
	while ((rc = pb_next(&top, &off, &f, &d)) == 1) {
		size_t n;

		if (f.num == 1) {
			rc = want_wt(&f, WT_LEN, "ProcessContext.resource", &d);
			if (!rc)
				rc = pb_count(&f.sub, 1, "Resource.attributes", &n, &d);
			if (rc)
				goto err_free;
			n_res += n;
		} else if (f.num == 2) {
			rc = want_wt(&f, WT_LEN, "ProcessContext.attributes", &d);
			if (rc)
				goto err_free;
			n_attr++;
		}
	}
	if (rc)
		goto err_free;
	p->resource = arena_alloc(p->arena, (n_res ? n_res : 1) * sizeof(*p->resource));
	p->attrs = arena_alloc(p->arena, (n_attr ? n_attr : 1) * sizeof(*p->attrs));
	if (!p->resource || !p->attrs) {
		rc = -ENOMEM;
		scf_errf(err, errlen, "out of memory");
		goto err_free;
	}
	/* Pass 2: decode (several Resource occurrences merge, as protobuf does). */
	off = 0;
	while ((rc = pb_next(&top, &off, &f, &d)) == 1) {
		if (f.num == 1) {
			size_t goff = 0;

			while ((rc = pb_next(&f.sub, &goff, &g, &d)) == 1) {
				if (g.num != 1)
					continue;
				rc = dec_kv(&g.sub, 2, &p->resource[ires++], &d);
				if (rc)
					goto err_free;
			}
			if (rc)
				goto err_free;
		} else if (f.num == 2) {
			rc = dec_kv(&f.sub, 1, &p->attrs[iattr++], &d);
			if (rc)
				goto err_free;
		}
	}
	if (rc)
		goto err_free;
	p->n_resource = n_res;
	p->n_attrs = n_attr;
	rc = derive(p, &d);
	if (rc) {
		scf_errf(err, errlen, "out of memory");
		goto err_free;
	}
	return p;

err_free:
	pctx__free(p);
	errno = -rc;
	return NULL;
}

void pctx__free(struct pctx *p)
{
	if (!p)
		return;
	arena_free(p->arena);
	free(p);
}

const struct pctx_kv *pctx_find(const struct pctx_kv *kv, size_t n, const char *key)
{
	const struct pctx_kv *hit = NULL;
	size_t klen = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (kv[i].key_len == klen && !memcmp(kv[i].key, key, klen))
			hit = &kv[i];
	return hit;
}

/* ---------------------------------------------------------------------------------------------
 * Reading protocol (OTEP 4719 "Reading Protocol"). */

struct hdr {
	char sig[8];
	uint32_t version;
	uint32_t payload_size;
	uint64_t published_at;
	uint64_t payload;
};

static int read_hdr(struct tmem *mem, uint64_t addr, struct hdr *h, char *err, size_t errlen)
{
	uint8_t b[PCTX_HEADER_SIZE];
	int rc = tmem__read(mem, addr, b, sizeof(b), err, errlen);

	if (rc)
		return rc;
	memcpy(h->sig, b, 8);
	h->version = scf_get32(b + 8);
	h->payload_size = scf_get32(b + 12);
	h->published_at = scf_get64(b + 16);
	h->payload = scf_get64(b + 24);
	return 0;
}

static void pause_us(unsigned us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

struct pctx *pctx__read_at(struct tmem *mem, uint64_t addr, const struct pctx_read_opts *opts,
			   char *err, size_t errlen)
{
	unsigned attempts = opts && opts->max_attempts ? opts->max_attempts : 20;
	unsigned retry_us = opts && opts->retry_us ? opts->retry_us : 200;
	uint32_t cap = opts && opts->max_payload ? opts->max_payload : PCTX_MAX_PAYLOAD;
	uint8_t *buf = NULL;
	struct pctx *p;
	int rc = -EAGAIN;

	for (unsigned a = 0; a < attempts; a++) {
		struct hdr h;
		uint64_t ts2;

		if (a)
			pause_us(retry_us);
		rc = read_hdr(mem, addr, &h, err, errlen);
		if (rc)
			goto err;
		if (memcmp(h.sig, PCTX_SIGNATURE, 8)) {
			scf_errf(err, errlen, "OTEL_CTX header at 0x%" PRIx64 ": bad signature",
				 addr);
			rc = -EBADMSG;
			goto err;
		}
		if (h.version != 1 && h.version != 2) {
			scf_errf(err, errlen,
				 "OTEL_CTX header at 0x%" PRIx64 ": version %u, expected 2 (or 1)",
				 addr, h.version);
			rc = -EPROTONOSUPPORT;
			goto err;
		}
		if (!h.published_at) {
			rc = -EAGAIN;
			scf_errf(err, errlen,
				 "OTEL_CTX header at 0x%" PRIx64 ": still being updated after %u "
				 "attempts",
				 addr, a + 1);
			continue;
		}
		atomic_thread_fence(memory_order_seq_cst);
		if (h.payload_size > cap) {
			scf_errf(err, errlen,
				 "OTEL_CTX header at 0x%" PRIx64 ": payload_size %u exceeds %u",
				 addr, h.payload_size, cap);
			rc = -E2BIG;
			goto err;
		}
		if (h.payload_size && !h.payload) {
			scf_errf(err, errlen,
				 "OTEL_CTX header at 0x%" PRIx64 ": payload_size %u with a NULL "
				 "payload pointer",
				 addr, h.payload_size);
			rc = -EBADMSG;
			goto err;
		}
		free(buf);
		buf = malloc(h.payload_size ? h.payload_size : 1);
		if (!buf) {
			scf_errf(err, errlen, "out of memory");
			rc = -ENOMEM;
			goto err;
		}
		if (h.payload_size) {
			rc = tmem__read(mem, h.payload, buf, h.payload_size, err, errlen);
			/* A payload freed under us reads as a fault: retry like a change. */
			if (rc && rc != -EFAULT)
				goto err;
		}
		atomic_thread_fence(memory_order_seq_cst);
		{
			int rc2 = tmem__rd64(mem, addr + 16, &ts2, err, errlen);

			if (rc2) {
				rc = rc2;
				goto err;
			}
		}
		if (rc && ts2 == h.published_at) {
			/* Unreadable although nothing changed: retry, and report the fault if it
			 * persists (the message from tmem__read names the address). */
			continue;
		}
		if (ts2 != h.published_at) {
			rc = -EAGAIN;
			scf_errf(err, errlen,
				 "OTEL_CTX header at 0x%" PRIx64 ": changed during every one of %u "
				 "attempts",
				 addr, a + 1);
			continue;
		}
		p = pctx__decode(buf, h.payload_size, err, errlen);
		if (!p) {
			rc = -errno;
			scf_errprefix(err, errlen, "OTEL_CTX payload at 0x%" PRIx64 " (%u bytes)",
				      h.payload, h.payload_size);
			goto err;
		}
		free(buf);
		p->version = h.version;
		p->published_at_ns = h.published_at;
		p->header_addr = addr;
		p->payload_size = h.payload_size;
		return p;
	}
err:
	free(buf);
	errno = -rc;
	return NULL;
}

struct pctx *pctx__read_pid(pid_t pid, const struct pmaps *maps, struct tmem *mem,
			    const struct pctx_read_opts *opts, char *err, size_t errlen)
{
	struct pmaps *own_maps = NULL;
	struct tmem *own_mem = NULL;
	struct pctx *p = NULL;
	const struct pmaps_entry *e;
	size_t from = 0;
	int rc = -ENOENT;

	if (!maps) {
		maps = own_maps = pmaps__read(pid, 0, err, errlen);
		if (!maps)
			return NULL;
	}
	if (!mem) {
		mem = own_mem = tmem__open(pid, err, errlen);
		if (!mem) {
			rc = -errno;
			goto out;
		}
	}
	scf_errf(err, errlen, "pid %d: no OTEL_CTX mapping", (int)pid);
	while ((e = pmaps__find_otel_ctx(maps, &from)) != NULL) {
		if (e->end - e->start < PCTX_HEADER_SIZE)
			continue;
		p = pctx__read_at(mem, e->start, opts, err, errlen);
		if (p)
			break;
		rc = -errno;
		scf_errprefix(err, errlen, "pid %d: %s", (int)pid, e->path);
		/* A mapping that is not ours (signature, version): try the next one. */
		if (rc != -EBADMSG && rc != -EPROTONOSUPPORT)
			break;
	}
out:
	tmem__free(own_mem);
	pmaps__free(own_maps);
	if (!p)
		errno = -rc;
	return p;
}
