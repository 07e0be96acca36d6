// SPDX-License-Identifier: BSD-2-Clause
/*
 * redact.c - pseudonyms for sharing a capture (see redact.h and spancap-analyze --help).
 *
 * A pseudonym is a keyed hash (SipHash-2-4) of the value: stable within a run (and across runs
 * given --redact-key), unlinkable to the value without the key. Strings become 10 characters of
 * a 32-letter alphabet (50 bits: collisions, which would merge two files in the analysis, are
 * negligible). Paths keep their structure: every component is replaced on its own, so a path
 * joined from a directory and a relative name reads the same as the whole path redacted, and
 * "/", ".", ".." and short extensions stay. IPv4 pseudonyms live in 240.0.0.0/4 (reserved,
 * visibly fake) and are checked for collisions; IPv6 ones in fd00::/8.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ana_map.h"
#include "redact.h"

#define PSEUDO_LEN 10

struct ana_redactor {
	unsigned int classes;
	uint64_t k0, k1;
	struct ana_map v4_fwd, v4_rev; /* IPv4 original -> pseudonym, and the pseudonyms taken */
	uint8_t item[SCF_REC_MAX];     /* one rewritten item */
};

static const struct {
	const char *name;
	unsigned int bit;
} class_names[] = {
	{ "paths", ANA_REDACT_PATHS }, { "argv", ANA_REDACT_ARGV },   { "env", ANA_REDACT_ENV },
	{ "attrs", ANA_REDACT_ATTRS }, { "addrs", ANA_REDACT_ADDRS }, { "host", ANA_REDACT_HOST },
	{ "names", ANA_REDACT_NAMES }, { "ids", ANA_REDACT_IDS },
};

int ana_redact_parse(const char *list, unsigned int *classes, char *bad, size_t badsz)
{
	const char *p = list;

	*classes = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned int i, bit = 0;

		if (n == 3 && !strncmp(p, "all", 3))
			bit = ANA_REDACT_DEFAULT;
		for (i = 0; !bit && i < sizeof(class_names) / sizeof(class_names[0]); i++)
			if (strlen(class_names[i].name) == n && !strncmp(p, class_names[i].name, n))
				bit = class_names[i].bit;
		if (!bit) {
			snprintf(bad, badsz, "%.*s", (int)n, p);
			return -EINVAL;
		}
		*classes |= bit;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

const char *ana_redact_names(unsigned int classes, char *buf, size_t bufsz)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if ((classes & class_names[i].bit) && off < bufsz)
			off += (size_t)snprintf(buf + off, bufsz - off, "%s%s", off ? "," : "",
						class_names[i].name);
	return buf;
}

/* ---- SipHash-2-4 ---------------------------------------------------------------------------- */

static inline uint64_t rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIP_ROUND(v0, v1, v2, v3)                                                                  \
	do {                                                                                       \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);                         \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                             \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                             \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);                         \
	} while (0)

/* SipHash-2-4 of domain byte d followed by n bytes of p (the domain keeps the hashes of a
 * string, an address and an id apart). */
