// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_resolver_resolve.c - capture/resolver/tls_resolve.c on synthetic process state: every formula of
 * docs/TLS_RESOLUTION.md sections 3 to 6 (TLSDESC sign test, GD, IE, local-exec X, link_map,
 * DTV rules) against a fake address space, including the values a stale or garbage GOT holds.
 */
#include "test_resolver.h"

#include <errno.h>
#include <string.h>

#include "tls_resolve.h"

/* A sparse address space: a few 4 KiB regions. */
struct region {
	uint64_t base;
	uint8_t b[16384];
};

struct space {
	struct region r[6];
	size_t n;
};

static struct space sp;

static ssize_t space_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct space *s = ctx;

	for (size_t i = 0; i < s->n; i++) {
		uint64_t off = addr - s->r[i].base;

		if (addr < s->r[i].base || off >= sizeof(s->r[i].b))
			continue;
		if (len > sizeof(s->r[i].b) - off)
			len = sizeof(s->r[i].b) - off;
		memcpy(buf, s->r[i].b + off, len);
		return (ssize_t)len;
	}
	return -EFAULT;
}

static void sp_reset(void)
{
	memset(&sp, 0, sizeof(sp));
}

static void sp_map(uint64_t base)
{
	assert_true(sp.n < TR_N(sp.r));
	sp.r[sp.n++].base = base;
}

static void sp_put(uint64_t addr, uint64_t v)
{
	for (size_t i = 0; i < sp.n; i++)
		if (addr >= sp.r[i].base && addr - sp.r[i].base + 8 <= sizeof(sp.r[i].b)) {
			memcpy(sp.r[i].b + (addr - sp.r[i].base), &v, 8);
			return;
		}
	fail_msg("0x%llx is not mapped", (unsigned long long)addr);
}

#define LIB_BIAS 0x7f0000000000ull
#define EXE_BIAS 0x550000000000ull
#define HEAP 0x560000000000ull
#define TP 0x7f1000000000ull

struct fake_proc {
	struct elftls_info lib, exe, libc;
	struct tlsres_module mods[3];
	struct tlsres_process proc;
	struct tmem *mem;
};

/* A process with an executable, a library defining the variable (S = 0x10, memsz 0x20), and a
 * libc with the glibc 2.36 thread_db descriptors. */
static void fake_proc_init(struct fake_proc *f, enum tlsres_libc libc)
{
	memset(f, 0, sizeof(*f));
	sp_reset();
	sp_map(LIB_BIAS);
	sp_map(EXE_BIAS);
	sp_map(HEAP);
	sp_map(TP - 8192);
	f->lib.defines = true;
	f->lib.has_tls = true;
	f->lib.sym_value = 0x10;
	f->lib.tls_memsz = 0x20;
	f->lib.tls_align = 8;
	f->exe.executable = true;
	f->exe.has_dynamic = true;
	f->exe.has_dt_debug = true;
	f->exe.dynamic_vaddr = 0x100;
	f->exe.dynamic_memsz = 0x40;
	f->libc.has_tdb = true;
	f->libc.tdb_l_tls_offset[0] = 64;
	f->libc.tdb_l_tls_offset[1] = 1;
	f->libc.tdb_l_tls_offset[2] = 0x478;
	f->libc.tdb_l_tls_modid[0] = 64;
	f->libc.tdb_l_tls_modid[1] = 1;
	f->libc.tdb_l_tls_modid[2] = 0x480;
	f->mods[0] = (struct tlsres_module){.path = "/app/exe", .bias = EXE_BIAS, .info = &f->exe};
	f->mods[1] =
	    (struct tlsres_module){.path = "/lib/libfoo.so", .bias = LIB_BIAS, .info = &f->lib};
	f->mods[2] = (struct tlsres_module){
	    .path = "/lib/libc.so.6", .bias = 0x7f2000000000ull, .info = &f->libc};
	f->mem = tmem__open_cb(space_read, &sp);
	assert_non_null(f->mem);
	f->proc = (struct tlsres_process){
	    .mem = f->mem, .libc = libc, .mods = f->mods, .n_mods = 3, .exe = 0, .tdb = &f->libc};
}

static int resolve_lib(struct fake_proc *f, struct tlsres_resolution *res, char *reason)
{
	return tlsres_resolve_module(&f->proc, 1, res, reason, TR_ERRLEN);
}

