// SPDX-License-Identifier: BSD-2-Clause
/* tls_resolve.c - per-process resolution of otel_thread_ctx_v1 (x86_64, glibc and musl). */
#include "tls_resolve.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_cache.h"
#include "proc_maps.h"
#include "resolve_internal.h"

#define LINK_MAP_MAX 4096 /* link_map entries walked per namespace */
#define NAMESPACES_MAX 16 /* r_debug_extended chain */
#define DYN_READ_MAX 4096 /* dynamic entries read from the executable */
#define TDB_FIELD_OFFSET_MAX 0x10000

/* Appends "; text" (or "text" when empty) to a reason buffer. */
__attribute__((format(printf, 3, 4))) static void reason_add(char *r, size_t len, const char *fmt,
							     ...)
{
	size_t used;
	va_list ap;

	if (!r || !len)
		return;
	used = strnlen(r, len);
	if (used + 3 >= len)
		return;
	if (used) {
		memcpy(r + used, "; ", 2);
		used += 2;
		r[used] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(r + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct tlsres_dtv_layout tlsres_dtv_layout_for(enum tlsres_libc libc)
{
	struct tlsres_dtv_layout l = {
	    .tp_offset = 8,
	    .entry_size = 16,
	    .count_offset = -16,
	    .minus1_unallocated = true,
	};

	if (libc == TLSRES_LIBC_MUSL) {
		l.entry_size = 8;
		l.count_offset = 0;
		l.minus1_unallocated = false;
	}
	return l;
}

enum tlsres_libc tlsres_libc_from_path(const char *path)
{
	const char *b = base_name(path);

	/* ld-musl-x86_64.so.1 is often a symlink: maps then show the target, e.g. Debian's
	 * /usr/lib/x86_64-linux-musl/libc.so. */
	if (strstr(path, "ld-musl") || strstr(path, "libc.musl") || strstr(path, "-linux-musl/") ||
	    strstr(path, "/musl/"))
		return TLSRES_LIBC_MUSL;
	if (!strncmp(b, "libc.so", 7) || !strncmp(b, "libc-2.", 7) || !strncmp(b, "ld-linux", 8))
		return TLSRES_LIBC_GLIBC;
	return TLSRES_LIBC_UNKNOWN;
}

/* A TP-relative offset is plausible only below TP and within a few GiB of it. */
static bool static_offset_ok(int64_t off)
{
	return off <= -(int64_t)ELFTLS_SYMBOL_SIZE && off >= -TLSRES_STATIC_SPAN;
}

static bool dynamic_ok(uint64_t modid, uint64_t off, const struct elftls_info *def)
{
	return modid >= 1 && modid <= TLSRES_MODID_MAX && off < def->tls_memsz &&
	       ELFTLS_SYMBOL_SIZE <= def->tls_memsz - off;
}

static void set_static(const struct tlsres_process *proc, struct tlsres_resolution *res,
		       enum tlsres_route route, int64_t off)
{
	memset(res, 0, sizeof(*res));
	res->kind = TLSRES_KIND_STATIC;
	res->route = route;
	res->tp_offset = off;
	res->dtv = tlsres_dtv_layout_for(proc->libc);
}

static void set_dtv(const struct tlsres_process *proc, struct tlsres_resolution *res,
		    enum tlsres_route route, uint64_t modid, uint64_t off)
{
	memset(res, 0, sizeof(*res));
	res->kind = TLSRES_KIND_DTV;
	res->route = route;
	res->module_id = modid;
	res->offset_in_block = off;
	res->dtv = tlsres_dtv_layout_for(proc->libc);
}

/*
 * Follows one relocation: rel belongs to module `via` (bias via_bias); def describes the module
 * that defines the variable (for bounds). ref selects the REF_* routes. Returns 0, -EBADMSG
 * (implausible value, explained), or -EFAULT.
 */
static int follow_reloc(const struct tlsres_process *proc, const struct elftls_reloc *rel,
			const char *via_name, uint64_t via_bias, const struct elftls_info *def,
			bool ref, struct tlsres_resolution *res, char *reason, size_t reasonlen)
{
	char err[256] = "";
	uint64_t got = via_bias + rel->got, v, modid, off;
	int rc;

	switch (rel->model) {
	case ELFTLS_MODEL_TLSDESC:
		rc = tmem__rd64(proc->mem, got + 8, &v, err, sizeof(err));
		if (rc) {
			reason_add(reason, reasonlen, "%s: TLSDESC descriptor at 0x%" PRIx64 ": %s",
				   via_name, got, err);
			return rc;
		}
		if ((int64_t)v < 0) {
			if (!static_offset_ok((int64_t)v)) {
				reason_add(reason, reasonlen,
					   "%s: TLSDESC arg at 0x%" PRIx64 " is %" PRId64
					   ", not a plausible TP offset",
					   via_name, got + 8, (int64_t)v);
				return -EBADMSG;
			}
			set_static(proc, res,
				   ref ? TLSRES_ROUTE_REF_TLSDESC_STATIC
				       : TLSRES_ROUTE_TLSDESC_STATIC,
				   (int64_t)v);
			return 0;
		}
		/* Dynamic: v points at {modid, offset} (or, lazily bound, at an Elf64_Rela). */
		rc = tmem__rd64(proc->mem, v, &modid, err, sizeof(err));
		if (!rc)
			rc = tmem__rd64(proc->mem, v + 8, &off, err, sizeof(err));
		if (rc) {
			reason_add(reason, reasonlen,
				   "%s: TLSDESC arg 0x%" PRIx64 " (from 0x%" PRIx64
				   ") is not a readable {modid, offset}: %s",
				   via_name, v, got + 8, err);
			return rc == -EFAULT ? -EBADMSG : rc;
		}
		if (!dynamic_ok(modid, off, def)) {
			reason_add(reason, reasonlen,
				   "%s: TLSDESC arg 0x%" PRIx64 " holds {modid %" PRIu64
				   ", offset %" PRIu64
				   "}: expected 1 <= modid <= %d and offset + 8 "
				   "<= p_memsz %" PRIu64 " (unresolved lazy descriptor or garbage)",
				   via_name, v, modid, off, TLSRES_MODID_MAX, def->tls_memsz);
			return -EBADMSG;
		}
		set_dtv(proc, res,
			ref ? TLSRES_ROUTE_REF_TLSDESC_DYNAMIC : TLSRES_ROUTE_TLSDESC_DYNAMIC,
			modid, off);
		return 0;
	case ELFTLS_MODEL_GD:
		rc = tmem__rd64(proc->mem, got, &modid, err, sizeof(err));
		if (!rc)
			rc = tmem__rd64(proc->mem, via_bias + rel->got_off, &off, err, sizeof(err));
		if (rc) {
			reason_add(reason, reasonlen, "%s: GD GOT at 0x%" PRIx64 ": %s", via_name,
				   got, err);
			return rc;
		}
		if (!dynamic_ok(modid, off, def)) {
			reason_add(reason, reasonlen,
				   "%s: GD GOT at 0x%" PRIx64 " holds {modid %" PRIu64
				   ", offset %" PRIu64
				   "}: expected 1 <= modid <= %d and offset + 8 "
				   "<= p_memsz %" PRIu64,
				   via_name, got, modid, off, TLSRES_MODID_MAX, def->tls_memsz);
			return -EBADMSG;
		}
		set_dtv(proc, res, ref ? TLSRES_ROUTE_REF_GD : TLSRES_ROUTE_GD, modid, off);
		return 0;
	case ELFTLS_MODEL_IE:
		rc = tmem__rd64(proc->mem, got, &v, err, sizeof(err));
		if (rc) {
			reason_add(reason, reasonlen, "%s: IE GOT at 0x%" PRIx64 ": %s", via_name,
				   got, err);
			return rc;
		}
		if (!static_offset_ok((int64_t)v)) {
			reason_add(reason, reasonlen,
				   "%s: IE GOT at 0x%" PRIx64 " holds %" PRId64
				   ", not a plausible TP offset (unrelocated or garbage)",
				   via_name, got, (int64_t)v);
			return -EBADMSG;
		}
		set_static(proc, res, ref ? TLSRES_ROUTE_REF_IE : TLSRES_ROUTE_IE, (int64_t)v);
		return 0;
	case ELFTLS_MODEL_NONE:
		break;
	}
	return -ENOENT;
}

/* X of the local-exec formula: the distance from the start of the executable's block to TP. */
static uint64_t le_block_size(const struct elftls_info *info)
{
	uint64_t align = info->tls_align ? info->tls_align : 1;

	return info->tls_memsz + ((0 - (info->tls_vaddr + info->tls_memsz)) & (align - 1));
}

static bool tdb_field_ok(const uint32_t d[3])
{
	/* {bits, count, byte offset}: one 64-bit field at a sane offset. */
	return d[0] == 64 && d[1] <= 1 && d[2] < TDB_FIELD_OFFSET_MAX;
}

/* Finds DT_DEBUG's value in the executable's loaded dynamic section. */
static int exe_r_debug(const struct tlsres_process *proc, uint64_t *r_debug, char *reason,
		       size_t reasonlen)
{
	const struct tlsres_module *exe = &proc->mods[proc->exe];
	const struct elftls_info *ei = exe->info;
	uint64_t n = ei->dynamic_memsz / 16, addr = exe->bias + ei->dynamic_vaddr;
	char err[256] = "";

	if (!ei->has_dynamic || !ei->has_dt_debug) {
		reason_add(reason, reasonlen, "link_map: %s has no DT_DEBUG", base_name(exe->path));
		return -ENOENT;
	}
	if (n > DYN_READ_MAX)
		n = DYN_READ_MAX;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag, val;
		int rc = tmem__rd64(proc->mem, addr + i * 16, &tag, err, sizeof(err));

		if (!rc)
			rc = tmem__rd64(proc->mem, addr + i * 16 + 8, &val, err, sizeof(err));
		if (rc) {
			reason_add(reason, reasonlen, "link_map: dynamic section: %s", err);
			return rc;
		}
		if (tag == 0)
			break;
		if (tag == 21 /* DT_DEBUG */) {
			if (!val) {
				reason_add(reason, reasonlen,
					   "link_map: DT_DEBUG of %s is 0 (no dynamic loader)",
					   base_name(exe->path));
				return -ENOENT;
			}
			*r_debug = val;
			return 0;
		}
	}
	reason_add(reason, reasonlen, "link_map: DT_DEBUG not found in the loaded dynamic section");
	return -ENOENT;
}

/* Finds the link_map of the module with l_addr == bias; fills its TLS offset and module id. */
static int link_map_lookup(const struct tlsres_process *proc, uint64_t bias, uint64_t *tls_off,
			   uint64_t *modid, char *reason, size_t reasonlen)
{
	const struct elftls_info *tdb = proc->tdb;
	uint64_t rd, walked = 0;
	char err[256] = "";
	int rc;

	if (proc->libc != TLSRES_LIBC_GLIBC) {
		reason_add(reason, reasonlen, "link_map: not glibc");
		return -ENOENT;
	}
	if (!tdb || !tdb_field_ok(tdb->tdb_l_tls_offset) || !tdb_field_ok(tdb->tdb_l_tls_modid)) {
		reason_add(reason, reasonlen,
			   "link_map: the target's libc has no usable "
			   "_thread_db_link_map_l_tls_offset/_modid descriptors");
		return -ENOENT;
	}
	if (proc->exe < 0) {
		reason_add(reason, reasonlen, "link_map: executable not identified");
		return -ENOENT;
	}
	rc = exe_r_debug(proc, &rd, reason, reasonlen);
	if (rc)
		return rc;
	for (int ns = 0; rd && ns < NAMESPACES_MAX; ns++) {
		uint32_t version;
		uint64_t lm, next_ns = 0;

		rc = tmem__rd32(proc->mem, rd, &version, err, sizeof(err));
		if (!rc)
			rc = tmem__rd64(proc->mem, rd + 8, &lm, err, sizeof(err));
		if (!rc && version >= 2)
			rc = tmem__rd64(proc->mem, rd + 40, &next_ns, err, sizeof(err));
		if (rc) {
			reason_add(reason, reasonlen, "link_map: r_debug at 0x%" PRIx64 ": %s", rd,
				   err);
			return rc;
		}
		for (int i = 0; lm && i < LINK_MAP_MAX; i++, walked++) {
			uint64_t l_addr, l_next;

			rc = tmem__rd64(proc->mem, lm, &l_addr, err, sizeof(err));
			if (!rc)
				rc = tmem__rd64(proc->mem, lm + 24, &l_next, err, sizeof(err));
			if (rc) {
				reason_add(reason, reasonlen,
					   "link_map: entry at 0x%" PRIx64 ": %s", lm, err);
				return rc;
			}
			if (l_addr == bias) {
				rc = tmem__rd64(proc->mem, lm + tdb->tdb_l_tls_offset[2], tls_off,
					       err, sizeof(err));
				if (!rc)
					rc = tmem__rd64(proc->mem, lm + tdb->tdb_l_tls_modid[2],
						       modid, err, sizeof(err));
				if (rc) {
					reason_add(reason, reasonlen,
						   "link_map: TLS fields of 0x%" PRIx64 ": %s", lm,
						   err);
					return rc;
				}
				return 0;
			}
			lm = l_next;
		}
		rd = next_ns;
	}
	reason_add(reason, reasonlen,
		   "glibc link_map has no entry with l_addr=0x%" PRIx64 " (%" PRIu64 " walked)",
		   bias, walked);
	return -ENOENT;
}

static int via_link_map(const struct tlsres_process *proc, const struct tlsres_module *m,
			struct tlsres_resolution *res, char *reason, size_t reasonlen)
{
	uint64_t tls_off, modid;
	int64_t off;
	int rc = link_map_lookup(proc, m->bias, &tls_off, &modid, reason, reasonlen);

	if (rc)
		return rc;
	if (modid == 0) {
		reason_add(reason, reasonlen, "link_map: l_tls_modid is 0 (no TLS registered)");
		return -EBADMSG;
	}
	if (tls_off == 0 && proc->exe >= 0 && m == &proc->mods[proc->exe]) {
		/*
		 * NO_TLS_OFFSET on the executable: its TLS is always static, so the dynamic loader
		 * has not placed it yet (startup in progress). Not a route: the later ones apply.
		 */
		reason_add(reason, reasonlen,
			   "link_map: the executable's l_tls_offset is not assigned yet");
		return -EAGAIN;
	}
	if (tls_off == UINT64_MAX || tls_off == 0) {
		/* FORCED_DYNAMIC_TLS_OFFSET, or NO_TLS_OFFSET on a module loaded later (dlopen
		 * without static TLS): the block lives in the DTV. */
		if (modid > TLSRES_MODID_MAX) {
			reason_add(reason, reasonlen, "link_map: l_tls_modid %" PRIu64 " above %d",
				   modid, TLSRES_MODID_MAX);
			return -EBADMSG;
		}
		set_dtv(proc, res, TLSRES_ROUTE_LINK_MAP_DTV, modid, m->info->sym_value);
		return 0;
	}
	/* Static TLS: the block starts at TP - l_tls_offset. */
	if (tls_off > (uint64_t)TLSRES_STATIC_SPAN) {
		reason_add(reason, reasonlen, "link_map: l_tls_offset %" PRIu64 " is implausible",
			   tls_off);
		return -EBADMSG;
	}
	off = -(int64_t)tls_off + (int64_t)m->info->sym_value;
	if (!static_offset_ok(off)) {
		reason_add(reason, reasonlen,
			   "link_map: l_tls_offset %" PRIu64 " - S %" PRIu64 " is not below TP",
			   tls_off, m->info->sym_value);
		return -EBADMSG;
	}
	set_static(proc, res, TLSRES_ROUTE_LINK_MAP_STATIC, off);
	return 0;
}

int tlsres_resolve_module(const struct tlsres_process *proc, size_t idx,
			  struct tlsres_resolution *res, char *reason, size_t reasonlen)
{
	const struct tlsres_module *m = &proc->mods[idx];
	const struct elftls_info *info = m->info;
	const char *name = base_name(m->path);
	size_t n_def = 0;
	int rc, worst = -ENOENT;

	if (reason && reasonlen)
		reason[0] = '\0';
	memset(res, 0, sizeof(*res));
	if (!info->defines) {
		reason_add(reason, reasonlen, "%s: does not define %s", name, ELFTLS_SYMBOL);
		return -ENOENT;
	}
	/* 1. The module's own relocation. */
	if (info->def.model != ELFTLS_MODEL_NONE) {
		rc = follow_reloc(proc, &info->def, name, m->bias, info, false, res, reason,
				  reasonlen);
		if (!rc)
			return 0;
		worst = rc;
	} else {
		reason_add(reason, reasonlen, "%s: %s has no TLS relocation", name, ELFTLS_SYMBOL);
	}
	/* 2. glibc's link_map. */
	if (!proc->no_link_map) {
		rc = via_link_map(proc, m, res, reason, reasonlen);
		if (!rc)
			return 0;
		if (rc != -ENOENT)
			worst = rc;
	}
	/* 3. Another module's relocation on the name: only unambiguous with one definer. */
	for (size_t i = 0; i < proc->n_mods; i++)
		if (proc->mods[i].info && proc->mods[i].info->defines)
			n_def++;
	for (size_t k = 0; k <= proc->n_mods; k++) {
		/* The executable first (its references are the usual ones), then the others. */
		size_t i;
		const struct tlsres_module *o;

		if (k == 0) {
			if (proc->exe < 0)
				continue;
			i = (size_t)proc->exe;
		} else {
			i = k - 1;
			if (proc->exe >= 0 && i == (size_t)proc->exe)
				continue;
		}
		o = &proc->mods[i];
		if (i == idx || !o->info || !o->info->references ||
		    o->info->ref.model == ELFTLS_MODEL_NONE)
			continue;
		if (n_def > 1) {
			reason_add(reason, reasonlen, "%s references %s but %zu modules define it",
				   base_name(o->path), ELFTLS_SYMBOL, n_def);
			break;
		}
		rc = follow_reloc(proc, &o->info->ref, base_name(o->path), o->bias, info, true, res,
				  reason, reasonlen);
		if (!rc)
			return 0;
		worst = rc;
	}
	/* 4. Local-exec, for the executable only. */
	if (info->executable && (proc->exe < 0 || (size_t)proc->exe == idx)) {
		uint64_t x = le_block_size(info);
		int64_t off = -(int64_t)x + (int64_t)info->sym_value;

		if (x > (uint64_t)TLSRES_STATIC_SPAN || !static_offset_ok(off)) {
			reason_add(reason, reasonlen,
				   "%s: local-exec offset -%" PRIu64 " + %" PRIu64
				   " is implausible",
				   name, x, info->sym_value);
			return -EBADMSG;
		}
		set_static(proc, res, TLSRES_ROUTE_LE, off);
		return 0;
	}
	reason_add(reason, reasonlen, "%s: not the executable, so local-exec does not apply", name);
	return worst;
}

int tlsres_var_addr(const struct tlsres_resolution *res, struct tmem *mem, uint64_t tp,
		    uint64_t *addr, char *err, size_t errlen)
{
	const struct tlsres_dtv_layout *l = &res->dtv;
	uint64_t dtv, count, block;
	int rc;

	switch (res->kind) {
	case TLSRES_KIND_STATIC:
		*addr = tp + (uint64_t)res->tp_offset;
		return 0;
	case TLSRES_KIND_DTV:
		rc = tmem__rd64(mem, tp + (uint64_t)(int64_t)l->tp_offset, &dtv, err, errlen);
		if (rc)
			return rc;
		if (!dtv) {
			scf_errf(err, errlen, "TP 0x%" PRIx64 ": DTV pointer is NULL", tp);
			return -ENOENT;
		}
		rc = tmem__rd64(mem, dtv + (uint64_t)(int64_t)l->count_offset, &count, err, errlen);
		if (rc)
			return rc;
		if (res->module_id > count) {
			scf_errf(
			    err, errlen,
			    "TP 0x%" PRIx64 ": module %" PRIu64 " is beyond the %" PRIu64
			    " DTV slots (module loaded after this thread last updated its DTV)",
			    tp, res->module_id, count);
			return -ENOENT;
		}
		rc = tmem__rd64(mem, dtv + l->entry_size * res->module_id, &block, err, errlen);
		if (rc)
			return rc;
		if (!block || (l->minus1_unallocated && block == UINT64_MAX)) {
			scf_errf(err, errlen,
				 "TP 0x%" PRIx64 ": DTV slot %" PRIu64 " is %s (not allocated for "
				 "this thread)",
				 tp, res->module_id, block ? "-1" : "0");
			return -ENOENT;
		}
		*addr = block + res->offset_in_block;
		return 0;
	case TLSRES_KIND_NONE:
		break;
	}
	scf_errf(err, errlen, "no resolution");
	return -EINVAL;
}

int tlsres_record_ptr(const struct tlsres_resolution *res, struct tmem *mem, uint64_t tp,
		      uint64_t *record, char *err, size_t errlen)
{
	uint64_t addr;
	int rc = tlsres_var_addr(res, mem, tp, &addr, err, errlen);

	if (rc)
		return rc;
	return tmem__rd64(mem, addr, record, err, errlen);
}

/* Reads /proc/PID/exe's target without a " (deleted)" suffix. */
static void exe_path(pid_t pid, char *buf, size_t len)
{
	char link[64];
	ssize_t n;
	static const char del[] = " (deleted)";

	buf[0] = '\0';
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, buf, len - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((size_t)n > sizeof(del) - 1 && !strcmp(buf + n - (sizeof(del) - 1), del))
		buf[n - (sizeof(del) - 1)] = '\0';
}

int tlsres_resolve_pid(pid_t pid, const struct tlsres_opts *opts, struct tlsres_report *rep,
		       char *err, size_t errlen)
{
	const struct pmaps *maps;
	struct pmaps *own_maps = NULL;
	struct pmaps_module *mods = NULL;
	struct elftls_info *infos = NULL;
	struct tlsres_module *tm = NULL;
	struct tlsres_process proc;
	struct tmem *own_mem = NULL;
	char exe[PATH_MAX];
	size_t n = 0, nt = 0;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->chosen = -1;
	memset(&proc, 0, sizeof(proc));
	proc.exe = -1;
	if (opts && opts->maps) {
		maps = opts->maps;
	} else {
		maps = own_maps = pmaps__read(pid, 0, err, errlen);
		if (!maps)
			return -errno;
	}
	rc = pmaps__modules(maps, &mods, &n);
	if (rc) {
		scf_errf(err, errlen, "pid %d: out of memory", (int)pid);
		goto out;
	}
	rep->n_modules = n;
	proc.no_link_map = opts && opts->no_link_map;
	if (opts && opts->mem) {
		proc.mem = opts->mem;
	} else {
		proc.mem = own_mem = tmem__open(pid, err, errlen);
		if (!proc.mem) {
			rc = -errno;
			goto out;
		}
	}
	infos = calloc(n ? n : 1, sizeof(*infos));
	tm = calloc(n ? n : 1, sizeof(*tm));
	if (!infos || !tm) {
		rc = -ENOMEM;
		scf_errf(err, errlen, "pid %d: out of memory", (int)pid);
		goto out;
	}
	exe_path(pid, exe, sizeof(exe));
	for (size_t i = 0; i < n; i++) {
		char e[TLSRES_REASON_MAX] = "";
		enum tlsres_libc lc = tlsres_libc_from_path(mods[i].path);
		struct elftls_info *info = &infos[nt];

		if (lc != TLSRES_LIBC_UNKNOWN && proc.libc == TLSRES_LIBC_UNKNOWN)
			proc.libc = lc;
		rc = elfcache__read_module(opts ? opts->cache : NULL, pid, &mods[i], info, e,
					   sizeof(e));
		if (rc) {
			if (!rep->n_unreadable++)
				snprintf(rep->first_unreadable, sizeof(rep->first_unreadable), "%s",
					 e);
			continue;
		}
		tm[nt].path = mods[i].path;
		tm[nt].info = info;
		tm[nt].bias = pmaps_load_bias(mods[i].base_start, mods[i].base_offset,
					      info->load_vaddr, info->load_offset);
		if (proc.exe < 0 && exe[0] && !strcmp(exe, mods[i].path))
			proc.exe = (ssize_t)nt;
		if (info->has_tdb && !proc.tdb)
			proc.tdb = info;
		nt++;
	}
	if (proc.exe < 0)
		for (size_t i = 0; i < nt; i++)
			if (tm[i].info->executable) {
				proc.exe = (ssize_t)i;
				break;
			}
	rep->exe_defines_none = proc.exe >= 0 && !tm[proc.exe].info->defines;
	proc.mods = tm;
	proc.n_mods = nt;
	rep->libc = proc.libc;

	for (size_t i = 0; i < nt; i++) {
		struct tlsres_candidate *c;

		if (!tm[i].info->defines)
			continue;
		rep->n_defining++;
		if (rep->n >= TLSRES_MAX_CANDIDATES)
			continue;
		c = &rep->cand[rep->n++];
		snprintf(c->path, sizeof(c->path), "%s", tm[i].path);
		c->bias = tm[i].bias;
		c->is_exe = proc.exe == (ssize_t)i;
		c->status = tlsres_resolve_module(&proc, i, &c->res, c->reason, sizeof(c->reason));
	}
	rep->ambiguous = rep->n_defining > 1;
	for (size_t i = 0; i < rep->n; i++)
		if (!rep->cand[i].status && (rep->chosen < 0 || rep->cand[i].is_exe))
			rep->chosen = (int)i;
	if (rep->chosen >= 0) {
		rc = 0;
	} else if (!rep->n) {
		const char *rej = NULL;

		for (size_t i = 0; i < nt && !rej; i++)
			if (tm[i].info->rejected[0])
				rej = tm[i].info->rejected;
		rc = -ENOENT;
		/* No module count: a process that loads one library after another is described
		 * again only when what it says of the context changes (capture.c describe_hash). */
		scf_errf(err, errlen, "pid %d: no mapped module defines %s%s%s%s%s%s", (int)pid,
			 ELFTLS_SYMBOL, rej ? " (" : "", rej ? rej : "", rej ? ")" : "",
			 rep->n_unreadable ? "; unreadable: " : "",
			 rep->n_unreadable ? rep->first_unreadable : "");
	} else {
		rc = rep->cand[0].status;
		if (rc != -EFAULT && rc != -EBADMSG)
			rc = -ENOENT;
		scf_errf(err, errlen, "pid %d: %s", (int)pid, rep->cand[0].reason);
	}
out:
	tmem__free(own_mem);
	free(tm);
	free(infos);
	free(mods);
	pmaps__free(own_maps);
	return rc;
}

int tlsres_report_prefer_valid(struct tlsres_report *rep, struct tmem *mem, const uint64_t *tps,
			       size_t n_tps)
{
	for (size_t i = 0; i < rep->n; i++) {
		if (rep->cand[i].status)
			continue;
		for (size_t t = 0; t < n_tps; t++) {
			uint64_t rec;
			uint8_t valid;

			if (tlsres_record_ptr(&rep->cand[i].res, mem, tps[t], &rec, NULL, 0) ||
			    !rec)
				continue;
			if (tmem__read(mem, rec + 24, &valid, 1, NULL, 0) || valid != 1)
				continue;
			rep->chosen = (int)i;
			return rep->chosen;
		}
	}
	return rep->chosen;
}

const char *tlsres_route_name(enum tlsres_route r)
{
	switch (r) {
#define TLSRES_ROUTE_NAME(id, name)                                                              \
	case TLSRES_ROUTE_##id:                                                                  \
		return name;
		TLSRES_ROUTES(TLSRES_ROUTE_NAME)
#undef TLSRES_ROUTE_NAME
	}
	return "?";
}

const char *tlsres_kind_name(enum tlsres_kind k)
{
	return k == TLSRES_KIND_STATIC ? "STATIC" : k == TLSRES_KIND_DTV ? "DTV" : "NONE";
}