uint64_t ana_redact_siphash(uint64_t k0, uint64_t k1, uint8_t d, const void *p, size_t n)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	const uint8_t *s = p;
	size_t total = n + 1, i = 0;
	uint8_t blk[8];
	uint64_t m;

	/* the message is d then s: fill 8-byte blocks from that virtual concatenation */
	while (total - i >= 8) {
		for (int j = 0; j < 8; j++, i++)
			blk[j] = i ? s[i - 1] : d;
		memcpy(&m, blk, 8);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	memset(blk, 0, sizeof(blk));
	for (int j = 0; i < total; j++, i++)
		blk[j] = i ? s[i - 1] : d;
	blk[7] = (uint8_t)total;
	memcpy(&m, blk, 8);
	v3 ^= m;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (int j = 0; j < 4; j++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

enum { DOM_STR = 1, DOM_V4, DOM_V6, DOM_ID, DOM_HOSTID, DOM_KEY0, DOM_KEY1 };

struct ana_redactor *ana_redactor__new(unsigned int classes, const char *key)
{
	struct ana_redactor *r = calloc(1, sizeof(*r));
	uint64_t k[2];

	if (!r)
		return NULL;
	r->classes = classes;
	if (key) {
		r->k0 = ana_redact_siphash(0x7370616e636170ull, 0x72656461637421ull, DOM_KEY0, key,
					   strlen(key));
		r->k1 = ana_redact_siphash(0x7370616e636170ull, 0x72656461637421ull, DOM_KEY1, key,
					   strlen(key));
	} else {
		if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
			free(r);
			errno = EIO;
			return NULL;
		}
		r->k0 = k[0];
		r->k1 = k[1];
	}
	return r;
}

void ana_redactor__free(struct ana_redactor *r)
{
	if (!r)
		return;
	ana_map_free(&r->v4_fwd);
	ana_map_free(&r->v4_rev);
	free(r);
}

/* ---- strings and paths ---------------------------------------------------------------------- */

/* Output cursor: writes what fits, remembers the total. */
struct out {
	uint8_t *p;
	size_t cap, len;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_pseudo(const struct ana_redactor *r, struct out *o, const void *s, size_t n)
{
	static const char abc[] = "abcdefghijkmnpqrstuvwxyz23456789";
	uint64_t h = ana_redact_siphash(r->k0, r->k1, DOM_STR, s, n);
	char buf[PSEUDO_LEN];

	for (int i = 0; i < PSEUDO_LEN; i++, h >>= 5)
		buf[i] = abc[h & 31];
	put(o, buf, PSEUDO_LEN);
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One path component: "", "." and ".." stay; an extension of 1 to 4 letters or digits stays;
 * a "memfd:" prefix (how the analyzer names memfds) stays. */
static void put_component(const struct ana_redactor *r, struct out *o, const uint8_t *s, size_t n)
{
	size_t stem = n;

	if (!n || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		put(o, s, n);
		return;
	}
	if (n > 6 && !memcmp(s, "memfd:", 6)) {
		put(o, s, 6);
		s += 6;
		n -= 6;
		stem = n;
	}
	for (size_t i = n; i-- > 1 && n - i <= 5;) {
		if (s[i] == '.') {
			stem = i;
			break;
		}
		if (!is_alnum(s[i]))
			break;
	}
	if (stem == n || n - stem < 2)
		stem = n;
	put_pseudo(r, o, s, stem);
	put(o, s + stem, n - stem);
}

static void put_path(const struct ana_redactor *r, struct out *o, const uint8_t *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t j = i;

		while (j < n && s[j] != '/')
			j++;
		put_component(r, o, s + i, j - i);
		if (j == n)
			return;
		put(o, "/", 1);
		i = j + 1;
	}
}

/* A free text (REASON): words holding a '/' are paths, trailing ":;,)" kept. */
static void put_text_paths(const struct ana_redactor *r, struct out *o, const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, e;

		while (j < n && s[j] != ' ')
			j++;
		e = j;
		while (e > i && strchr(":;,)", s[e - 1]))
			e--;
		if (memchr(s + i, '/', e - i))
			put_path(r, o, s + i, e - i);
		else
			put(o, s + i, e - i);
		put(o, s + e, j - e);
		if (j < n)
			put(o, " ", 1);
		i = j + 1;
	}
}

/* An argv or command-line string: NAME=VALUE keeps "NAME="; the value (or the whole string)
 * is a path when it holds a '/'. env_only leaves strings without '=' alone. */
static void put_arg(const struct ana_redactor *r, struct out *o, const uint8_t *s, size_t n,
		    bool env_only)
{
	const uint8_t *eq = n ? memchr(s, '=', n) : NULL;
	size_t pre = 0;

	if (eq && eq > s) {
		pre = (size_t)(eq - s) + 1;
		for (size_t i = 0; i + 1 < pre; i++)
			if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
				pre = 0;
	}
	if (!pre && env_only) {
		put(o, s, n);
		return;
	}
	put(o, s, pre);
	s += pre;
	n -= pre;
	if (!n)
		return;
	if (memchr(s, '/', n))
		put_path(r, o, s, n);
	else
		put_pseudo(r, o, s, n);
}

static size_t strlist_args(const struct ana_redactor *r, const uint8_t *d, size_t len,
			   uint8_t *outbuf, size_t cap, bool env_only)
{
	struct scf_strlist_iter it;
	struct out o = { outbuf, cap, 0 };
	const uint8_t *s;
	uint16_t n;

	scf_strlist_begin(&it, d, len);
	while (scf_strlist_next(&it, &s, &n) == 1) {
		size_t at = o.len;
		uint16_t l = 0;

		if (cap - o.len < 2)
			break;
		o.len += 2;
		put_arg(r, &o, s, n, env_only);
		l = (uint16_t)(o.len - at - 2 > 0xffff ? 0xffff : o.len - at - 2);
		memcpy(outbuf + at, &l, 2);
	}
	return o.len;
}

/* ---- attributes ----------------------------------------------------------------------------- */

static bool key_is_schema(const struct scf_attr *a)
{
	return a->key_len >= 12 && !memcmp(a->key, "threadlocal.", 12);
}

/* Rewrites an attribute list into out: string and bytes values become pseudonyms, nested lists
 * recurse, booleans and numbers stay, and so do the threadlocal.* schema entries (keys). */
static int attrs_rewrite(struct ana_redactor *r, const uint8_t *d, size_t len, uint8_t *out,
			 size_t cap, size_t *olen, int depth)
{
	struct scf_attr_iter it;
	struct scf_attr a;
	int ret;

	*olen = 0;
	scf_attrs_begin(&it, d, len);
	while ((ret = scf_attrs_next(&it, &a)) == 1) {
		uint8_t val[SCF_REC_MAX];
		struct out o = { val, sizeof(val), 0 };
		size_t vlen = a.val_len;
		const void *v = a.val;

		if (key_is_schema(&a)) {
			/* kept as is */
		} else if (a.type == SCF_VAL_STRING || a.type == SCF_VAL_BYTES) {
			if (a.val_len)
				put_pseudo(r, &o, a.val, a.val_len);
			v = val;
			vlen = o.len;
		} else if (a.type == SCF_VAL_ARRAY || a.type == SCF_VAL_KVLIST) {
			if (depth >= SCF_ATTR_MAX_DEPTH ||
			    attrs_rewrite(r, a.val, a.val_len, val, sizeof(val), &vlen, depth + 1))
				return -EBADMSG;
			v = val;
		}
		if (vlen > 0xffff ||
		    scf_attrs_append(out, cap, olen, a.type, a.key, a.key_len, v, vlen))
			return -ENOSPC;
	}
	return ret;
}

/* OTEP 4947 attrs-data: {u8 key, u8 len, bytes}; values become pseudonyms, at most
 * SCF_ATTRS_MAX bytes in all (*cut when entries had to go). */
static size_t attrs_raw_rewrite(const struct ana_redactor *r, const uint8_t *d, size_t len,
				uint8_t *out, bool *cut)
{
	size_t off = 0, olen = 0;

	while (len - off >= 2) {
		uint8_t k = d[off], l = d[off + 1];
		struct out o = { out + olen + 2, SCF_ATTRS_MAX, 0 };

		if ((size_t)l > len - off - 2)
			break;
		if (olen + 2 + (l ? PSEUDO_LEN : 0) > SCF_ATTRS_MAX) {
			*cut = true;
			break;
		}
		if (l)
			put_pseudo(r, &o, d + off + 2, l);
		out[olen] = k;
		out[olen + 1] = (uint8_t)o.len;
		olen += 2 + o.len;
		off += 2 + (size_t)l;
	}
	return olen;
}

/* ---- addresses and ids ---------------------------------------------------------------------- */

static uint32_t v4_pseudo(struct ana_redactor *r, uint32_t a)
{
	struct ana_key k = ana_key3(a, 0, 0);
	void *v = ana_map_get(&r->v4_fwd, &k, NULL, NULL);
	uint32_t p;

	if (v)
		return (uint32_t)(uintptr_t)v;
	for (uint32_t salt = 0;; salt++) {
		uint32_t in[2] = { a, salt };
		struct ana_key pk;

		p = 0xf0000000u |
		    ((uint32_t)ana_redact_siphash(r->k0, r->k1, DOM_V4, in, sizeof(in)) >> 4);
		pk = ana_key3(p, 1, 0);
		if (p != a && !ana_map_get(&r->v4_rev, &pk, NULL, NULL)) {
			ana_map_put(&r->v4_rev, &pk, (void *)1, NULL, NULL);
			break;
		}
	}
	/* stored as a pointer: the map's values must not be NULL, and 240/4 never is */
	ana_map_put(&r->v4_fwd, &k, (void *)(uintptr_t)p, NULL, NULL);
	return p;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Rewrites a SOCKADDR item payload into out; family, port, scope and lengths stay. */
static size_t sockaddr_rewrite(struct ana_redactor *r, const uint8_t *d, size_t len, uint8_t *out,
			       size_t cap)
{
	struct scf_sockaddr_hdr h;
	struct out o = { out, cap, 0 };

	if (len < sizeof(h) || len > cap)
		return 0;
	memcpy(&h, d, sizeof(h));
	memcpy(out, d, len);
	/* an address item of the wrong size cannot be rewritten: dropped, never passed on */
	if ((h.family == SCF_AF_INET && len != 8) || (h.family == SCF_AF_INET6 && len != 24))
		return 0;
	if (h.family == SCF_AF_INET) {
		uint32_t a, p;

		memcpy(&a, d + 4, 4);
		if (a) {
			p = v4_pseudo(r, __builtin_bswap32(a));
			p = __builtin_bswap32(p);
			memcpy(out + 4, &p, 4);
		}
		return len;
	}
	if (h.family == SCF_AF_INET6) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		uint64_t x, y;

		if (all_zero(d + 4, 16))
			return len;
		if (!memcmp(d + 4, mapped, 12)) {
			uint32_t a, p;

			memcpy(&a, d + 16, 4);
			p = __builtin_bswap32(v4_pseudo(r, __builtin_bswap32(a)));
			memcpy(out + 16, &p, 4);
			return len;
		}
		x = ana_redact_siphash(r->k0, r->k1, DOM_V6, d + 4, 16);
		y = ana_redact_siphash(r->k1, r->k0, DOM_V6, d + 4, 16);
		memcpy(out + 4, &x, 8);
		memcpy(out + 12, &y, 8);
		out[4] = 0xfd;
		return len;
	}
	if (h.family == SCF_AF_UNIX) {
		o.len = 4;
		if (len == 4)
			return 4;
		if (d[4] == 0) {
			put(&o, "", 1);
			put_path(r, &o, d + 5, len - 5);
		} else {
			put_path(r, &o, d + 4, len - 4);
		}
		return o.len;
	}
	/* other families (netlink, packet: interface and MAC addresses...): bytes zeroed */
	memset(out + 4, 0, len - 4);
	return len;
}

static void id_pseudo(const struct ana_redactor *r, uint8_t *id, size_t n)
{
	uint64_t a, b;

	if (all_zero(id, n))
		return;
	a = ana_redact_siphash(r->k0, r->k1, DOM_ID, id, n);
	b = ana_redact_siphash(r->k1, r->k0, DOM_ID, id, n);
	memcpy(id, &a, 8);
	if (n == 16)
		memcpy(id + 8, &b, 8);
}

static void hostid_pseudo(const struct ana_redactor *r, uint8_t id[16])
{
	uint64_t a = ana_redact_siphash(r->k0, r->k1, DOM_HOSTID, id, 16);
	uint64_t b = ana_redact_siphash(r->k1, r->k0, DOM_HOSTID, id, 16);

	memcpy(id, &a, 8);
	memcpy(id + 8, &b, 8);
}

/* ---- records -------------------------------------------------------------------------------- */

static bool has(const struct ana_redactor *r, unsigned int cls)
{
	return r->classes & cls;
}

/* An FD record's PATH is a kernel link text ("pipe:[12]", "socket:[34]", "anon_inode:...")
 * rather than a path for these kinds. */
static bool fd_path_is_link_text(const struct scf_record *rec, const uint8_t *d, size_t len)
{
	struct scf_fd b;

	if (rec->type != SCF_REC_FD || scf_record_body(rec, &b, sizeof(b), SCF_FD_MIN, NULL, 0))
		return false;
	return (b.kind == SCF_FD_PIPE || b.kind == SCF_FD_SOCKET || b.kind == SCF_FD_ANON) &&
	       (!len || d[0] != '/');
}

/* Rewrites one item; returns its new length, or -1 to drop it. */
static long item_rewrite(struct ana_redactor *r, const struct scf_record *rec, uint16_t tag,
			 const uint8_t *d, uint16_t len, bool *attrs_cut)
{
	struct out o = { r->item, sizeof(r->item), 0 };
	size_t n;

	switch (tag) {
	case SCF_ITEM_PATH:
	case SCF_ITEM_PATH2:
		if (!has(r, ANA_REDACT_PATHS) || fd_path_is_link_text(rec, d, len))
			break;
		put_path(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_EXE:
	case SCF_ITEM_EXE_HOST:
		if (!has(r, ANA_REDACT_PATHS | ANA_REDACT_NAMES))
			break;
		put_path(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_CGROUP:
	case SCF_ITEM_TLS_MODULE:
		if (!has(r, ANA_REDACT_PATHS))
			break;
		put_path(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_REASON:
		if (!has(r, ANA_REDACT_PATHS))
			break;
		put_text_paths(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_SOCKADDR:
	case SCF_ITEM_SOCKADDR_LOCAL:
		if (!has(r, ANA_REDACT_ADDRS))
			break;
		n = sockaddr_rewrite(r, d, len, r->item, sizeof(r->item));
		return n ? (long)n : -1;
	case SCF_ITEM_ARGV:
	case SCF_ITEM_CMDLINE:
		if (!has(r, ANA_REDACT_ARGV | ANA_REDACT_ENV))
			break;
		return (long)strlist_args(r, d, len, r->item, sizeof(r->item),
					  !has(r, ANA_REDACT_ARGV));
	case SCF_ITEM_NAME:
		if (!has(r, ANA_REDACT_NAMES) || !len)
			break;
		put_pseudo(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_RESOURCE_ATTRS:
	case SCF_ITEM_EXTRA_ATTRS:
		if (!has(r, ANA_REDACT_ATTRS))
			break;
		if (attrs_rewrite(r, d, len, r->item, sizeof(r->item), &n, 0))
			return -1; /* a malformed list: dropped, never passed on unredacted */
		return (long)n;
	case SCF_ITEM_ATTRS_RAW:
		if (!has(r, ANA_REDACT_ATTRS))
			break;
		return (long)attrs_raw_rewrite(r, d, len, r->item, attrs_cut);
	case SCF_ITEM_HOSTNAME:
		if (!has(r, ANA_REDACT_HOST))
			break;
		put(&o, "host-", 5);
		put_pseudo(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_KERNEL_VERSION:
		if (!has(r, ANA_REDACT_HOST))
			break;
		put_pseudo(r, &o, d, len);
		return (long)o.len;
	case SCF_ITEM_FD_PAIR:
	case SCF_ITEM_SCHEMA_VERSION:
	case SCF_ITEM_KEY_MAP:
	case SCF_ITEM_KERNEL_RELEASE:
	case SCF_ITEM_MACHINE:
	case SCF_ITEM_TOOL_VERSION:
	case SCF_ITEM_COUNTERS:
		break;
	default:
		return -1; /* unknown: it may hold anything */
	}
	memcpy(r->item, d, len);
	return len;
}

/* The body with ids and host identity redacted, into body (SCF_REC_MAX bytes). */
static void body_rewrite(struct ana_redactor *r, const struct scf_record *rec, uint8_t *body)
{
	const uint8_t *d;
	uint16_t len;
	bool cut = false;

	memcpy(body, rec->body, rec->body_len);
	if (rec->type == SCF_REC_THREAD_CTX && has(r, ANA_REDACT_ATTRS) &&
	    rec->body_len >= SCF_THREAD_CTX_MIN &&
	    scf_record_item(rec, SCF_ITEM_ATTRS_RAW, &d, &len) == 1) {
		/* the declared size follows the rewritten attributes */
		uint16_t sz = (uint16_t)attrs_raw_rewrite(r, d, len, r->item, &cut);

		memcpy(body + offsetof(struct scf_thread_ctx, attrs_size), &sz, 2);
	}
	if (rec->type == SCF_REC_SECTION && has(r, ANA_REDACT_HOST) && rec->body_len >= 72) {
		hostid_pseudo(r, body + offsetof(struct scf_section, capture_id));
		hostid_pseudo(r, body + offsetof(struct scf_section, boot_id));
	}
	if (!has(r, ANA_REDACT_IDS))
		return;
	if (rec->type == SCF_REC_SYSCALL && rec->body_len >= SCF_SYSCALL_MIN) {
		id_pseudo(r, body + offsetof(struct scf_syscall, trace_id), 16);
		id_pseudo(r, body + offsetof(struct scf_syscall, span_id), 8);
	}
	if (rec->type == SCF_REC_THREAD_CTX && rec->body_len >= SCF_THREAD_CTX_MIN) {
		id_pseudo(r, body + offsetof(struct scf_thread_ctx, trace_id), 16);
		id_pseudo(r, body + offsetof(struct scf_thread_ctx, span_id), 8);
	}
}

size_t ana_redact_record(struct ana_redactor *r, const struct scf_record *rec, uint8_t *buf,
			 size_t bufsz)
{
	uint8_t body[SCF_REC_MAX];
	struct scf_rec_builder b;
	struct scf_item_iter it;
	const uint8_t *d;
	uint16_t tag, len;
	bool cut = false;

	if (!r) {
		scf_rb_begin(&b, buf, bufsz, rec->type, rec->flags, rec->body, rec->body_len);
		scf_items_begin(rec, &it);
		while (scf_items_next(&it, &tag, &d, &len) == 1)
			scf_rb_item(&b, tag, d, len);
		return scf_rb_end(&b);
	}
	body_rewrite(r, rec, body);
	scf_rb_begin(&b, buf, bufsz, rec->type, rec->flags, body, rec->body_len);
	scf_items_begin(rec, &it);
	while (scf_items_next(&it, &tag, &d, &len) == 1) {
		long n = item_rewrite(r, rec, tag, d, len, &cut);

		if (n < 0)
			continue;
		scf_rb_item(&b, tag, r->item, (size_t)n);
	}
	if (cut)
		scf_rb_flags(&b, SCF_THREAD_CTX_F_TRUNCATED);
	return scf_rb_end(&b);
}
