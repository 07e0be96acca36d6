// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_process_context.c - libFuzzer target: the OTEP 4719 process context reader. The input
 * is both a ProcessContext protobuf payload (pctx__decode) and a synthetic address space that
 * pctx__read_at() walks through a callback reader: the 32-byte OTEL_CTX header at its start,
 * the payload wherever the header's pointer says, and reads past the end of the input fail
 * like an unmapped page.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "process_context.h"

#define SPACE_BASE 0x10000ull

struct space {
	const uint8_t *data;
	size_t size;
	unsigned reads;
};

static ssize_t space_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct space *s = ctx;
	size_t n;

	s->reads++;
	if (addr < SPACE_BASE || addr - SPACE_BASE >= s->size)
		return -EFAULT;
	n = s->size - (size_t)(addr - SPACE_BASE);
	if (n > len)
		n = len;
	memcpy(buf, s->data + (addr - SPACE_BASE), n);
	return (ssize_t)n;
}

static void walk_values(const struct pctx_kv *kv, size_t n);

static void walk_value(const struct pctx_value *v)
{
	volatile size_t sink = 0;

	switch (v->type) {
	case PCTX_STRING:
	case PCTX_BYTES:
		sink += v->u.str.len ? (unsigned char)v->u.str.ptr[v->u.str.len - 1] : 0;
		sink += (unsigned char)v->u.str.ptr[v->u.str.len]; /* the NUL */
		break;
	case PCTX_ARRAY:
		for (size_t i = 0; i < v->u.array.n; i++)
			walk_value(&v->u.array.v[i]);
		break;
	case PCTX_KVLIST:
		walk_values(v->u.kvlist.v, v->u.kvlist.n);
		break;
	default:
		break;
	}
	(void)sink;
}

static void walk_values(const struct pctx_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(kv[i].key) > kv[i].key_len)
			__builtin_trap();
		walk_value(&kv[i].value);
	}
}

static void walk(const struct pctx *p)
{
	walk_values(p->resource, p->n_resource);
	walk_values(p->attrs, p->n_attrs);
	for (size_t i = 0; i < p->n_keys; i++)
		if (p->key_map[i])
			(void)strlen(p->key_map[i]);
	if (p->schema_version)
		(void)strlen(p->schema_version);
	pctx_find(p->attrs, p->n_attrs, PCTX_KEY_ATTRIBUTE_KEY_MAP);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pctx_read_opts opts = {.max_attempts = 3, .retry_us = 1};
	struct space s = {.data = data, .size = size};
	struct tmem *mem;
	struct pctx *p;
	char err[256] = "";

	errno = 0;
	p = pctx__decode(data, size, err, sizeof(err));
	if (p) {
		walk(p);
		pctx__free(p);
	} else if (!err[0] || errno == 0) {
		__builtin_trap(); /* a failure always says why */
	}

	mem = tmem__open_cb(space_read, &s);
	if (!mem)
		return 0;
	p = pctx__read_at(mem, SPACE_BASE, &opts, err, sizeof(err));
	if (p) {
		walk(p);
		pctx__free(p);
	}
	tmem__free(mem);
	return 0;
}
