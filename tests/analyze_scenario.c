// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze_scenario.c - writes the capture described in analyze_scenario.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "analyze_scenario.h"

/* The syscall table below lists only the fields each call needs. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum { CTX_NONE, CTX_A1, CTX_A2, CTX_A3, CTX_B1 };

struct scen {
	struct scf_writer *w;
	uint8_t buf[4096];
	int err;
};

static void ids(int ctx, uint8_t trace[16], uint8_t span[8])
{
	uint8_t t = ctx == CTX_B1 ? 0x0b : 0x0a;
	uint8_t s = ctx == CTX_A1 ? 0xa1 : ctx == CTX_A2 ? 0xa2 : ctx == CTX_A3 ? 0xa3 : 0xb1;

	memset(trace, t, 16);
	memset(span, s, 8);
}

static void emit(struct scen *s, uint64_t ts, struct scf_rec_builder *b)
{
	size_t len = scf_rb_end(b);

	if (s->err)
		return;
	if (!len)
		s->err = -EOVERFLOW;
	else
		s->err = scf_writer__append(s->w, ts, s->buf, len);
}

struct sc {
	uint32_t pid, tid;
	uint16_t nr;
	int64_t ret;
	uint64_t dur;
	uint64_t a[6];
	int ctx;
	const char *path;
	const char *ip; /* SOCKADDR item: IPv4 address and port */
	uint16_t port;
	const char *const *argv;
	size_t argc;
};

static void sys(struct scen *s, uint64_t ts, const struct sc *c)
{
	struct scf_syscall b = { .duration_ns = c->dur, .ret = c->ret, .tid = c->tid,
				 .pid = c->pid, .nr = c->nr, .abi = SCF_ABI_X86_64 };
	struct scf_rec_builder rb;

	memcpy(b.args, c->a, sizeof(b.args));
	if (c->ctx)
		ids(c->ctx, b.trace_id, b.span_id);
	b.trace_flags = c->ctx ? 1 : 0;
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_SYSCALL, c->ctx ? SCF_SYSCALL_F_CTX : 0,
		     &b, sizeof(b));
	scf_rb_item_str(&rb, SCF_ITEM_PATH, c->path);
	if (c->ip) {
		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(c->port) };
		uint8_t sa[SCF_SOCKADDR_MAX];

		inet_pton(AF_INET, c->ip, &in.sin_addr);
		scf_rb_item(&rb, SCF_ITEM_SOCKADDR, sa, scf_sockaddr_encode(&in, sizeof(in), sa));
	}
	if (c->argv)
		scf_rb_item_strlist(&rb, SCF_ITEM_ARGV, c->argv, c->argc);
	emit(s, ts, &rb);
}

static void section(struct scen *s, int variant)
{
	static const char *const cmd[] = { "spancap", "record", "-o", "scenario.scap" };
	struct scf_section sec = { .format_major = SCF_FORMAT_MAJOR, .format_minor = SCF_FORMAT_MINOR,
				   .capture_start_ns = SCEN_T0, .section_start_ns = SCEN_T0,
				   .ncpus = 2, .page_size = 4096, .syscall_abi = SCF_ABI_X86_64 };
	struct scf_rec_builder rb;
	size_t len;

	memset(sec.capture_id, variant ? 0xc2 : 0xc1, 16);
	memset(sec.boot_id, variant ? 0xb2 : 0xb1, 16);
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_SECTION, 0, &sec, sizeof(sec));
	scf_rb_item_str(&rb, SCF_ITEM_HOSTNAME,
			variant == 7	 ? "hold-host"
			: variant == 6 ? "filter-host"
			: variant == 5 ? "spill-host"
			: variant == 4 ? "scenario-host" /* a second boot of host 1 */
			: variant == 3 ? "late-host"
			: variant == 2 ? "ctx-host"
			: variant      ? "scenario-host-2"
				       : "scenario-host");
	scf_rb_item_str(&rb, SCF_ITEM_KERNEL_RELEASE, "6.1.0-test");
	scf_rb_item_str(&rb, SCF_ITEM_KERNEL_VERSION, "#1 SMP");
	scf_rb_item_str(&rb, SCF_ITEM_MACHINE, "x86_64");
	scf_rb_item_str(&rb, SCF_ITEM_TOOL_VERSION, "spancap 0.1.0");
	scf_rb_item_strlist(&rb, SCF_ITEM_CMDLINE, cmd, 4);
	len = scf_rb_end(&rb);
	s->err = scf_writer__begin_section(s->w, SCEN_T0, s->buf, len);
}

/* A PROCESS record: service as service.name (resource attributes); when extra_key is given,
 * extra attributes as a publisher writes them (extra_key=extra_val, threadlocal.schema_version
 * and the key map); keys (a KEY_MAP item) only when nkeys. */
