// SPDX-License-Identifier: BSD-2-Clause
/*
 * ctx_source.c - ctx_source.h on top of the resolver library (tls_resolve.h,
 * process_context.h): the only file of the capture core that knows the resolver's types.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_source.h"
#include "elf_cache.h"
#include "proc_maps.h"
#include "process_context.h"
#include "target_memory.h"
#include "spancap_file.h"
#include "tls_resolve.h"

static uint8_t model_of(const struct tlsres_resolution *res, enum tlsres_libc libc)
{
	switch (res->route) {
	case TLSRES_ROUTE_TLSDESC_STATIC:
	case TLSRES_ROUTE_REF_TLSDESC_STATIC:
		return SCF_TLS_TLSDESC_STATIC;
	case TLSRES_ROUTE_TLSDESC_DYNAMIC:
	case TLSRES_ROUTE_REF_TLSDESC_DYNAMIC:
		return libc == TLSRES_LIBC_MUSL ? SCF_TLS_MUSL_DYNAMIC : SCF_TLS_TLSDESC_DYNAMIC;
	case TLSRES_ROUTE_GD:
	case TLSRES_ROUTE_REF_GD:
		return libc == TLSRES_LIBC_MUSL ? SCF_TLS_MUSL_DYNAMIC : SCF_TLS_GENERAL_DYNAMIC;
	case TLSRES_ROUTE_IE:
	case TLSRES_ROUTE_REF_IE:
		return SCF_TLS_INITIAL_EXEC;
	case TLSRES_ROUTE_LINK_MAP_STATIC:
		return SCF_TLS_LINK_MAP_STATIC;
	case TLSRES_ROUTE_LINK_MAP_DTV:
		return SCF_TLS_LINK_MAP_DYNAMIC;
	case TLSRES_ROUTE_LE:
		return SCF_TLS_LOCAL_EXEC;
	case TLSRES_ROUTE_NONE:
		break;
	}
	return SCF_TLS_NONE;
}

static void cfg_of(const struct tlsres_resolution *res, struct sc_proc_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	if (res->kind == TLSRES_KIND_STATIC) {
		cfg->kind = SC_TLS_STATIC;
		cfg->tp_offset = res->tp_offset;
	} else if (res->kind == TLSRES_KIND_DTV) {
		cfg->kind = SC_TLS_DTV;
		cfg->module_id = res->module_id;
		cfg->offset = res->offset_in_block;
		cfg->dtv_off = res->dtv.tp_offset;
		cfg->dtv_stride = res->dtv.entry_size;
		cfg->dtv_count_off = res->dtv.count_offset;
		if (res->dtv.count_offset != 0)
			cfg->flags |= SC_CFG_F_DTV_COUNT;
		if (res->dtv.minus1_unallocated)
			cfg->flags |= SC_CFG_F_DTV_MINUS1;
	}
}

/* ---- process context -> formats/ attribute lists ------------------------------------------ */

static int append_value(uint8_t *buf, size_t cap, size_t *len, const char *key, size_t key_len,
			const struct pctx_value *v, int depth);

static int append_list(uint8_t *buf, size_t cap, size_t *len, const struct pctx_kv *kv, size_t n,
		       int depth)
{
	for (size_t i = 0; i < n; i++) {
		int err = append_value(buf, cap, len, kv[i].key, kv[i].key_len, &kv[i].value, depth);
		if (err)
			return err;
	}
	return 0;
}