static void set_reloc(struct elftls_reloc *r, enum elftls_model m, uint64_t got)
{
	r->model = m;
	r->table = ELFTLS_TABLE_RELA_DYN;
	r->got = got;
	r->got_off = got + 8;
}

/* The executable defines the variable too (S = 0x10, memsz 0x18), its PT_TLS at p_vaddr
 * tls_vaddr aligned to align. */
static void exe_defines(struct fake_proc *f, uint64_t tls_vaddr, uint64_t align)
{
	f->exe.defines = true;
	f->exe.has_tls = true;
	f->exe.sym_value = 0x10;
	f->exe.tls_memsz = 0x18;
	f->exe.tls_vaddr = tls_vaddr;
	f->exe.tls_align = align;
}

static void test_resolve_tlsdesc_sign_test(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_GLIBC);
	set_reloc(&f.lib.def, ELFTLS_MODEL_TLSDESC, 0x3000);
	/* Negative arg: a static TP offset. */
	sp_put(LIB_BIAS + 0x3008, (uint64_t)-0x90);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.kind, TLSRES_KIND_STATIC);
	assert_int_equal(res.route, TLSRES_ROUTE_TLSDESC_STATIC);
	assert_int_equal(res.tp_offset, -0x90);
	/* Non-negative arg: pointer to {modid, offset}. */
	sp_put(LIB_BIAS + 0x3008, HEAP + 0x40);
	sp_put(HEAP + 0x40, 3);
	sp_put(HEAP + 0x48, 0x10);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.kind, TLSRES_KIND_DTV);
	assert_int_equal(res.route, TLSRES_ROUTE_TLSDESC_DYNAMIC);
	assert_int_equal(res.module_id, 3);
	assert_int_equal(res.offset_in_block, 0x10);
	assert_int_equal(res.dtv.entry_size, 16);
	assert_int_equal(res.dtv.count_offset, -16);
	/* A descriptor below 4 GiB (non-PIE heap) is still a pointer, not an offset. */
	sp_map(0x4c0000);
	sp_put(LIB_BIAS + 0x3008, 0x4c0040);
	sp_put(0x4c0040, 1);
	sp_put(0x4c0048, 0x10);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.kind, TLSRES_KIND_DTV);
	assert_int_equal(res.module_id, 1);
	tmem__free(f.mem);
}

static void test_resolve_tlsdesc_lazy_or_garbage_rejected(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_MUSL); /* no link_map to fall back to */
	set_reloc(&f.lib.def, ELFTLS_MODEL_TLSDESC, 0x3000);
	/* Old glibc, lazily bound: arg points at the Elf64_Rela {r_offset, r_info, addend}. */
	sp_put(LIB_BIAS + 0x3008, LIB_BIAS + 0x500);
	sp_put(LIB_BIAS + 0x500, 0x3000);
	sp_put(LIB_BIAS + 0x508, (5ull << 32) | 36);
	assert_int_equal(resolve_lib(&f, &res, reason), -EBADMSG);
	assert_non_null(strstr(reason, "holds {modid 12288, offset 21474836516}"));
	assert_non_null(strstr(reason, "libfoo.so: not the executable"));
	/* Offset beyond p_memsz. */
	sp_put(LIB_BIAS + 0x500, 2);
	sp_put(LIB_BIAS + 0x508, 0x20);
	assert_int_equal(resolve_lib(&f, &res, reason), -EBADMSG);
	/* Module id 0. */
	sp_put(LIB_BIAS + 0x500, 0);
	sp_put(LIB_BIAS + 0x508, 0x10);
	assert_int_equal(resolve_lib(&f, &res, reason), -EBADMSG);
	/* Unreadable GOT. */
	set_reloc(&f.lib.def, ELFTLS_MODEL_TLSDESC, 0x100000);
	assert_int_equal(resolve_lib(&f, &res, reason), -EFAULT);
	assert_non_null(strstr(reason, "TLSDESC descriptor at 0x7f0000100000"));
	tmem__free(f.mem);
}