static void ctx_process(struct scen *s, uint64_t ts, uint32_t pid, const char *comm,
			uint8_t origin, uint8_t status, const char *service, const char *extra_key,
			const char *extra_val, const char *const *keys, size_t nkeys,
			const char *reason)
{
	struct scf_process p = { .pid = pid, .ppid = 1, .uid = 1000, .gid = 1000,
				 .start_ns = SCEN_T0 - 1000000, .origin = origin,
				 .ctx_status = status };
	uint8_t res[256], extra[512], arr[256];
	size_t rlen = 0, elen = 0, alen = 0;
	struct scf_rec_builder rb;
	char exe[64];

	if (status == SCF_CTX_RESOLVED) {
		p.tls_model = SCF_TLS_TLSDESC_STATIC;
		p.ctx_version = 2;
	}
	snprintf(exe, sizeof(exe), "/usr/bin/%s", comm);
	if (service)
		scf_attrs_append(res, sizeof(res), &rlen, SCF_VAL_STRING, "service.name", 12,
				 service, strlen(service));
	if (extra_key) {
		/* as a publisher writes them: its own attributes and the OTEP 4947 keys */
		scf_attrs_append(extra, sizeof(extra), &elen, SCF_VAL_STRING, extra_key,
				 strlen(extra_key), extra_val, strlen(extra_val));
		scf_attrs_append(extra, sizeof(extra), &elen, SCF_VAL_STRING,
				 "threadlocal.schema_version", 26, "tlsdesc_v1_dev", 14);
		for (size_t i = 0; i < nkeys; i++)
			scf_attrs_append(arr, sizeof(arr), &alen, SCF_VAL_STRING, "", 0, keys[i],
					 strlen(keys[i]));
		if (nkeys)
			scf_attrs_append(extra, sizeof(extra), &elen, SCF_VAL_ARRAY,
					 "threadlocal.attribute_key_map", 29, arr, alen);
	}
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_PROCESS, 0, &p, sizeof(p));
	scf_rb_item_str(&rb, SCF_ITEM_NAME, comm);
	scf_rb_item_str(&rb, SCF_ITEM_EXE, exe);
	if (rlen)
		scf_rb_item(&rb, SCF_ITEM_RESOURCE_ATTRS, res, rlen);
	if (elen)
		scf_rb_item(&rb, SCF_ITEM_EXTRA_ATTRS, extra, elen);
	if (status == SCF_CTX_RESOLVED)
		scf_rb_item_str(&rb, SCF_ITEM_SCHEMA_VERSION, "tlsdesc_v1_dev");
	if (nkeys)
		scf_rb_item_strlist(&rb, SCF_ITEM_KEY_MAP, keys, nkeys);
	scf_rb_item_str(&rb, SCF_ITEM_REASON, reason);
	emit(s, ts, &rb);
}

/* A PROCESS record found by the scan; a resolved context has the key map http.route,
 * http.method, user_id. */
static void process(struct scen *s, uint64_t ts, uint32_t pid, const char *comm,
		    const char *service, uint8_t status, const char *reason)
{
	static const char *const keys[] = { "http.route", "http.method", "user_id" };
	bool resolved = status == SCF_CTX_RESOLVED;

	ctx_process(s, ts, pid, comm, SCF_ORIGIN_SCAN, status, service, NULL, NULL,
		    resolved ? keys : NULL, resolved ? 3 : 0, reason);
}

static void thread(struct scen *s, uint64_t ts, uint32_t pid, uint32_t tid, const char *name)
{
	struct scf_thread t = { .pid = pid, .tid = tid, .event = SCF_THREAD_SEEN };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_THREAD, 0, &t, sizeof(t));
	scf_rb_item_str(&rb, SCF_ITEM_NAME, name);
	emit(s, ts, &rb);
}

static void fd_file(struct scen *s, uint64_t ts, uint32_t pid, int32_t fd, const char *path,
		    uint32_t flags)
{
	struct scf_fd f = { .pid = pid, .fd = fd, .kind = SCF_FD_FILE, .open_flags = flags };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_FD, 0, &f, sizeof(f));
	scf_rb_item_str(&rb, SCF_ITEM_PATH, path);
	emit(s, ts, &rb);
}

static void fd_sock(struct scen *s, uint64_t ts, uint32_t pid, int32_t fd, const char *peer,
		    uint16_t port)
{
	struct scf_fd f = { .pid = pid, .fd = fd, .kind = SCF_FD_SOCKET, .sock_type = 1,
			    .sock_proto = 6 };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t sa[SCF_SOCKADDR_MAX];
	struct scf_rec_builder rb;

	inet_pton(AF_INET, peer, &in.sin_addr);
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_FD, 0, &f, sizeof(f));
	scf_rb_item_str(&rb, SCF_ITEM_PATH, "socket:[4242]");
	scf_rb_item(&rb, SCF_ITEM_SOCKADDR, sa, scf_sockaddr_encode(&in, sizeof(in), sa));
	emit(s, ts, &rb);
}