static int append_value(uint8_t *buf, size_t cap, size_t *len, const char *key, size_t key_len,
			const struct pctx_value *v, int depth)
{
	uint8_t b;
	uint8_t *sub;
	size_t sub_len = 0;
	int err = 0;

	switch (v->type) {
	case PCTX_STRING:
		return scf_attrs_append(buf, cap, len, SCF_VAL_STRING, key, key_len, v->u.str.ptr,
					v->u.str.len);
	case PCTX_BYTES:
		return scf_attrs_append(buf, cap, len, SCF_VAL_BYTES, key, key_len, v->u.str.ptr,
					v->u.str.len);
	case PCTX_BOOL:
		b = v->u.b;
		return scf_attrs_append(buf, cap, len, SCF_VAL_BOOL, key, key_len, &b, 1);
	case PCTX_INT:
		return scf_attrs_append(buf, cap, len, SCF_VAL_INT, key, key_len, &v->u.i, 8);
	case PCTX_DOUBLE:
		return scf_attrs_append(buf, cap, len, SCF_VAL_DOUBLE, key, key_len, &v->u.d, 8);
	case PCTX_ARRAY:
	case PCTX_KVLIST:
		if (depth + 1 >= SCF_ATTR_MAX_DEPTH)
			return 0; /* deeper than the format allows: dropped */
		sub = malloc(cap);
		if (!sub)
			return -ENOMEM;
		if (v->type == PCTX_ARRAY) {
			for (size_t i = 0; i < v->u.array.n && !err; i++)
				err = append_value(sub, cap, &sub_len, "", 0, &v->u.array.v[i],
						   depth + 1);
		} else {
			err = append_list(sub, cap, &sub_len, v->u.kvlist.v, v->u.kvlist.n,
					  depth + 1);
		}
		if (!err)
			err = scf_attrs_append(buf, cap, len,
					       v->type == PCTX_ARRAY ? SCF_VAL_ARRAY : SCF_VAL_KVLIST,
					       key, key_len, sub, sub_len);
		free(sub);
		return err;
	case PCTX_EMPTY:
		break;
	}
	return 0;
}

static void take_pctx(struct ctxsrc_result *out, const struct pctx *p)
{
	out->has_pctx = true;
	out->ctx_version = p->version;
	out->ctx_published_ns = p->published_at_ns;
	if (p->schema_version)
		snprintf(out->schema_version, sizeof(out->schema_version), "%s", p->schema_version);
	/* Lists that do not fit are cut at a whole entry by scf_attrs_append (-ENOSPC). */
	append_list(out->resource, sizeof(out->resource), &out->resource_len, p->resource,
		    p->n_resource, 0);
	append_list(out->extra, sizeof(out->extra), &out->extra_len, p->attrs, p->n_attrs, 0);
	if (p->n_keys) {
		/* one allocation: the pointer array, then the strings */
		size_t sz = p->n_keys * sizeof(char *);
		for (size_t i = 0; i < p->n_keys; i++)
			sz += (p->key_map[i] ? strlen(p->key_map[i]) : 0) + 1;
		char **keys = malloc(sz);
		if (!keys)
			return;
		char *s = (char *)(keys + p->n_keys);
		for (size_t i = 0; i < p->n_keys; i++) {
			const char *k = p->key_map[i] ? p->key_map[i] : "";
			size_t l = strlen(k) + 1;
			memcpy(s, k, l);
			keys[i] = s;
			s += l;
		}
		out->keys = (const char **)keys;
		out->n_keys = p->n_keys;
		out->priv = keys;
	}
}

/*
 * The ELF facts of the modules already read, for every later resolution (a program spawned
 * again maps the same files). Made at the first resolution; ctxsrc_resolve() has one caller
 * thread.
 */
static struct elfcache *elf_cache;