static void test_resolve_gd_and_ie(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_GLIBC);
	set_reloc(&f.lib.def, ELFTLS_MODEL_GD, 0x3000);
	f.lib.def.got_off = 0x3010; /* DTPOFF64 slot not adjacent */
	sp_put(LIB_BIAS + 0x3000, 2);
	sp_put(LIB_BIAS + 0x3010, 0x10);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.kind, TLSRES_KIND_DTV);
	assert_int_equal(res.route, TLSRES_ROUTE_GD);
	assert_int_equal(res.module_id, 2);
	assert_int_equal(res.offset_in_block, 0x10);

	set_reloc(&f.lib.def, ELFTLS_MODEL_IE, 0x3020);
	sp_put(LIB_BIAS + 0x3020, (uint64_t)-0x1f0);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.kind, TLSRES_KIND_STATIC);
	assert_int_equal(res.route, TLSRES_ROUTE_IE);
	assert_int_equal(res.tp_offset, -0x1f0);
	/* An unrelocated IE slot (0, or a positive value) is not a TP offset. */
	f.proc.libc = TLSRES_LIBC_MUSL;
	sp_put(LIB_BIAS + 0x3020, 0);
	assert_int_equal(resolve_lib(&f, &res, reason), -EBADMSG);
	assert_non_null(strstr(reason, "IE GOT at 0x7f0000003020 holds 0"));
	tmem__free(f.mem);
}

static void test_resolve_local_exec_formula(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_MUSL);
	/* Aligned p_vaddr: X = roundup(memsz, align). */
	exe_defines(&f, 0x3dc0, 64);
	assert_int_equal(tlsres_resolve_module(&f.proc, 0, &res, reason, sizeof(reason)), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_LE);
	assert_int_equal(res.tp_offset, -64 + 0x10);
	/* Unaligned p_vaddr 0x1234: X = 0x18 + ((-(0x1234 + 0x18)) & 63) = 24 + 52 = 76. */
	f.exe.tls_vaddr = 0x1234;
	assert_int_equal(tlsres_resolve_module(&f.proc, 0, &res, reason, sizeof(reason)), 0);
	assert_int_equal(res.tp_offset, -76 + 0x10);
	/* Alignment 8: X = memsz. */
	f.exe.tls_vaddr = 0x1238;
	f.exe.tls_align = 8;
	assert_int_equal(tlsres_resolve_module(&f.proc, 0, &res, reason, sizeof(reason)), 0);
	assert_int_equal(res.tp_offset, -0x18 + 0x10);
	/* A library never gets local-exec. */
	assert_int_equal(resolve_lib(&f, &res, reason), -ENOENT);
	assert_non_null(strstr(reason, "libfoo.so: otel_thread_ctx_v1 has no TLS relocation"));
	tmem__free(f.mem);
}

/* Builds DT_DEBUG -> r_debug -> link_map (exe, lib) in the fake space. */
static void build_link_map(uint64_t lib_l_addr, uint64_t tls_offset, uint64_t modid,
			   bool second_namespace)
{
	uint64_t rd = HEAP + 0x100, rd2 = HEAP + 0x200, lm_exe = HEAP + 0x400,
		 lm_lib = HEAP + 0x900;

	sp_put(EXE_BIAS + 0x100, 1); /* DT_NEEDED */
	sp_put(EXE_BIAS + 0x108, 0);
	sp_put(EXE_BIAS + 0x110, 21); /* DT_DEBUG */
	sp_put(EXE_BIAS + 0x118, rd);
	sp_put(EXE_BIAS + 0x120, 0);
	sp_put(rd, second_namespace ? 2 : 1);
	sp_put(rd + 8, lm_exe);
	sp_put(rd + 40, second_namespace ? rd2 : 0);
	sp_put(lm_exe, EXE_BIAS);
	sp_put(lm_exe + 24, second_namespace ? 0 : lm_lib);
	sp_put(rd2, 2);
	sp_put(rd2 + 8, lm_lib);
	sp_put(rd2 + 40, 0);
	sp_put(lm_lib, lib_l_addr);
	sp_put(lm_lib + 24, 0);
	sp_put(lm_lib + 0x478, tls_offset);
	sp_put(lm_lib + 0x480, modid);
}