static void thread_ctx(struct scen *s, uint64_t ts, uint32_t pid, uint32_t tid, int ctx,
		       const uint8_t *attrs, size_t alen)
{
	struct scf_thread_ctx c = { .pid = pid, .tid = tid, .trace_flags = 1, .valid = 1,
				    .attrs_size = (uint16_t)alen };
	struct scf_rec_builder rb;

	ids(ctx, c.trace_id, c.span_id);
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_THREAD_CTX, 0, &c, sizeof(c));
	if (alen)
		scf_rb_item(&rb, SCF_ITEM_ATTRS_RAW, attrs, alen);
	emit(s, ts, &rb);
}

static void proc_event(struct scen *s, uint64_t ts, uint8_t kind, uint32_t pid, uint32_t tid,
		       uint32_t ppid, const char *path, const char *name)
{
	struct scf_proc_event e = { .pid = pid, .tid = tid, .ppid = ppid, .kind = kind };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_PROC_EVENT, 0, &e, sizeof(e));
	scf_rb_item_str(&rb, SCF_ITEM_PATH, path);
	scf_rb_item_str(&rb, SCF_ITEM_NAME, name);
	emit(s, ts, &rb);
}

/* A LOSS record at ts: count events of reason lost on cpu 0 in the window [start, end]. */
static void loss(struct scen *s, uint64_t ts, uint64_t start, uint64_t end, uint64_t count,
		 uint16_t reason)
{
	struct scf_loss l = { .window_start_ns = start, .window_end_ns = end, .count = count,
			      .cpu = 0, .reason = reason };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_LOSS, 0, &l, sizeof(l));
	emit(s, ts, &rb);
}

static void end(struct scen *s, uint64_t ts, uint64_t lost)
{
	struct scf_end e = { .end_ns = ts, .events_lost = lost, .stop_reason = SCF_STOP_SIGNAL,
			     .clean = 1 };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_END, 0, &e, sizeof(e));
	emit(s, ts, &rb);
}

#define US 1000ull
#define AT(us) (SCEN_T0 + (us) * US)
#define O_RDONLY_ 0
#define O_CLOEXEC_ 02000000
#define AT_FDCWD_ ((uint64_t)(int64_t)-100)

