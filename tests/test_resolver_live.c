// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_resolver_live.c - capture/resolver/tls_resolve.c against live fixture processes: each fixture
 * reports, per thread, its tid, fs_base and the address of otel_thread_ctx_v1 the compiler
 * computed; the resolution applied to fs_base must give that address and the record pointer.
 */
#include "test_resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elf_cache.h"
#include "tls_resolve.h"

#define MAX_THREADS 8
#define TUNABLE_NO_SURPLUS "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0"

struct child {
	pid_t pid;
	int to_child;
	int from_child;
	size_t n;
	struct {
		long tid;
		uint64_t fs, addr, rec;
	} th[MAX_THREADS];
};

static struct child cur; /* the running fixture, reaped by the teardown */

static void child_stop(struct child *c)
{
	int st;

	if (c->pid <= 0)
		return;
	close(c->to_child);
	close(c->from_child);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	c->pid = 0;
}

static int live_teardown(void **state)
{
	(void)state;
	child_stop(&cur);
	return 0;
}

/* Starts fixture with argv {fixture, mode, lib} and an environment of at most one variable. */
static struct child *spawn(const char *fixture, const char *mode, const char *lib, const char *env)
{
	int in[2], out[2];
	char path[4096], libpath[4096], buf[4096];
	size_t used = 0;
	bool ready = false;

	snprintf(path, sizeof(path), "%s", tr_fixture(fixture));
	if (lib)
		snprintf(libpath, sizeof(libpath), "%s", tr_fixture(lib));
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	memset(&cur, 0, sizeof(cur));
	cur.pid = fork();
	assert_true(cur.pid >= 0);
	if (cur.pid == 0) {
		char *argv[] = {path, (char *)mode, lib ? libpath : NULL, NULL};
		char *envp[] = {(char *)env, NULL};

		dup2(in[0], 0);
		dup2(out[1], 1);
		execve(path, argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	cur.to_child = in[1];
	cur.from_child = out[0];
	while (!ready) {
		struct pollfd p = {.fd = cur.from_child, .events = POLLIN};
		ssize_t r;
		char *line, *nl;

		if (poll(&p, 1, 10000) != 1)
			fail_msg("%s %s: no READY within 10 s", fixture, mode);
		r = read(cur.from_child, buf + used, sizeof(buf) - 1 - used);
		if (r <= 0)
			fail_msg("%s %s: exited before READY", fixture, mode);
		used += (size_t)r;
		buf[used] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			unsigned long long fs, addr, rec;
			long tid;

			*nl = '\0';
			if (!strcmp(line, "READY")) {
				ready = true;
			} else if (sscanf(line, "T %ld %llx %llx %llx", &tid, &fs, &addr, &rec) ==
				   4) {
				assert_true(cur.n < MAX_THREADS);
				cur.th[cur.n].tid = tid;
				cur.th[cur.n].fs = fs;
				cur.th[cur.n].addr = addr;
				cur.th[cur.n].rec = rec;
				cur.n++;
			}
			line = nl + 1;
		}
		used = strlen(line);
		memmove(buf, line, used + 1);
	}
	assert_int_equal(cur.n, 3);
	return &cur;
}

/* Resolves the child and checks the resolution against every thread. Returns the route. */
static enum tlsres_route check(struct child *c, const struct tlsres_opts *opts,
			       enum tlsres_kind kind, enum tlsres_route route)
{
	static struct tlsres_report rep;
	char err[TR_ERRLEN] = "";
	const struct tlsres_candidate *cand;
	struct tmem *mem;
	int rc = tlsres_resolve_pid(c->pid, opts, &rep, err, sizeof(err));