int ctxsrc_resolve(pid_t pid, struct ctxsrc_result *out)
{
	struct tlsres_report *rep = NULL;
	char err[TLSRES_REASON_MAX] = "";
	char perr[256] = "";
	struct tmem *mem = NULL;
	struct pmaps *maps;
	struct pctx *p = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->status = SCF_CTX_NONE;

	mem = tmem__open(pid, perr, sizeof(perr));
	if (!mem) {
		rc = -errno;
		snprintf(out->reason, sizeof(out->reason), "cannot read process memory: %s", perr);
		out->status = SCF_CTX_ERROR;
		return rc == -ESRCH ? -ESRCH : 0;
	}
	if (!elf_cache)
		elf_cache = elfcache__new(0); /* NULL: every module is parsed at each resolution */
	/* Read once for both readers; when that fails each reads (and reports) it again. */
	maps = pmaps__read(pid, 0, perr, sizeof(perr));
	perr[0] = '\0';
	p = pctx__read_pid(pid, maps, mem, NULL, perr, sizeof(perr));
	if (p) {
		take_pctx(out, p);
		out->pctx_addr = p->header_addr;
	} else if (errno != ENOENT && errno != ESRCH) {
		/* a mapping named OTEL_CTX that is being written, or is not a context */
		out->pctx_unreadable = true;
	}

	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		out->status = SCF_CTX_ERROR;
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		goto out;
	}
	struct tlsres_opts ro = {.mem = mem, .maps = maps, .cache = elf_cache};
	rc = tlsres_resolve_pid(pid, &ro, rep, err, sizeof(err));
	if (rc == -ESRCH) {
		pctx__free(p);
		pmaps__free(maps);
		tmem__free(mem);
		free(rep);
		return -ESRCH;
	}
	out->exe_defines_none = rep->exe_defines_none;
	if (out->has_pctx && !strcmp(out->schema_version, "go_pprof_labels_v1")) {
		out->status = SCF_CTX_UNSUPPORTED;
		snprintf(out->reason, sizeof(out->reason),
			 "schema go_pprof_labels_v1: context lives in Go pprof labels, not in TLS");
		goto out;
	}
	if (rc == 0 && rep->chosen >= 0) {
		const struct tlsres_candidate *c = &rep->cand[rep->chosen];
		out->status = SCF_CTX_RESOLVED;
		out->tls_model = model_of(&c->res, rep->libc);
		cfg_of(&c->res, &out->cfg);
		snprintf(out->tls_module, sizeof(out->tls_module), "%s", c->path);
		out->exe_static_rule = c->is_exe && out->cfg.kind == SC_TLS_STATIC;
		if (rep->ambiguous)
			snprintf(out->reason, sizeof(out->reason),
				 "%zu modules define otel_thread_ctx_v1; using %s", rep->n_defining,
				 c->path);
	} else if (rep->n_defining == 0) {
		if (!out->has_pctx)
			out->status = SCF_CTX_NONE;
		else if (!out->schema_version[0])
			out->status = SCF_CTX_PENDING;
		else
			out->status = SCF_CTX_NO_SYMBOL;
		snprintf(out->reason, sizeof(out->reason), "%s",
			 err[0] ? err : "no module defines otel_thread_ctx_v1");
	} else {
		out->status = SCF_CTX_ERROR;
		snprintf(out->reason, sizeof(out->reason), "%s", err[0] ? err : "not resolved");
	}
out:
	pctx__free(p);
	pmaps__free(maps);
	tmem__free(mem);
	free(rep);
	return 0;
}

void ctxsrc_result_release(struct ctxsrc_result *r)
{
	if (!r)
		return;
	free(r->priv);
	r->priv = NULL;
	r->keys = NULL;
	r->n_keys = 0;
}

int ctxsrc_probe(pid_t pid, struct ctxsrc_probe *out)
{
	char err[128];
	const struct pmaps_entry *e;
	struct pmaps *maps;
	struct tmem *mem;
	size_t from = 0;

	memset(out, 0, sizeof(*out));
	maps = pmaps__read(pid, 0, err, sizeof(err));
	if (!maps)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : 0;
	e = pmaps__find_otel_ctx(maps, &from);
	if (e) {
		out->mapped = true;
		out->addr = e->start;
	}
	pmaps__free(maps);
	if (!out->mapped)
		return 0;
	mem = tmem__open(pid, err, sizeof(err));
	if (!mem)
		return errno == ESRCH ? -ESRCH : 0;
	if (tmem__rd64(mem, out->addr + 16, &out->published_ns, err, sizeof(err)))
		out->published_ns = 0;
	tmem__free(mem);
	return 0;
}