static void host1(struct scen *s)
{
	/* attrs_data: route, GET, then POST for the same key (last wins), then a cut entry */
	static const uint8_t attrs[] = { 0, 11, '/', 'a', 'p', 'i', '/', 'o', 'r', 'd', 'e', 'r',
					 's', 1,  3,   'G', 'E', 'T', 1,   4,   'P', 'O', 'S', 'T',
					 2,  9,   'x' };
	static const uint8_t attrs_b[] = { 0, 7, '/', 'h', 'e', 'a', 'l', 't', 'h' };
	static const char *const sh[] = { "sh", "-c", "true" };
	const uint32_t P = SCEN_PID, T1 = SCEN_TID1, T2 = SCEN_TID2, C = SCEN_CHILD;

	process(s, AT(1), P, "svc", "checkout", SCF_CTX_RESOLVED, NULL);
	process(s, AT(2), SCEN_NOCTX_PID, "noctx", NULL, SCF_CTX_NO_SYMBOL,
		"no module defines otel_thread_ctx_v1");
	thread(s, AT(3), P, T1, "worker-1");
	thread(s, AT(4), P, T2, "worker-2");
	fd_file(s, AT(5), P, 1, "/var/log/svc.log", 02001);
	fd_file(s, AT(6), P, 7, "/srv/data.db", 02 | O_CLOEXEC_);

	/* span A1 on thread 101 */
	thread_ctx(s, AT(10), P, T1, CTX_A1, attrs, sizeof(attrs));
	sys(s, AT(11), &(struct sc){ P, T1, 257, 3, 12000, { AT_FDCWD_, 0x1000, O_CLOEXEC_ },
				     CTX_A1, "/etc/hosts" });
	sys(s, AT(30), &(struct sc){ P, T1, 0, 120, 5000, { 3, 0x2000, 4096 }, CTX_A1 });
	/* An argument that could not be read: counted, but no syscall of A1 is missing. */
	loss(s, AT(33), AT(28), AT(32), SCEN_ARG_FAULT_COUNT, SCF_LOSS_ARG_FAULT);
	sys(s, AT(40), &(struct sc){ P, T1, 0, 0, 1000, { 3, 0x2000, 4096 }, CTX_A1 });
	sys(s, AT(50), &(struct sc){ P, T1, 3, 0, 800, { 3 }, CTX_A1 });
	sys(s, AT(60), &(struct sc){ P, T1, 257, -2, 3000, { AT_FDCWD_, 0x1100, O_RDONLY_ },
				     CTX_A1, "/etc/missing.conf" });
	sys(s, AT(70), &(struct sc){ P, T1, 1, 64, 7000, { 1, 0x3000, 64 }, CTX_A1 });
	sys(s, AT(80), &(struct sc){ P, T1, 32, 4, 500, { 1 }, CTX_A1 });
	sys(s, AT(90), &(struct sc){ P, T1, 1, 10, 900, { 4, 0x3000, 10 }, CTX_A1 });
	sys(s, AT(100), &(struct sc){ P, T1, 72, 10, 400, { 4, 1030, 10 }, CTX_A1 });
	sys(s, AT(110), &(struct sc){ P, T1, 3, 0, 300, { 4 }, CTX_A1 });
	sys(s, AT(120), &(struct sc){ P, T1, 1, 5, 600, { 10, 0x3000, 5 }, CTX_A1 });
	sys(s, AT(130), &(struct sc){ P, T1, 1, -9, 200, { 4, 0x3000, 3 }, CTX_A1 });

	/* span A2 on thread 102 */
	thread_ctx(s, AT(200), P, T2, CTX_A2, NULL, 0);
	sys(s, AT(201), &(struct sc){ P, T2, 41, 8, 2000, { 2, 1 | O_CLOEXEC_, 0 }, CTX_A2 });
	sys(s, AT(210), &(struct sc){ P, T2, 42, 0, 40000, { 8, 0x4000, 16 }, CTX_A2, NULL,
				      "127.0.0.1", 5432 });
	sys(s, AT(260), &(struct sc){ P, T2, 44, 100, 3000, { 8, 0x5000, 100, 0, 0, 0 }, CTX_A2 });
	sys(s, AT(270), &(struct sc){ P, T2, 45, 250, 90000, { 8, 0x6000, 4096, 0, 0, 0 },
				      CTX_A2 });
	sys(s, AT(400), &(struct sc){ P, T2, 56, C, 60000, { 17 }, CTX_A2 });
	proc_event(s, AT(420), SCF_PROC_FORK, C, T2, P, NULL, "svc");
	sys(s, AT(430), &(struct sc){ C, C, 59, 0, 150000, { 0x7000, 0x7100, 0x7200 }, CTX_NONE,
				      "/bin/sh", NULL, 0, sh, 3 });
	proc_event(s, AT(500), SCF_PROC_EXEC, C, C, P, "/bin/sh", "sh");
	sys(s, AT(600), &(struct sc){ C, C, 1, 4, 1000, { 1, 0x8000, 4 }, CTX_NONE });
	sys(s, AT(610), &(struct sc){ C, C, 1, 6, 1000, { 7, 0x8000, 6 }, CTX_NONE });
	proc_event(s, AT(700), SCF_PROC_EXIT, C, C, P, NULL, NULL);
	sys(s, AT(800), &(struct sc){ P, T2, 3, 0, 700, { 8 }, CTX_A2 });

	/* process without context */
	sys(s, AT(850), &(struct sc){ SCEN_NOCTX_PID, SCEN_NOCTX_PID, 35, 0, 1000000, { 0x9000 } });

	/* span B1 on thread 101, with a loss during its read */
	thread_ctx(s, AT(1000), P, T1, CTX_B1, attrs_b, sizeof(attrs_b));
	sys(s, AT(1001), &(struct sc){ P, T1, 257, 3, 9000, { AT_FDCWD_, 0x1000, O_CLOEXEC_ },
				       CTX_B1, "/etc/hosts" });
	sys(s, AT(1020), &(struct sc){ P, T1, 0, 500, 20000, { 3, 0x2000, 4096 }, CTX_B1 });
	loss(s, AT(1031), AT(1025), AT(1030), SCEN_LOSS_COUNT, SCF_LOSS_RINGBUF_FULL);
	sys(s, AT(1050), &(struct sc){ P, T1, 3, 0, 700, { 3 }, CTX_B1 });
	end(s, AT(2000), SCEN_LOSS_COUNT);
}

static void host2(struct scen *s)
{
	process(s, AT(1), SCEN_PID2, "db", "orders-db", SCF_CTX_RESOLVED, NULL);
	thread(s, AT(2), SCEN_PID2, SCEN_PID2, "db");
	fd_sock(s, AT(3), SCEN_PID2, 5, "10.0.0.1", 40000);
	thread_ctx(s, AT(300), SCEN_PID2, SCEN_PID2, CTX_A3, NULL, 0);
	sys(s, AT(301), &(struct sc){ SCEN_PID2, SCEN_PID2, 0, 42, 4000, { 5, 0x1000, 4096 },
				      CTX_A3 });
	end(s, AT(2000), 0);
}

/* ---- variant 2: process context fidelity ---------------------------------------------------- */