static void test_resolve_link_map_routes(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_GLIBC);
	/* Static TLS: TP - l_tls_offset + S. */
	build_link_map(LIB_BIAS, 0x90, 2, false);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_LINK_MAP_STATIC);
	assert_int_equal(res.tp_offset, -0x90 + 0x10);
	/* Forced dynamic (-1) and not-yet-allocated (0): the DTV with l_tls_modid and S. */
	build_link_map(LIB_BIAS, UINT64_MAX, 4, false);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_LINK_MAP_DTV);
	assert_int_equal(res.module_id, 4);
	assert_int_equal(res.offset_in_block, 0x10);
	build_link_map(LIB_BIAS, 0, 5, false);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.module_id, 5);
	/* A module in a second namespace (r_debug_extended.r_next). */
	build_link_map(LIB_BIAS, 0x90, 2, true);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_LINK_MAP_STATIC);
	/* No entry with our bias. */
	build_link_map(LIB_BIAS + 0x1000, 0x90, 2, false);
	assert_int_equal(resolve_lib(&f, &res, reason), -ENOENT);
	assert_non_null(strstr(reason, "libfoo.so: otel_thread_ctx_v1 has no TLS relocation; "
				       "glibc link_map has no entry with l_addr=0x7f0000000000"));
	/* Descriptors that do not look like glibc's: the route is refused. */
	build_link_map(LIB_BIAS, 0x90, 2, false);
	f.libc.tdb_l_tls_offset[0] = 32;
	assert_int_equal(resolve_lib(&f, &res, reason), -ENOENT);
	assert_non_null(strstr(reason, "no usable _thread_db_link_map"));
	tmem__free(f.mem);
}

/*
 * The executable's link_map entry with l_tls_offset 0 (NO_TLS_OFFSET): ld.so has not placed its
 * static TLS yet. That is not the dynamic route: resolution goes on to local-exec.
 */
static void test_resolve_link_map_exe_offset_not_assigned(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];
	uint64_t lm_exe = HEAP + 0x400;

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_GLIBC);
	exe_defines(&f, 0x3dc0, 8);
	build_link_map(LIB_BIAS, 0x90, 2, false); /* lm_exe: l_addr = EXE_BIAS */
	sp_put(lm_exe + 0x478, 0);		   /* the executable: NO_TLS_OFFSET ... */
	sp_put(lm_exe + 0x480, 1);		   /* ... module id 1 */
	assert_int_equal(tlsres_resolve_module(&f.proc, 0, &res, reason, sizeof(reason)), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_LE);
	assert_int_equal(res.kind, TLSRES_KIND_STATIC);
	assert_int_equal(res.tp_offset, -0x18 + 0x10);
	/* Once ld.so placed it, link_map gives the same static offset. */
	sp_put(lm_exe + 0x478, 0x18);
	assert_int_equal(tlsres_resolve_module(&f.proc, 0, &res, reason, sizeof(reason)), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_LINK_MAP_STATIC);
	assert_int_equal(res.tp_offset, -0x18 + 0x10);
	tmem__free(f.mem);
}

static void test_resolve_reference_routes(void **state)
{
	struct fake_proc f;
	struct tlsres_resolution res;
	char reason[TR_ERRLEN];

	(void)state;
	fake_proc_init(&f, TLSRES_LIBC_MUSL);
	/* The executable references the library's variable with initial-exec. */
	f.exe.references = true;
	set_reloc(&f.exe.ref, ELFTLS_MODEL_IE, 0x2000);
	sp_put(EXE_BIAS + 0x2000, (uint64_t)-0x30);
	assert_int_equal(resolve_lib(&f, &res, reason), 0);
	assert_int_equal(res.route, TLSRES_ROUTE_REF_IE);
	assert_int_equal(res.tp_offset, -0x30);
	/* With two definitions the reference is not attributed. */
	f.libc.defines = true;
	f.libc.has_tls = true;
	f.libc.tls_memsz = 8;
	assert_int_equal(resolve_lib(&f, &res, reason), -ENOENT);
	assert_non_null(
	    strstr(reason, "exe references otel_thread_ctx_v1 but 2 modules define it"));
	tmem__free(f.mem);
}

/* A space with only the heap and the thread's TCB (at TP), read through a fresh tmem; res
 * takes libc's DTV layout. */
static struct tmem *thread_space_open(struct tlsres_resolution *res, enum tlsres_libc libc)
{
	struct tmem *mem;

	sp_reset();
	sp_map(HEAP);
	sp_map(TP - 8192);
	mem = tmem__open_cb(space_read, &sp);
	assert_non_null(mem);
	res->dtv = tlsres_dtv_layout_for(libc);
	return mem;
}

