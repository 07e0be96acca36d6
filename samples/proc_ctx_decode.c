// SPDX-License-Identifier: BSD-2-Clause
/* TEST-ONLY OTEP 4719 header + ProcessContext protobuf decoder (see proc_ctx_decode.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proc_ctx_decode.h"

/* A view of one message: [base + start, base + end) of the whole buffer. */
struct cursor {
	const uint8_t *base;
	size_t off;
	size_t end;
};

struct decoder {
	const uint8_t *base; /* the whole payload: offsets in messages are relative to it */
	char *err;
	size_t err_len;
};

static int fail(struct decoder *d, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct decoder *d, int code, size_t off, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (d->err && d->err_len) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(d->err, d->err_len, "payload offset %zu: %s", off, msg);
	}
	return code;
}

static int get_varint(struct decoder *d, struct cursor *c, uint64_t *v)
{
	size_t start = c->off;
	unsigned int shift = 0;
	uint8_t b;

	*v = 0;
	do {
		if (c->off >= c->end)
			return fail(d, -ENODATA, start, "varint runs past the end (%zu bytes left)",
				    c->end - start);
		if (shift > 63)
			return fail(d, -EBADMSG, start, "varint longer than 10 bytes");
		b = c->base[c->off++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return 0;
}

/* Reads a length-delimited body into *sub. */
static int get_len(struct decoder *d, struct cursor *c, struct cursor *sub)
{
	size_t start = c->off;
	uint64_t n;
	int err;

	err = get_varint(d, c, &n);
	if (err)
		return err;
	if (n > c->end - c->off)
		return fail(d, -ENODATA, start, "length %llu exceeds the %zu bytes left",
			    (unsigned long long)n, c->end - c->off);
	sub->base = c->base;
	sub->off = c->off;
	sub->end = c->off + (size_t)n;
	c->off = sub->end;
	return 0;
}

static int skip(struct decoder *d, struct cursor *c, unsigned int wire)
{
	struct cursor sub;
	uint64_t v;
	size_t n;

	switch (wire) {
	case 0:
		return get_varint(d, c, &v);
	case 1:
	case 5:
		n = wire == 1 ? 8 : 4;
		if (n > c->end - c->off)
			return fail(d, -ENODATA, c->off, "fixed%zu needs %zu bytes, %zu left",
				    n * 8, n, c->end - c->off);
		c->off += n;
		return 0;
	case 2:
		return get_len(d, c, &sub);
	default:
		return fail(d, -EBADMSG, c->off, "unsupported wire type %u", wire);
	}
}

/* Reads the next tag; returns 1 with field/wire, 0 at the end of the message, or -errno. */
static int next_tag(struct decoder *d, struct cursor *c, uint32_t *field, unsigned int *wire)
{
	size_t start = c->off;
	uint64_t tag;
	int err;

	if (c->off == c->end)
		return 0;
	err = get_varint(d, c, &tag);
	if (err)
		return err;
	if ((tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
		return fail(d, -EBADMSG, start, "field number %llu out of range",
			    (unsigned long long)(tag >> 3));
	*field = (uint32_t)(tag >> 3);
	*wire = (unsigned int)(tag & 7);
	return 1;
}

static int decode_any(struct decoder *d, struct cursor *c, struct proc_ctx_value *v)
{
	struct cursor sub;
	unsigned int wire = 0;
	uint32_t field = 0;
	uint64_t x;
	int r, err;
	size_t i;

	memset(v, 0, sizeof(*v));
	while ((r = next_tag(d, c, &field, &wire)) == 1) {
		size_t at = c->off;

		if (field >= 1 && field <= 7) {
			static const unsigned int want[8] = {0, 2, 0, 0, 1, 2, 2, 2};

			if (wire != want[field])
				return fail(d, -EBADMSG, at, "AnyValue field %u with wire type %u",
					    field, wire);
			v->type = field;
		}
		switch (field) {
		case 1:
		case 5:
		case 6:
		case 7:
			err = get_len(d, c, &sub);
			if (err)
				return err;
			v->bytes.p = sub.base + sub.off;
			v->bytes.len = sub.end - sub.off;
			break;
		case 2:
		case 3:
			err = get_varint(d, c, &x);
			if (err)
				return err;
			if (field == 2)
				v->boolean = x != 0;
			else
				v->integer = (int64_t)x;
			break;
		case 4:
			if (8 > c->end - c->off)
				return fail(d, -ENODATA, at, "double needs 8 bytes, %zu left",
					    c->end - c->off);
			for (x = 0, i = 0; i < 8; i++)
				x |= (uint64_t)c->base[c->off + i] << (8 * i);
			memcpy(&v->dbl, &x, sizeof(x));
			c->off += 8;
			break;
		default:
			err = skip(d, c, wire);
			if (err)
				return err;
		}
	}
	return r;
}

static int decode_kv(struct decoder *d, struct cursor *c, struct proc_ctx_kv *kv)
{
	struct cursor sub;
	unsigned int wire = 0;
	uint32_t field = 0;
	int r, err;

	memset(kv, 0, sizeof(*kv));
	while ((r = next_tag(d, c, &field, &wire)) == 1) {
		if ((field == 1 || field == 2) && wire != 2)
			return fail(d, -EBADMSG, c->off, "KeyValue field %u with wire type %u",
				    field, wire);
		if (field == 1) {
			err = get_len(d, c, &sub);
			if (err)
				return err;
			kv->key.p = sub.base + sub.off;
			kv->key.len = sub.end - sub.off;
		} else if (field == 2) {
			err = get_len(d, c, &sub);
			if (!err)
				err = decode_any(d, &sub, &kv->value);
			if (err)
				return err;
		} else {
			err = skip(d, c, wire);
			if (err)
				return err;
		}
	}
	return r;
}

static bool key_is(const struct proc_ctx_kv *kv, const char *s)
{
	return kv->key.len == strlen(s) && memcmp(kv->key.p, s, kv->key.len) == 0;
}

static int decode_key_map(struct decoder *d, const struct proc_ctx_kv *kv,
			  struct proc_ctx_decoded *out)
{
	size_t at = (size_t)(kv->value.bytes.p - d->base);
	struct cursor c = {d->base, at, at + kv->value.bytes.len}, sub;
	struct proc_ctx_value v;
	unsigned int wire = 0;
	uint32_t field = 0;
	int r, err;

	if (kv->value.type != 5)
		return fail(d, -EBADMSG, 0,
			    "threadlocal.attribute_key_map is AnyValue case %u, "
			    "not an array",
			    kv->value.type);
	out->has_key_map = true;
	out->n_keys = 0;
	while ((r = next_tag(d, &c, &field, &wire)) == 1) {
		if (field != 1) {
			err = skip(d, &c, wire);
			if (err)
				return err;
			continue;
		}
		if (wire != 2)
			return fail(d, -EBADMSG, c.off, "ArrayValue.values with wire type %u",
				    wire);
		err = get_len(d, &c, &sub);
		if (!err)
			err = decode_any(d, &sub, &v);
		if (err)
			return err;
		if (v.type != 1)
			return fail(d, -EBADMSG, c.off,
				    "key map entry %zu is case %u, not a string", out->n_keys,
				    v.type);
		if (out->n_keys == PROC_CTX_MAX_KEYS)
			return fail(d, -E2BIG, c.off, "more than %d keys", PROC_CTX_MAX_KEYS);
		out->keys[out->n_keys++] = v.bytes;
	}
	return r;
}

static int decode_resource(struct decoder *d, struct cursor *c, struct proc_ctx_decoded *out)
{
	struct cursor sub;
	unsigned int wire = 0;
	uint32_t field = 0;
	int r, err;

	while ((r = next_tag(d, c, &field, &wire)) == 1) {
		if (field != 1 || wire != 2) {
			err = skip(d, c, wire);
			if (err)
				return err;
			continue;
		}
		if (out->n_resource == PROC_CTX_MAX_KV)
			return fail(d, -E2BIG, c->off, "more than %d resource attributes",
				    PROC_CTX_MAX_KV);
		err = get_len(d, c, &sub);
		if (!err)
			err = decode_kv(d, &sub, &out->resource[out->n_resource]);
		if (err)
			return err;
		out->n_resource++;
	}
	return r;
}

int proc_ctx_decode(const uint8_t *buf, size_t len, struct proc_ctx_decoded *out, char *err,
		    size_t err_len)
{
	struct decoder d = {buf, err, err_len};
	struct cursor c = {buf, 0, len}, sub;
	struct proc_ctx_kv *kv;
	unsigned int wire = 0;
	uint32_t field = 0;
	int r, e;

	memset(out, 0, sizeof(*out));
	if (err && err_len)
		err[0] = '\0';
	if (len > PROC_CTX_PAYLOAD_MAX)
		return fail(&d, -E2BIG, 0, "payload of %zu bytes, cap %d", len,
			    PROC_CTX_PAYLOAD_MAX);
	while ((r = next_tag(&d, &c, &field, &wire)) == 1) {
		if ((field == 1 || field == 2) && wire != 2)
			return fail(&d, -EBADMSG, c.off,
				    "ProcessContext field %u with wire type %u", field, wire);
		if (field == 1) {
			e = get_len(&d, &c, &sub);
			if (!e)
				e = decode_resource(&d, &sub, out);
		} else if (field == 2) {
			if (out->n_attrs == PROC_CTX_MAX_KV)
				return fail(&d, -E2BIG, c.off, "more than %d attributes",
					    PROC_CTX_MAX_KV);
			kv = &out->attrs[out->n_attrs];
			e = get_len(&d, &c, &sub);
			if (!e)
				e = decode_kv(&d, &sub, kv);
			if (!e) {
				out->n_attrs++;
				if (key_is(kv, "threadlocal.schema_version") &&
				    kv->value.type == 1) {
					out->has_schema = true;
					out->schema = kv->value.bytes;
				} else if (key_is(kv, "threadlocal.attribute_key_map")) {
					e = decode_key_map(&d, kv, out);
				}
			}
		} else {
			e = skip(&d, &c, wire);
		}
		if (e)
			return e;
	}
	return r;
}

int proc_ctx_header_parse(const uint8_t *buf, size_t len, struct proc_ctx_header *h)
{
	if (len < PROC_CTX_HEADER_SIZE)
		return -ENODATA;
	if (memcmp(buf, "OTEL_CTX", 8) != 0)
		return -EBADMSG;
	memcpy(&h->version, buf + 8, 4);
	memcpy(&h->payload_size, buf + 12, 4);
	memcpy(&h->published_at_ns, buf + 16, 8);
	memcpy(&h->payload, buf + 24, 8);
	if (h->version != 1 && h->version != 2)
		return -EPROTONOSUPPORT;
	return 0;
}