/* A context record of trace 0c0c... with every byte of the span id span_byte. */
static void ctx_record(struct scen *s, uint64_t ts, uint32_t pid, uint32_t tid,
		       uint8_t span_byte, const uint8_t *attrs, size_t alen)
{
	struct scf_thread_ctx c = { .pid = pid, .tid = tid, .trace_flags = 1, .valid = 1,
				    .attrs_size = (uint16_t)alen };
	struct scf_rec_builder rb;

	memset(c.trace_id, 0x0c, 16);
	memset(c.span_id, span_byte, 8);
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_THREAD_CTX, 0, &c, sizeof(c));
	if (alen)
		scf_rb_item(&rb, SCF_ITEM_ATTRS_RAW, attrs, alen);
	emit(s, ts, &rb);
}

/* A read(0, ..) of 1 byte in span 0c0c.../span_byte (0: without context). */
static void ctx_read(struct scen *s, uint64_t ts, uint32_t pid, uint32_t tid, uint8_t span_byte)
{
	struct scf_syscall b = { .duration_ns = 1000, .ret = 1, .tid = tid, .pid = pid,
				 .nr = 0, .abi = SCF_ABI_X86_64, .args = { 0, 0x1000, 1 } };
	struct scf_rec_builder rb;

	if (span_byte) {
		memset(b.trace_id, 0x0c, 16);
		memset(b.span_id, span_byte, 8);
		b.trace_flags = 1;
	}
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_SYSCALL, span_byte ? SCF_SYSCALL_F_CTX : 0,
		     &b, sizeof(b));
	emit(s, ts, &rb);
}

static void host_ctx(struct scen *s)
{
	static const char *const keys[] = { "http.route", "user_id" };
	static const uint8_t a1[] = { 0, 2, '/', 'a', 1, 5, 'a', 'l', 'i', 'c', 'e' };
	static const uint8_t a2[] = { 0, 2, '/', 'b', 1, 3, 'b', 'o', 'b' };
	static const uint8_t a3[] = { 0, 2, '/', 'c' };
	const uint32_t P = SCEN_CTX_PID, T1 = SCEN_CTX_TID1, T2 = SCEN_CTX_TID2, G = SCEN_GONE_PID;

	/* pub: first unresolved, then published with a key map and an attribute of its own */
	ctx_process(s, AT(1), P, "pub", SCF_ORIGIN_SCAN, SCF_CTX_NO_SYMBOL, NULL, NULL, NULL, NULL,
		    0, SCEN_CTX_STALE_REASON);
	ctx_process(s, AT(2), G, "gone", SCF_ORIGIN_SCAN, SCF_CTX_RESOLVED, "gone-svc", "team",
		    "core", keys, 2, NULL);
	thread(s, AT(3), P, T1, "pub-1");
	thread(s, AT(4), P, T2, "pub-2");
	thread(s, AT(5), G, G, "gone");
	ctx_process(s, AT(6), P, "pub", SCF_ORIGIN_CTX_UPDATE, SCF_CTX_RESOLVED, "pub-svc",
		    "deployment.region", "eu", keys, 2, NULL);

	/* span C1 on both threads, each with its own values */
	ctx_record(s, AT(10), P, T1, 0xc1, a1, sizeof(a1));
	ctx_read(s, AT(11), P, T1, 0xc1);
	ctx_record(s, AT(20), P, T2, 0xc1, a2, sizeof(a2));
	ctx_read(s, AT(21), P, T2, 0xc1);
	ctx_read(s, AT(30), P, T1, 0xc1);

	/* gone: span D1 under its context */
	ctx_record(s, AT(50), G, G, 0xd1, a3, sizeof(a3));
	ctx_read(s, AT(51), G, G, 0xd1);

	/* pub updates its context without a key map; span C3's key cannot be named then */
	ctx_process(s, AT(100), P, "pub", SCF_ORIGIN_CTX_UPDATE, SCF_CTX_RESOLVED, "pub-svc",
		    "deployment.region", "us", NULL, 0, NULL);
	ctx_record(s, AT(110), P, T1, 0xc3, a3, sizeof(a3));
	ctx_read(s, AT(111), P, T1, 0xc3);

	/* gone unpublishes its context: span D2 runs without it */
	ctx_process(s, AT(300), G, "gone", SCF_ORIGIN_CTX_UPDATE, SCF_CTX_NONE, NULL, NULL, NULL, NULL, 0,
		    SCEN_GONE_REASON);
	ctx_record(s, AT(305), G, G, 0xd2, NULL, 0);
	ctx_read(s, AT(310), G, G, 0xd2);
	end(s, AT(2000), 0);
}

/* The exit of a process with a wait status (signal | 0x80 core, or code << 8). */
static void proc_event_status(struct scen *s, uint64_t ts, uint32_t pid, int32_t status)
{
	struct scf_proc_event e = { .pid = pid, .tid = pid, .kind = SCF_PROC_EXIT,
				    .exit_status = status };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_PROC_EVENT, 0, &e, sizeof(e));
	emit(s, ts, &rb);
}