static void test_resolve_var_addr_dtv_glibc(void **state)
{
	struct tlsres_resolution res = {
	    .kind = TLSRES_KIND_DTV, .module_id = 2, .offset_in_block = 0x10};
	char err[TR_ERRLEN];
	struct tmem *mem;
	uint64_t addr, dtv = HEAP + 0x100;

	(void)state;
	mem = thread_space_open(&res, TLSRES_LIBC_GLIBC);
	sp_put(TP + 8, dtv);
	sp_put(dtv - 16, 4); /* slot count */
	sp_put(dtv + 32, HEAP + 0x800);
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), 0);
	assert_int_equal(addr, HEAP + 0x810);
	sp_put(dtv + 32, UINT64_MAX); /* TLS_DTV_UNALLOCATED */
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "slot 2 is -1"));
	sp_put(dtv + 32, 0);
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), -ENOENT);
	sp_put(dtv - 16, 1); /* thread predates the module */
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "beyond the 1 DTV slots"));
	sp_put(TP + 8, 0);
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), -ENOENT);
	/* Static: plain arithmetic, no read. */
	res.kind = TLSRES_KIND_STATIC;
	res.tp_offset = -0x48;
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), 0);
	assert_int_equal(addr, TP - 0x48);
	tmem__free(mem);
}

static void test_resolve_var_addr_dtv_musl(void **state)
{
	struct tlsres_resolution res = {
	    .kind = TLSRES_KIND_DTV, .module_id = 2, .offset_in_block = 0x8};
	char err[TR_ERRLEN];
	struct tmem *mem;
	uint64_t addr, dtv = HEAP + 0x100;

	(void)state;
	mem = thread_space_open(&res, TLSRES_LIBC_MUSL);
	assert_int_equal(res.dtv.entry_size, 8);
	sp_put(TP + 8, dtv);
	sp_put(dtv, 2); /* dtv[0]: module count */
	sp_put(dtv + 16, HEAP + 0x800);
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), 0);
	assert_int_equal(addr, HEAP + 0x808);
	/* -1 is an ordinary (if absurd) pointer on musl: only 0 means absent. */
	sp_put(dtv, 1);
	assert_int_equal(tlsres_var_addr(&res, mem, TP, &addr, err, sizeof(err)), -ENOENT);
	tmem__free(mem);
}

static void test_resolve_libc_from_path(void **state)
{
	(void)state;
	assert_int_equal(tlsres_libc_from_path("/lib/ld-musl-x86_64.so.1"), TLSRES_LIBC_MUSL);
	assert_int_equal(tlsres_libc_from_path("/usr/lib/x86_64-linux-musl/libc.so"),
			 TLSRES_LIBC_MUSL);
	assert_int_equal(tlsres_libc_from_path("/lib/libc.musl-x86_64.so.1"), TLSRES_LIBC_MUSL);
	assert_int_equal(tlsres_libc_from_path("/usr/lib/x86_64-linux-gnu/libc.so.6"),
			 TLSRES_LIBC_GLIBC);
	assert_int_equal(tlsres_libc_from_path("/lib64/ld-linux-x86-64.so.2"), TLSRES_LIBC_GLIBC);
	assert_int_equal(tlsres_libc_from_path("/usr/lib/libcurl.so.4"), TLSRES_LIBC_UNKNOWN);
}

const struct CMUnitTest tr_resolve_tests[] = {
    cmocka_unit_test(test_resolve_tlsdesc_sign_test),
    cmocka_unit_test(test_resolve_tlsdesc_lazy_or_garbage_rejected),
    cmocka_unit_test(test_resolve_gd_and_ie),
    cmocka_unit_test(test_resolve_local_exec_formula),
    cmocka_unit_test(test_resolve_link_map_routes),
    cmocka_unit_test(test_resolve_link_map_exe_offset_not_assigned),
    cmocka_unit_test(test_resolve_reference_routes),
    cmocka_unit_test(test_resolve_var_addr_dtv_glibc),
    cmocka_unit_test(test_resolve_var_addr_dtv_musl),
    cmocka_unit_test(test_resolve_libc_from_path),
};
const size_t tr_resolve_tests_n = TR_N(tr_resolve_tests);