	if (rc)
		fail_msg("resolve: %d: %s", rc, err);
	assert_true(rep.chosen >= 0);
	cand = &rep.cand[rep.chosen];
	print_message("    %s: %s via %s (tp_offset %lld, module %llu + %llu)%s\n", cand->path,
		      tlsres_kind_name(cand->res.kind), tlsres_route_name(cand->res.route),
		      (long long)cand->res.tp_offset, (unsigned long long)cand->res.module_id,
		      (unsigned long long)cand->res.offset_in_block,
		      rep.ambiguous ? " [ambiguous]" : "");
	if (cand->res.kind != kind)
		fail_msg("kind %s, expected %s", tlsres_kind_name(cand->res.kind),
			 tlsres_kind_name(kind));
	if (route != TLSRES_ROUTE_NONE && cand->res.route != route)
		fail_msg("route %s, expected %s", tlsres_route_name(cand->res.route),
			 tlsres_route_name(route));
	mem = tmem__open(c->pid, err, sizeof(err));
	assert_non_null(mem);
	for (size_t t = 0; t < c->n; t++) {
		uint64_t addr = 0, rec = 0;
		uint8_t valid = 0;

		rc = tlsres_var_addr(&cand->res, mem, c->th[t].fs, &addr, err, sizeof(err));
		if (rc)
			fail_msg("thread %ld: %s", c->th[t].tid, err);
		if (addr != c->th[t].addr)
			fail_msg("thread %ld (fs_base 0x%llx): resolved 0x%llx, actual 0x%llx",
				 c->th[t].tid, (unsigned long long)c->th[t].fs,
				 (unsigned long long)addr, (unsigned long long)c->th[t].addr);
		assert_int_equal(
		    tlsres_record_ptr(&cand->res, mem, c->th[t].fs, &rec, err, sizeof(err)), 0);
		assert_int_equal(rec, c->th[t].rec);
		assert_int_equal(tmem__read(mem, rec + 24, &valid, 1, err, sizeof(err)), 0);
		assert_int_equal(valid, 1);
	}
	tmem__free(mem);
	return cand->res.route;
}

static const struct tlsres_opts no_link_map = {.no_link_map = true};

/* ---- executables defining the variable ---- */

static void test_live_exe_le_pie(void **state)
{
	struct child *c = spawn("tlsfix_le_pie", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LINK_MAP_STATIC);
	check(c, &no_link_map, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_exe_le_nopie(void **state)
{
	struct child *c = spawn("tlsfix_le_nopie", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LINK_MAP_STATIC);
	check(c, &no_link_map, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_exe_le_align64(void **state)
{
	struct child *c = spawn("tlsfix_le_align", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LINK_MAP_STATIC);
	check(c, &no_link_map, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_exe_le_lld(void **state)
{
	struct child *c = spawn("tlsfix_le_lld", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LINK_MAP_STATIC);
	check(c, &no_link_map, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_exe_ie_own_symbol(void **state)
{
	struct child *c = spawn("tlsfix_ie_pie", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_IE);
}

static void test_live_exe_static_pie(void **state)
{
	struct child *c = spawn("tlsfix_static_pie", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_exe_static_symtab(void **state)
{
	struct child *c = spawn("tlsfix_static", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

/* ---- libraries loaded at startup ---- */

static void test_live_lib_tlsdesc_ld(void **state)
{
	struct child *c = spawn("tlsfix_use_gnu2", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_TLSDESC_STATIC);
}

static void test_live_lib_tlsdesc_lld(void **state)
{
	struct child *c = spawn("tlsfix_use_gnu2_lld", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_TLSDESC_STATIC);
}

static void test_live_lib_gd_ld(void **state)
{
	struct child *c = spawn("tlsfix_use_gd", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_GD);
}

static void test_live_lib_gd_lld(void **state)
{
	struct child *c = spawn("tlsfix_use_gd_lld", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_GD);
}

static void test_live_lib_ie(void **state)
{
	struct child *c = spawn("tlsfix_use_ie", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_IE);
}

static void test_live_lib_no_reloc_exe_reference(void **state)
{
	struct child *c = spawn("tlsfix_extref_nopie", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LINK_MAP_STATIC);
	check(c, &no_link_map, TLSRES_KIND_STATIC, TLSRES_ROUTE_REF_IE);
}

static void test_live_lib_no_reloc_link_map(void **state)
{
	struct child *c = spawn("tlsfix_dlsym", "dlsym", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LINK_MAP_STATIC);
}

/* ---- dlopen after the threads exist ---- */

static void test_live_dlopen_tlsdesc_surplus(void **state)
{
	struct child *c = spawn("tlsfix_dl", "dlopen", "libtlsfix_gnu2.so", NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_TLSDESC_STATIC);
}

static void test_live_dlopen_tlsdesc_dynamic(void **state)
{
	struct child *c = spawn("tlsfix_dl", "dlopen", "libtlsfix_gnu2.so", TUNABLE_NO_SURPLUS);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_TLSDESC_DYNAMIC);
}

static void test_live_dlopen_tlsdesc_lld_dynamic(void **state)
{
	struct child *c = spawn("tlsfix_dl", "dlopen", "libtlsfix_gnu2_lld.so", TUNABLE_NO_SURPLUS);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_TLSDESC_DYNAMIC);
}

static void test_live_dlopen_gd(void **state)
{
	struct child *c = spawn("tlsfix_dl", "dlopen", "libtlsfix_gd.so", NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_GD);
}

static void test_live_dlopen_ie_surplus(void **state)
{
	struct child *c = spawn("tlsfix_dl", "dlopen", "libtlsfix_ie.so", NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_IE);
}

static void test_live_dlopen_no_reloc_link_map_dtv(void **state)
{
	struct child *c =
	    spawn("tlsfix_dl", "dlopen-sym", "libtlsfix_defonly.so", TUNABLE_NO_SURPLUS);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_LINK_MAP_DTV);
}

/* ---- musl ---- */

static void test_live_musl_le(void **state)
{
	struct child *c = spawn("tlsfix_musl_le", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_musl_static(void **state)
{
	struct child *c = spawn("tlsfix_musl_static", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_LE);
}

static void test_live_musl_lib_tlsdesc(void **state)
{
	struct child *c = spawn("tlsfix_musl_use_gnu2", "link", NULL, NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_TLSDESC_STATIC);
}

static void test_live_musl_dlopen_tlsdesc(void **state)
{
	struct child *c = spawn("tlsfix_musl_dl", "dlopen", "libtlsfix_musl_gnu2.so", NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_TLSDESC_DYNAMIC);
}

static void test_live_musl_dlopen_gd(void **state)
{
	struct child *c = spawn("tlsfix_musl_dl", "dlopen", "libtlsfix_musl_gd.so", NULL);

	(void)state;
	check(c, NULL, TLSRES_KIND_DTV, TLSRES_ROUTE_GD);
}

/* ---- several definitions, no definition, damaged target state ---- */

static void test_live_ambiguous_exe_and_library(void **state)
{
	struct child *c = spawn("tlsfix_le_pie", "dlopen", "libtlsfix_gnu2.so", NULL);
	struct tlsres_report rep;
	char err[TR_ERRLEN] = "";
	struct tmem *mem;
	uint64_t tps[MAX_THREADS];

	(void)state;
	assert_int_equal(tlsres_resolve_pid(c->pid, NULL, &rep, err, sizeof(err)), 0);
	assert_true(rep.ambiguous);
	assert_int_equal(rep.n, 2);
	assert_true(rep.cand[rep.chosen].is_exe);
	/* The library's TLSDESC binds to the executable's definition (it interposes). */
	check(c, NULL, TLSRES_KIND_STATIC, TLSRES_ROUTE_NONE);
	mem = tmem__open(c->pid, err, sizeof(err));
	assert_non_null(mem);
	for (size_t t = 0; t < c->n; t++)
		tps[t] = c->th[t].fs;
	assert_true(tlsres_report_prefer_valid(&rep, mem, tps, c->n) >= 0);
	tmem__free(mem);
}

static void test_live_no_symbol(void **state)
{
	struct child *c = spawn("tlsfix_none", "none", NULL, NULL);
	struct tlsres_report rep;
	char err[TR_ERRLEN] = "";

	(void)state;
	assert_int_equal(tlsres_resolve_pid(c->pid, NULL, &rep, err, sizeof(err)), -ENOENT);
	assert_int_equal(rep.n, 0);
	assert_int_equal(rep.chosen, -1);
	assert_non_null(strstr(err, "no mapped module defines otel_thread_ctx_v1"));
}

static void test_live_gone_process(void **state)
{
	struct tlsres_report rep;
	char err[TR_ERRLEN] = "";

	(void)state;
	assert_int_equal(tlsres_resolve_pid(999999999, NULL, &rep, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/proc/999999999/maps"));
}

/*
 * The maps read by the caller and the ELF facts of a cache give the report a resolution that
 * reads and parses everything itself gives, and a second resolution finds every file the
 * first kept.
 */
static void expect_cached_same(const char *fixture, const char *mode, const char *lib)
{
	struct child *c = spawn(fixture, mode, lib, NULL);
	static struct tlsres_report plain, cached;
	char err[TR_ERRLEN] = "";
	struct elfcache *cache = elfcache__new(0);
	struct elfcache_stats s1, s2;
	struct tlsres_opts o = {.cache = cache};
	struct pmaps *maps;

	assert_non_null(cache);
	assert_int_equal(tlsres_resolve_pid(c->pid, NULL, &plain, err, sizeof(err)), 0);
	assert_int_equal(tlsres_resolve_pid(c->pid, &o, &cached, err, sizeof(err)), 0);
	assert_memory_equal(&cached, &plain, sizeof(plain));
	elfcache__stats(cache, &s1);
	assert_true(s1.misses >= 3); /* the executable, libc and ld.so at least */
	assert_int_equal(s1.hits, 0);
	assert_true(s1.kept > 0);
	maps = pmaps__read(c->pid, 0, err, sizeof(err));
	assert_non_null(maps);
	o.maps = maps;
	assert_int_equal(tlsres_resolve_pid(c->pid, &o, &cached, err, sizeof(err)), 0);
	assert_memory_equal(&cached, &plain, sizeof(plain));
	elfcache__stats(cache, &s2);
	assert_int_equal(s2.hits, s1.kept);
	assert_int_equal(s2.misses - s1.misses, s1.misses - s1.kept);
	pmaps__free(maps);
	elfcache__free(cache);
}

static void test_live_cached_facts_same_report(void **state)
{
	(void)state;
	expect_cached_same("tlsfix_use_gd", "link", NULL);
	child_stop(&cur);
	expect_cached_same("tlsfix_le_pie", "dlopen", "libtlsfix_gnu2.so");
	child_stop(&cur);
	expect_cached_same("tlsfix_musl_dl", "dlopen", "libtlsfix_musl_gd.so");
}

/* A reader that replaces the 8 bytes at one address. */
struct patch {
	struct tmem *real;
	uint64_t addr;
	uint64_t value;
};

static ssize_t patched_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct patch *p = ctx;
	int rc = tmem__read(p->real, addr, buf, len, NULL, 0);

	if (rc)
		return rc;
	for (size_t i = 0; i < 8; i++) {
		uint64_t a = p->addr + i;

		if (a >= addr && a - addr < len)
			((uint8_t *)buf)[a - addr] = ((const uint8_t *)&p->value)[i];
	}
	return (ssize_t)len;
}

/*
 * Resolves fixture with the 8 bytes at (bias of lib + GOT + got_delta) replaced by value and
 * the link_map route off: must fail with -EBADMSG and a reason containing needle.
 */
static void expect_garbage(const char *fixture, const char *lib, uint64_t got_delta, uint64_t value,
			   const char *needle)
{
	struct child *c = spawn(fixture, "link", NULL, NULL);
	struct tlsres_report rep;
	struct elftls_info info;
	char err[TR_ERRLEN] = "";
	struct patch p;
	struct tlsres_opts o = {.no_link_map = true};
	int rc;

	assert_int_equal(elftls_from_file(tr_fixture(lib), NULL, &info, err, sizeof(err)), 0);
	assert_int_equal(tlsres_resolve_pid(c->pid, NULL, &rep, err, sizeof(err)), 0);
	p.real = tmem__open(c->pid, err, sizeof(err));
	assert_non_null(p.real);
	p.addr = rep.cand[rep.chosen].bias + info.def.got + got_delta;
	p.value = value;
	o.mem = tmem__open_cb(patched_read, &p);
	rc = tlsres_resolve_pid(c->pid, &o, &rep, err, sizeof(err));
	if (rc != -EBADMSG || !strstr(err, needle))
		fail_msg("rc %d, message: %s", rc, err);
	/* With the link_map route, the same damage is routed around. */
	o.no_link_map = false;
	assert_int_equal(tlsres_resolve_pid(c->pid, &o, &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.cand[rep.chosen].res.route, TLSRES_ROUTE_LINK_MAP_STATIC);
	assert_non_null(strstr(rep.cand[rep.chosen].reason, needle));
	tmem__free(o.mem);
	tmem__free(p.real);
}

static void test_live_garbage_tlsdesc_arg(void **state)
{
	(void)state;
	/* A positive arg that points nowhere (a stale lazy descriptor, or garbage). */
	expect_garbage("tlsfix_use_gnu2", "libtlsfix_gnu2.so", 8, 0x1000, "TLSDESC arg 0x1000");
	/* A negative arg far below any static TLS block. */
	expect_garbage("tlsfix_use_gnu2", "libtlsfix_gnu2.so", 8, 0x8000000000000000ull,
		       "not a plausible TP offset");
}

static void test_live_garbage_ie_got(void **state)
{
	(void)state;
	expect_garbage("tlsfix_use_ie", "libtlsfix_ie.so", 0, 0, "IE GOT at");
}

static void test_live_garbage_gd_modid(void **state)
{
	(void)state;
	expect_garbage("tlsfix_use_gd", "libtlsfix_gd.so", 0, 0xdeadbeef, "modid 3735928559");
}

#define LIVE(t) cmocka_unit_test_teardown(t, live_teardown)

const struct CMUnitTest tr_live_tests[] = {
    LIVE(test_live_exe_le_pie),
    LIVE(test_live_exe_le_nopie),
    LIVE(test_live_exe_le_align64),
    LIVE(test_live_exe_le_lld),
    LIVE(test_live_exe_ie_own_symbol),
    LIVE(test_live_exe_static_pie),
    LIVE(test_live_exe_static_symtab),
    LIVE(test_live_lib_tlsdesc_ld),
    LIVE(test_live_lib_tlsdesc_lld),
    LIVE(test_live_lib_gd_ld),
    LIVE(test_live_lib_gd_lld),
    LIVE(test_live_lib_ie),
    LIVE(test_live_lib_no_reloc_exe_reference),
    LIVE(test_live_lib_no_reloc_link_map),
    LIVE(test_live_dlopen_tlsdesc_surplus),
    LIVE(test_live_dlopen_tlsdesc_dynamic),
    LIVE(test_live_dlopen_tlsdesc_lld_dynamic),
    LIVE(test_live_dlopen_gd),
    LIVE(test_live_dlopen_ie_surplus),
    LIVE(test_live_dlopen_no_reloc_link_map_dtv),
    LIVE(test_live_musl_le),
    LIVE(test_live_musl_static),
    LIVE(test_live_musl_lib_tlsdesc),
    LIVE(test_live_musl_dlopen_tlsdesc),
    LIVE(test_live_musl_dlopen_gd),
    LIVE(test_live_ambiguous_exe_and_library),
    LIVE(test_live_no_symbol),
    LIVE(test_live_gone_process),
    LIVE(test_live_cached_facts_same_report),
    LIVE(test_live_garbage_tlsdesc_arg),
    LIVE(test_live_garbage_ie_got),
    LIVE(test_live_garbage_gd_modid),
};
const size_t tr_live_tests_n = TR_N(tr_live_tests);