/* A PROCESS record as spancap wrote it for a process it found gone: no comm, argv or start. */
static void late_process(struct scen *s, uint64_t ts, uint32_t pid, uint32_t ppid,
			 uint8_t origin)
{
	struct scf_process p = { .pid = pid, .ppid = ppid, .origin = origin };
	struct scf_rec_builder rb;

	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_PROCESS, 0, &p, sizeof(p));
	scf_rb_item(&rb, SCF_ITEM_NAME, "", 0);		/* as files before December 2026 have */
	scf_rb_item_strlist(&rb, SCF_ITEM_ARGV, NULL, 0);
	emit(s, ts, &rb);
}

static void host_late(struct scen *s)
{
	static const char *const ls_argv[] = { "ls", "/" };
	const uint32_t P = SCEN_LATE_PID, C = SCEN_LATE_CHILD;

	/* spancap -- sh: the command is described before its exec, under spancap's own name */
	process(s, AT(1), P, "spancap", NULL, SCF_CTX_NONE, "no context");
	thread(s, AT(2), P, P, "spancap");
	proc_event(s, AT(10), SCF_PROC_EXEC, P, P, 0, "/bin/sh", "sh");
	/* sh forks and the child execs ls, which runs and exits before spancap describes it */
	proc_event(s, AT(20), SCF_PROC_FORK, C, P, P, NULL, "sh");
	proc_event(s, AT(30), SCF_PROC_EXEC, C, C, 0, "/bin/ls", "ls");
	sys(s, AT(25), &(struct sc){ .pid = C, .tid = C, .nr = 59, .dur = 5 * US,
				     .path = "/bin/ls", .argv = ls_argv, .argc = 2 });
	sys(s, AT(40), &(struct sc){ .pid = C, .tid = C, .nr = 39, .ret = C, .dur = 1 });
	late_process(s, AT(45), C, 0, SCF_ORIGIN_CTX_UPDATE); /* a re-resolution: gone */
	proc_event(s, AT(50), SCF_PROC_EXIT, C, C, 0, NULL, "ls");
	/* sh's clone, entered before the fork event, recorded at its exit: after the child's */
	sys(s, AT(15), &(struct sc){ .pid = P, .tid = P, .nr = 56, .ret = C, .dur = 40 * US });
	late_process(s, AT(60), C, P, SCF_ORIGIN_FORK); /* the fork, described after the exit */
	/* 802 runs span B1 and is killed by SIGSEGV (core dumped) inside it; 803 ends span A1
	 * with a syscall outside any span and then dies of SIGKILL: A1 was over */
	process(s, AT(70), SCEN_KILLED_PID, "crash", NULL, SCF_CTX_NONE, "no context");
	process(s, AT(71), SCEN_KILLED_PID + 1, "quit", NULL, SCF_CTX_NONE, "no context");
	sys(s, AT(80), &(struct sc){ .pid = SCEN_KILLED_PID, .tid = SCEN_KILLED_PID, .nr = 39,
				     .ret = SCEN_KILLED_PID, .dur = 1, .ctx = CTX_B1 });
	sys(s, AT(81), &(struct sc){ .pid = SCEN_KILLED_PID + 1, .tid = SCEN_KILLED_PID + 1,
				     .nr = 39, .ret = SCEN_KILLED_PID + 1, .dur = 1, .ctx = CTX_A1 });
	sys(s, AT(82), &(struct sc){ .pid = SCEN_KILLED_PID + 1, .tid = SCEN_KILLED_PID + 1,
				     .nr = 39, .ret = SCEN_KILLED_PID + 1, .dur = 1 });
	proc_event_status(s, AT(90), SCEN_KILLED_PID, 11 | 0x80);
	proc_event_status(s, AT(91), SCEN_KILLED_PID + 1, 9);
	end(s, AT(2000), 0);
}

/* A read(0, ..) in span 0d0d.../span_byte that fails with errno err. */
static void err_read(struct scen *s, uint64_t ts, uint32_t pid, uint32_t tid, uint8_t span_byte,
		     int32_t err)
{
	struct scf_syscall b = { .duration_ns = 1000, .ret = -err, .tid = tid, .pid = pid,
				 .nr = 0, .abi = SCF_ABI_X86_64, .args = { 0, 0x1000, 1 },
				 .trace_flags = 1 };
	struct scf_rec_builder rb;

	memset(b.trace_id, 0x0d, 16);
	memset(b.span_id, span_byte, 8);
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_SYSCALL, SCF_SYSCALL_F_CTX, &b,
		     sizeof(b));
	emit(s, ts, &rb);
}

static void host_spill(struct scen *s)
{
	static const char *const k1[] = { "http.route", "user_id" };
	static const char *const k2[] = { "user_id", "http.route" };
	static const uint8_t a1[] = { 0, 2, '/', 'x' };
	static const uint8_t a2[] = { 1, 3, 'e', 'v', 'e' };
	const uint32_t P = SCEN_SPILL_PID, T1 = P + 1, K1 = SCEN_SPILL_PID + 10, K2 = K1 + 10;

	ctx_process(s, AT(1), P, "spill", SCF_ORIGIN_SCAN, SCF_CTX_RESOLVED, "spill-svc", "zone",
		    "a", k1, 2, NULL);
	thread(s, AT(2), P, T1, "spill-1");
	process(s, AT(3), K1, "crash", NULL, SCF_CTX_NONE, "no context");
	process(s, AT(4), K2, "quit", NULL, SCF_CTX_NONE, "no context");
	/* E1: context records only, far apart */
	ctx_record(s, AT(10), P, T1, 0xe1, NULL, 0);
	ctx_read(s, AT(12), P, T1, 0);
	ctx_record(s, AT(20), P, T1, 0xe1, NULL, 0);
	/* E2: a value under key map k1, then the map is replaced (not grown), and the service
	 * renamed, and the next record adds key 1: both keys resolve through k2, the span keeps
	 * the service of its first syscall */
	ctx_record(s, AT(30), P, T1, 0xe2, a1, sizeof(a1));
	ctx_read(s, AT(31), P, T1, 0xe2);
	ctx_process(s, AT(35), P, "spill", SCF_ORIGIN_CTX_UPDATE, SCF_CTX_RESOLVED, "spill-svc-2",
		    "zone", "b", k2, 2, NULL);
	ctx_record(s, AT(40), P, T1, 0xe2, a2, sizeof(a2));
	ctx_read(s, AT(41), P, T1, 0xe2);
	/* E3 in two processes, which both die in it: SIGSEGV first, then SIGKILL */
	ctx_read(s, AT(50), K1, K1, 0xe3);
	ctx_read(s, AT(51), K2, K2, 0xe3);
	ctx_read(s, AT(52), P, T1, 0);
	proc_event_status(s, AT(60), K1, 11);
	ctx_read(s, AT(62), P, T1, 0);
	proc_event_status(s, AT(70), K2, 9);
	/* E4 fails with EAGAIN, its thread leaves it, then it fails with four other errnos and
	 * EAGAIN again: its fifth distinct errno is the one its first part saw */
	err_read(s, AT(80), P, T1, 0xe4, 11);
	ctx_read(s, AT(81), P, T1, 0);
	err_read(s, AT(82), P, T1, 0xe4, 4);
	err_read(s, AT(83), P, T1, 0xe4, 5);
	err_read(s, AT(84), P, T1, 0xe4, 2);
	err_read(s, AT(85), P, T1, 0xe4, 9);
	err_read(s, AT(86), P, T1, 0xe4, 11);
	end(s, AT(2000), 0);
}

/* A syscall of thread tid in span (trace_byte x16, span_byte x8): sel, a read that fails with
 * EAGAIN (which --syscall read and --errors-only select), else a write of 1 byte. */
static void filt_sc(struct scen *s, uint64_t ts, uint32_t pid, uint32_t tid, uint8_t trace_byte,
		    uint8_t span_byte, bool sel)
{
	struct scf_syscall b = { .duration_ns = 1000, .ret = sel ? -11 : 1, .tid = tid,
				 .pid = pid, .nr = sel ? 0 : 1, .abi = SCF_ABI_X86_64,
				 .args = { sel ? 0 : 1, 0x1000, 1 }, .trace_flags = 1 };
	struct scf_rec_builder rb;

	memset(b.trace_id, trace_byte, 16);
	memset(b.span_id, span_byte, 8);
	scf_rb_begin(&rb, s->buf, sizeof(s->buf), SCF_REC_SYSCALL, SCF_SYSCALL_F_CTX, &b,
		     sizeof(b));
	emit(s, ts, &rb);
}

static void host_filter(struct scen *s)
{
	const uint32_t P = SCEN_FILTER_PID, T1 = P + 1, T2 = P + 2, T3 = P + 3;
	const uint32_t V = P + 10, W = P + 20, L = P + 30, R = P + 40, S = P + 50;
	const uint8_t F1 = 0xf1, F2 = 0xf2, F3 = 0xf3;

	process(s, AT(1), P, "filt", NULL, SCF_CTX_NONE, "no context");
	thread(s, AT(2), P, T1, "filt-1");
	thread(s, AT(2), P, T2, "filt-2");
	thread(s, AT(2), P, T3, "filt-3");
	process(s, AT(3), V, "view", NULL, SCF_CTX_NONE, "no context");
	process(s, AT(3), W, "watch", NULL, SCF_CTX_NONE, "no context");
	process(s, AT(3), L, "late", NULL, SCF_CTX_NONE, "no context");
	process(s, AT(3), R, "peer", NULL, SCF_CTX_NONE, "no context");
	process(s, AT(3), S, "seek", NULL, SCF_CTX_NONE, "no context");
	/* F1 made by T1, then idle while T3 runs other traces */
	filt_sc(s, AT(10), P, T1, 0x61, F1, true);
	for (uint8_t i = 0; i < 3; i++)
		filt_sc(s, AT(11 + i), P, T3, (uint8_t)(0x64 + i), (uint8_t)(1 + i), true);
	/* T2 and view find F1 (unselected); T2 then adds to it without getting it; T1 again */
	filt_sc(s, AT(20), P, T2, 0x61, F1, false);
	filt_sc(s, AT(21), V, V, 0x61, F1, false);
	filt_sc(s, AT(22), P, T2, 0x61, F1, true);
	filt_sc(s, AT(23), P, T1, 0x61, F1, true);
	filt_sc(s, AT(24), P, T3, 0x67, 4, true);
	/* T2, late and seek look for F2 and F3 before they exist; T1 makes them; T2 then gets
	 * F2 and seek finds F3 again; watch finds F2 and peer gets it; seek adds to F3 */
	filt_sc(s, AT(30), P, T2, 0x62, F2, false);
	filt_sc(s, AT(31), L, L, 0x63, F3, false);
	filt_sc(s, AT(32), S, S, 0x63, F3, false);
	filt_sc(s, AT(33), P, T1, 0x62, F2, true);
	filt_sc(s, AT(34), P, T1, 0x63, F3, true);
	filt_sc(s, AT(35), P, T3, 0x68, 5, true);
	filt_sc(s, AT(36), P, T3, 0x6a, 7, true);
	filt_sc(s, AT(37), P, T2, 0x62, F2, true);
	filt_sc(s, AT(38), S, S, 0x63, F3, false);
	filt_sc(s, AT(39), P, T3, 0x6b, 8, true);
	filt_sc(s, AT(40), P, T3, 0x6c, 9, true);
	filt_sc(s, AT(41), W, W, 0x62, F2, false);
	filt_sc(s, AT(42), R, R, 0x62, F2, true);
	filt_sc(s, AT(43), S, S, 0x63, F3, true);
	/* view dies in F1 and watch in F2 (both found), late in none (F3 was not there), peer
	 * in F2 after watch */
	proc_event_status(s, AT(45), V, 9);
	proc_event_status(s, AT(46), W, 9);
	proc_event_status(s, AT(47), L, 11);
	proc_event_status(s, AT(48), R, 6);
	filt_sc(s, AT(50), P, T3, 0x69, 6, true);
	end(s, AT(2000), 0);
}

static void host_hold(struct scen *s)
{
	const uint32_t P = SCEN_HOLD_PID, T1 = P + 1, T2 = P + 2, T3 = P + 3;

	process(s, AT(1), P, "hold", NULL, SCF_CTX_NONE, "no context");
	thread(s, AT(2), P, T1, "hold-1");
	thread(s, AT(2), P, T2, "hold-2");
	thread(s, AT(2), P, T3, "hold-3");
	/* T3 leaves trace 71..: with a budget, it is spilled before T2 looks for G1 */
	filt_sc(s, AT(10), P, T3, 0x71, 1, true);
	filt_sc(s, AT(11), P, T3, 0x72, 2, true);
	/* T2 finds no G1 (unselected), T1 makes it, T2 gets it: G1 has two getters */
	filt_sc(s, AT(20), P, T2, 0x70, 0x91, false);
	filt_sc(s, AT(21), P, T1, 0x70, 0x91, true);
	filt_sc(s, AT(22), P, T2, 0x70, 0x91, true);
	filt_sc(s, AT(23), P, T3, 0x73, 3, true);
	end(s, AT(2000), 0);
}

int scen_write(struct scf_writer *w, int variant)
{
	struct scen s = { .w = w };

	section(&s, variant);
	if (variant == 7)
		host_hold(&s);
	else if (variant == 6)
		host_filter(&s);
	else if (variant == 5)
		host_spill(&s);
	else if (variant == 4)
		host2(&s);
	else if (variant == 3)
		host_late(&s);
	else if (variant == 2)
		host_ctx(&s);
	else if (variant)
		host2(&s);
	else
		host1(&s);
	return s.err;
}

int scen_write_file(const char *path, int variant, bool uncompressed, char *err, size_t errlen)
{
	struct scf_writer_opts o = { .sz = sizeof(o), .uncompressed = uncompressed };
	struct scf_writer *w = scf_writer__open(path, &o, err, errlen);
	int ret;

	if (!w)
		return -errno;
	ret = scen_write(w, variant);
	if (ret) {
		snprintf(err, errlen, "%s", scf_writer__errmsg(w));
		scf_writer__close(w, NULL, 0);
		return ret;
	}
	return scf_writer__close(w, err, errlen);
}
