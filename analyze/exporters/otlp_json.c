// SPDX-License-Identifier: BSD-2-Clause
/*
 * otlp_json.c - `export --format otlp-json`: an OTLP/JSON ExportTraceServiceRequest
 * (resourceSpans -> scopeSpans -> spans), the JSON mapping of opentelemetry-proto with its
 * OTLP rules: trace and span ids in lower-case hex, 64-bit integers as decimal strings, enums
 * as integers, field names in lowerCamelCase.
 *
 * --granularity syscall (default): each syscall of an application span is a span whose trace
 * id is the application's and whose parent is the application's span. Syscalls stream out as
 * the replay goes; consecutive syscalls of one process share a resourceSpans entry (OTLP allows
 * several entries for one resource, so nothing is held back).
 *
 * --granularity span: one span per application span, covering its syscalls, with their counts,
 * bytes, files and peers, and one event per failed syscall; written after the replay.
 *
 * --orphans: syscalls that ran with no trace context are exported too, under one synthetic
 * trace per thread (see orphan_trace_id), as root spans (or one root span per thread).
 *
 * --format otlp-jsonl writes the same as JSON Lines: one compact ExportTraceServiceRequest of
 * at most --max-spans spans per line (each line is a TracesData document too, as the
 * OpenTelemetry Collector's otlpjsonfile receiver reads them, and can be POSTed alone), so that
 * a large capture does not become one request too large for a collector.
 *
 * New span ids are derived from what identifies their syscall or group (hash of the ids, the
 * host's boot id, tid, time and number), so exporting the same file twice gives the same ids.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "report.h"
#include "spill_sort.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

#define SCOPE_NAME "spancap"
#define SPAN_KIND_INTERNAL 1
#define STATUS_ERROR 2

/* Syscalls of one thread outside any span (--orphans with --granularity span). */
struct orphan_group {
	struct ana_thread *t;
	struct ana_host *h;
	const struct ana_pctx *pctx; /* its process's context at its first syscall */
	uint32_t seq;
	struct ana_stats st;
};

struct otlp {
	bool doc_open;	  /* {"resourceSpans": [ written */
	bool group_open;  /* a resourceSpans entry is open (spans array) */
	bool wrote_doc;	  /* a whole document was written (otlp-jsonl) */
	uint32_t doc_spans; /* spans in the open document */
	const struct ana_proc *cur_proc;
	uint64_t cur_res; /* resource_hash() of the open entry */
	struct ana_map orphan_map; /* struct ana_thread * -> struct orphan_group * */
	struct ana_vec orphans;
};

static struct otlp *state(struct ana_export *x)
{
	if (!x->priv)
		x->priv = calloc(1, sizeof(struct otlp));
	if (!x->priv)
		x->nomem = true;
	return x->priv;
}

/* ---- ids ------------------------------------------------------------------------------------ */

static void put_be64(uint8_t *out, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* A span id from the facts that identify the span; never all zero (invalid in OTLP). */
static void derive_span_id(uint8_t out[8], const void *facts, size_t len)
{
	uint64_t h = ana_hash_bytes(facts, len, 0x5370616e636170ull); /* "Spancap" */

	put_be64(out, h ? h : 1);
}

static const uint8_t *host_boot_id(const struct ana_host *h)
{
	static const uint8_t zero[16];

	return h ? h->boot_id : zero;
}

/*
 * Synthetic trace of a thread's syscalls without context: a hash of the host's boot id, pid,
 * tid and the thread's start, so that it differs between threads and runs of a pid and stays
 * the same from one export to the next.
 */
static void orphan_trace_id(uint8_t out[16], const struct ana_host *h, const struct ana_thread *t)
{
	struct {
		uint8_t boot_id[16];
		uint32_t pid, tid;
		uint64_t start_ns;
	} k;

	memset(&k, 0, sizeof(k));
	memcpy(k.boot_id, host_boot_id(h), 16);
	k.pid = t->pid;
	k.tid = t->tid;
	k.start_ns = t->start_ns;
	put_be64(out, ana_hash_bytes(&k, sizeof(k), 0x6f727068616e31ull));
	put_be64(out + 8, ana_hash_bytes(&k, sizeof(k), 0x6f727068616e32ull) | 1);
}

/* ---- AnyValue key/value pairs ---------------------------------------------------------------- */

static void kv_begin(struct ana_json *j, const char *key)
{
	ana_json_obj(j, NULL);
	ana_json_str(j, "key", key);
	ana_json_obj(j, "value");
}

static void kv_end(struct ana_json *j)
{
	ana_json_end(j, true);
	ana_json_end(j, true);
}

static void kv_strn(struct ana_json *j, const char *key, const void *s, size_t len)
{
	kv_begin(j, key);
	ana_json_strn(j, "stringValue", s, len);
	kv_end(j);
}

static void kv_str(struct ana_json *j, const char *key, const char *s)
{
	kv_strn(j, key, s, strlen(s));
}

static void kv_int(struct ana_json *j, const char *key, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	kv_begin(j, key);
	ana_json_str(j, "intValue", buf); /* int64: a string in proto3 JSON */
	kv_end(j);
}

static void kv_bool(struct ana_json *j, const char *key, bool v)
{
	kv_begin(j, key);
	ana_json_bool(j, "boolValue", v);
	kv_end(j);
}

static void u64_str(struct ana_json *j, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	ana_json_str(j, key, buf);
}

static uint64_t clamp_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : v;
}

/* ---- resource ------------------------------------------------------------------------------- */

static bool kv_has(const struct ana_kv *kv, uint32_t n, const char *key)
{
	for (uint32_t i = 0; i < n; i++)
		if (kv[i].key && !strcmp(kv[i].key, key))
			return true;
	return false;
}

/* Whether the application's context sets key (its resource or its process attributes). */
static bool res_has(const struct ana_pctx *x, const char *key)
{
	return x && (kv_has(x->res, x->nres, key) || kv_has(x->extra, x->nextra, key));
}

/* One OTEL_CTX resource attribute with its type; arrays, maps and bytes are left out (the
 * analyzer keeps them only as text). */
static void resource_kv(struct ana_json *j, const struct ana_kv *kv)
{
	char *end;
	double d;
	long long v;

	if (!kv->key || !kv->val)
		return;
	switch (kv->type) {
	case SCF_VAL_STRING:
		kv_str(j, kv->key, kv->val);
		break;
	case SCF_VAL_BOOL:
		kv_bool(j, kv->key, !strcmp(kv->val, "true"));
		break;
	case SCF_VAL_INT:
		v = strtoll(kv->val, &end, 10);
		if (!*end && end != kv->val)
			kv_int(j, kv->key, v);
		break;
	case SCF_VAL_DOUBLE:
		d = strtod(kv->val, &end);
		if (!*end && end != kv->val && isfinite(d)) {
			char buf[40];

			snprintf(buf, sizeof(buf), "%.17g", d);
			kv_begin(j, kv->key);
			ana_json_num(j, "doubleValue", buf);
			kv_end(j);
		}
		break;
	default:
		break;
	}
}

/* OTel's name for the architecture uname -m reports. */
static const char *host_arch(const char *machine)
{
	if (!strcmp(machine, "x86_64"))
		return "amd64";
	if (!strcmp(machine, "aarch64"))
		return "arm64";
	if (machine[0] == 'i' && !strcmp(machine + 2, "86"))
		return "x86";
	return machine;
}

/*
 * The application's own resource attributes and process attributes (OTEP 4719; the resource's
 * win a key both set; threadlocal.* never, OTEP 4947) from the process context x in force when
 * the spans ran, then what the capture knows of the process and host under the
 * semantic-convention names, unless the application set them.
 */
static void write_resource(struct ana_json *j, const struct ana_host *h, const struct ana_proc *p,
			   const struct ana_pctx *x)
{
	char buf[64];

	ana_json_obj(j, "resource");
	ana_json_arr(j, "attributes");
	for (uint32_t i = 0; x && i < x->nres; i++)
		if (!ana_key_threadlocal(x->res[i].key))
			resource_kv(j, &x->res[i]);
	for (uint32_t i = 0; x && i < x->nextra; i++)
		if (!ana_key_threadlocal(x->extra[i].key) &&
		    !kv_has(x->res, x->nres, x->extra[i].key))
			resource_kv(j, &x->extra[i]);
	if (!res_has(x, "service.name")) {
		/* the SDKs' default for a service that names none */
		snprintf(buf, sizeof(buf), "unknown_service:%s", p && p->comm ? p->comm : "");
		kv_str(j, "service.name", buf);
	}
	if (p) {
		if (!res_has(x, "process.pid"))
			kv_int(j, "process.pid", p->pid);
		if (!res_has(x, "process.parent_pid") && p->ppid)
			kv_int(j, "process.parent_pid", p->ppid);
		if (!res_has(x, "process.executable.name") && p->comm)
			kv_str(j, "process.executable.name", p->comm);
		if (!res_has(x, "process.executable.path") && p->exe)
			kv_str(j, "process.executable.path", p->exe);
		if (!res_has(x, "process.command_line") && p->argv)
			kv_str(j, "process.command_line", p->argv);
		if (!res_has(x, "process.user.id"))
			kv_int(j, "process.user.id", p->uid);
	}
	if (h) {
		if (h->hostname && !res_has(x, "host.name"))
			kv_str(j, "host.name", h->hostname);
		if (h->machine && !res_has(x, "host.arch"))
			kv_str(j, "host.arch", host_arch(h->machine));
		if (!res_has(x, "os.type"))
			kv_str(j, "os.type", "linux");
		if (h->kernel_release && !res_has(x, "os.version"))
			kv_str(j, "os.version", h->kernel_release);
		kv_str(j, "spancap.host.boot_id", ana_fmt_hex(buf, h->boot_id, 16));
	}
	ana_json_end(j, false);
	ana_json_end(j, true);
}

/* ---- document and resource groups ----------------------------------------------------------- */

static void doc_open(struct ana_export *x, struct otlp *o)
{
	if (o->doc_open)
		return;
	ana_json_obj(&x->j, NULL);
	ana_json_arr(&x->j, "resourceSpans");
	o->doc_open = true;
}

static void group_close(struct ana_export *x, struct otlp *o)
{
	if (!o->group_open)
		return;
	ana_json_end(&x->j, false); /* spans */
	ana_json_end(&x->j, true);  /* scopeSpans[0] */
	ana_json_end(&x->j, false); /* scopeSpans */
	ana_json_end(&x->j, true);  /* resourceSpans[i] */
	o->group_open = false;
}

static void doc_close(struct ana_export *x, struct otlp *o)
{
	if (!o->doc_open)
		return;
	group_close(x, o);
	ana_json_end(&x->j, false);
	ana_json_end(&x->j, true);
	ana_json_finish(&x->j);
	o->doc_open = false;
	o->wrote_doc = true;
	o->doc_spans = 0;
}

/* After each span: otlp-jsonl ends its line when it holds max_spans spans. */
static void span_done(struct ana_export *x, struct otlp *o)
{
	if (x->format == ANA_EXPORT_OTLP_JSONL && ++o->doc_spans >= x->max_spans)
		doc_close(x, o);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return s ? ana_hash_bytes(s, strlen(s) + 1, h) : ana_hash_bytes("", 0, h + 1);
}

static uint64_t hash_kv(uint64_t h, const struct ana_kv *kv, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		h = hash_str(h, kv[i].key);
		h = hash_str(h ^ kv[i].type, kv[i].val);
	}
	return h;
}

/*
 * What the resource of p under context pc says. A process keeps its struct across exec and
 * context updates (its name, executable and attributes change), and freed strings can come
 * back at the same address, so the resource is compared by content.
 */
static uint64_t resource_hash(const struct ana_proc *p, const struct ana_pctx *pc)
{
	uint64_t h = 0x7265736f75726365ull; /* "resource" */

	if (!p)
		return h;
	h = hash_str(h, p->comm);
	h = hash_str(h, p->exe);
	h = hash_str(h, p->argv);
	if (pc) {
		h = hash_kv(h, pc->res, pc->nres);
		h = hash_kv(h ^ 0x65787472, pc->extra, pc->nextra); /* "extr" */
	}
	return h;
}

/* Makes the open resourceSpans entry the one of process p (as described now) under the process
 * context pc. */
static void group_for(struct ana_export *x, struct otlp *o, const struct ana_host *h,
		      const struct ana_proc *p, const struct ana_pctx *pc)
{
	struct ana_json *j = &x->j;

	uint64_t res = resource_hash(p, pc);

	if (o->doc_open && o->group_open && o->cur_proc == p && o->cur_res == res)
		return;
	doc_open(x, o);
	group_close(x, o);
	ana_json_obj(j, NULL);
	write_resource(j, h, p, pc);
	ana_json_arr(j, "scopeSpans");
	ana_json_obj(j, NULL);
	ana_json_obj(j, "scope");
	ana_json_str(j, "name", SCOPE_NAME);
	ana_json_str(j, "version", SPANCAP_VERSION);
	ana_json_end(j, true);
	ana_json_arr(j, "spans");
	o->group_open = true;
	o->cur_proc = p;
	o->cur_res = res;
}

/* ---- targets -------------------------------------------------------------------------------- */

/* The remote address as the capture recorded it, as semantic attributes. */
static void peer_attrs(struct ana_json *j, const struct ana_sockaddr *peer)
{
	struct scf_sockaddr sa;
	char text[256];
	const char *unix_prefix = "unix:"; /* how scf_sockaddr_format() begins a UNIX address */

	if (scf_sockaddr_decode(peer->bytes, peer->len, &sa))
		return;
	switch (sa.family) {
	case SCF_AF_INET:
		inet_ntop(AF_INET, sa.addr, text, sizeof(text));
		break;
	case SCF_AF_INET6:
		inet_ntop(AF_INET6, sa.addr, text, sizeof(text));
		break;
	case SCF_AF_UNIX:
		/* the path as the analyzer prints it: '@' for an abstract name, '?' for a byte
		 * that is not printable, "(unnamed)" */
		scf_sockaddr_format(&sa, text, sizeof(text));
		kv_str(j, "network.transport", "unix");
		kv_str(j, "network.peer.address", text + strlen(unix_prefix));
		return;
	default: /* "family17" */
		scf_sockaddr_format(&sa, text, sizeof(text));
		kv_str(j, "network.peer.address", text);
		return;
	}
	kv_str(j, "network.peer.address", text);
	kv_int(j, "network.peer.port", sa.port);
}

/* Host pids of a pid result and pid arguments in another pid namespace, where known
 * (ana_syscall_host_pid); an unknown one shows as "[host ?]" in spancap.syscall.call. */
static void host_pid_attrs(struct ana_json *j, const struct ana_event *ev)
{
	char key[48];

	if (ev->ret_host_pid > 0)
		kv_int(j, "spancap.syscall.ret_host_pid", ev->ret_host_pid);
	for (int i = 0; i < 6; i++) {
		if (ev->arg_host_pid[i] <= 0)
			continue;
		snprintf(key, sizeof(key), "spancap.syscall.arg_host_pid.%d", i);
		kv_int(j, key, ev->arg_host_pid[i]);
	}
}

static void target_attrs(struct ana_json *j, const struct ana_event *ev)
{
	if (!ev->target)
		return;
	if (ev->target_kind == ANA_T_FILE)
		kv_str(j, "file.path", ev->target);
	else if (ev->target_kind == ANA_T_SOCKET && ev->target_addr)
		peer_attrs(j, ev->target_addr);
	else if (ev->target_kind == ANA_T_SOCKET) /* no peer known: the socket's own name */
		kv_str(j, "network.peer.address", ev->target);
	else /* pipes, anonymous inodes, unknown fds */
		kv_str(j, "spancap.fd.target", ev->target);
}

/* ---- one span per syscall ------------------------------------------------------------------- */

static void write_ids(struct ana_json *j, const uint8_t trace_id[16], const uint8_t span_id[8],
		      const uint8_t *parent)
{
	ana_json_hex(j, "traceId", trace_id, 16);
	ana_json_hex(j, "spanId", span_id, 8);
	if (parent)
		ana_json_hex(j, "parentSpanId", parent, 8);
}

static void write_error_status(struct ana_json *j, const char *message)
{
	ana_json_obj(j, "status");
	ana_json_str(j, "message", message);
	ana_json_u64(j, "code", STATUS_ERROR);
	ana_json_end(j, true);
}

static void syscall_span(struct ana_export *x, const struct ana_event *ev)
{
	const struct scf_syscall *sc = ev->sc;
	struct ana_json *j = &x->j;
	struct ana_export_sc f;
	uint8_t trace_id[16], span_id[8];
	const uint8_t *parent = NULL;
	char call[2048], eb[16];
	const uint8_t *path;
	uint16_t path_len;
	struct {
		uint8_t trace_id[16], parent[8], boot_id[16];
		uint64_t ts_ns;
		uint32_t tid;
		uint16_t nr;
		uint8_t abi, pad;
	} k;

	ana_export_sc_facts(ev, &f);
	if (ev->span) {
		memcpy(trace_id, ev->span->trace_id, 16);
		parent = ev->span->span_id;
	} else {
		orphan_trace_id(trace_id, ev->host, ev->thr);
	}
	memset(&k, 0, sizeof(k));
	memcpy(k.trace_id, trace_id, 16);
	if (parent)
		memcpy(k.parent, parent, 8);
	memcpy(k.boot_id, host_boot_id(ev->host), 16);
	k.ts_ns = ev->ts_ns;
	k.tid = sc->tid;
	k.nr = sc->nr;
	k.abi = sc->abi;
	derive_span_id(span_id, &k, sizeof(k));

	ana_json_obj(j, NULL);
	write_ids(j, trace_id, span_id, parent);
	ana_json_str(j, "name", f.name);
	ana_json_u64(j, "kind", SPAN_KIND_INTERNAL);
	u64_str(j, "startTimeUnixNano", ev->ts_ns);
	u64_str(j, "endTimeUnixNano", f.end_ns);
	ana_json_arr(j, "attributes");
	kv_int(j, "thread.id", sc->tid);
	if (ev->thr && ev->thr->name)
		kv_str(j, "thread.name", ev->thr->name);
	kv_int(j, "spancap.syscall.nr", sc->nr);
	kv_str(j, "spancap.syscall.call", ana_fmt_call(call, sizeof(call), ev));
	target_attrs(j, ev);
	/* execve and the like: the path item is what the call worked on */
	if (!ev->target && scf_record_item(ev->rec, SCF_ITEM_PATH, &path, &path_len) == 1)
		kv_strn(j, "file.path", path, path_len);
	if (f.no_exit)
		kv_bool(j, "spancap.syscall.no_exit", true);
	else
		kv_int(j, "spancap.syscall.ret", sc->ret);
	host_pid_attrs(j, ev);
	if (f.bytes_read)
		kv_int(j, "spancap.bytes_read", (int64_t)f.bytes_read);
	if (f.bytes_written)
		kv_int(j, "spancap.bytes_written", (int64_t)f.bytes_written);
	if (f.failed) {
		kv_str(j, "error.type", ana_fmt_errno(eb, sizeof(eb), f.err));
		kv_int(j, "spancap.errno", f.err);
	}
	if (!ev->span)
		kv_bool(j, "spancap.no_context", true);
	ana_json_end(j, false);
	if (f.failed)
		write_error_status(j, ana_fmt_errno(eb, sizeof(eb), f.err));
	ana_json_end(j, true);
}

/* ---- orphans (span granularity) ------------------------------------------------------------- */

static void orphan_add(struct ana_export *x, struct otlp *o, const struct ana_event *ev)
{
	struct ana_key k = ana_key3((uint64_t)(uintptr_t)ev->thr, 0, 0);
	struct orphan_group *g = ana_map_get(&o->orphan_map, &k, NULL, NULL);
	struct ana_export_sc f;

	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g || ana_vec_push(&o->orphans, g)) {
			free(g);
			x->nomem = true;
			return;
		}
		g->t = ev->thr;
		g->h = ev->host;
		g->pctx = ev->proc ? ev->proc->pctx : NULL;
		g->seq = o->orphans.n - 1;
		if (ana_map_put(&o->orphan_map, &k, g, NULL, NULL)) {
			x->nomem = true;
			return;
		}
	}
	ana_export_sc_facts(ev, &f);
	if (!g->st.syscalls || ev->ts_ns < g->st.first_ns)
		g->st.first_ns = ev->ts_ns;
	if (f.end_ns > g->st.last_ns)
		g->st.last_ns = f.end_ns;
	g->st.syscalls++;
	g->st.errors += f.failed;
	g->st.time_ns += f.end_ns - ev->ts_ns;
	g->st.bytes_read += f.bytes_read;
	g->st.bytes_written += f.bytes_written;
}

void ana_otlp_event(struct ana_ctx *c, const struct ana_event *ev, void *arg)
{
	struct ana_export *x = arg;
	struct otlp *o = state(x);

	(void)c;
	if (!o || ev->type != SCF_REC_SYSCALL || !ev->thr)
		return;
	if (!ev->span && !x->orphans)
		return;
	if (x->gran == ANA_GRAN_SPAN) {
		if (!ev->span)
			orphan_add(x, o, ev);
		return;
	}
	group_for(x, o, ev->host, ev->proc, ev->proc ? ev->proc->pctx : NULL);
	syscall_span(x, ev);
	span_done(x, o);
}

/* ---- one span per application span ---------------------------------------------------------- */

static void stats_attrs(struct ana_json *j, const struct ana_stats *st)
{
	kv_int(j, "spancap.syscalls.count", (int64_t)clamp_i64(st->syscalls));
	kv_int(j, "spancap.syscalls.errors", (int64_t)clamp_i64(st->errors));
	kv_int(j, "spancap.syscalls.time_ns", (int64_t)clamp_i64(st->time_ns));
	kv_int(j, "spancap.bytes_read", (int64_t)clamp_i64(st->bytes_read));
	kv_int(j, "spancap.bytes_written", (int64_t)clamp_i64(st->bytes_written));
}

/* The names of a span's io rows of one kind, as a string array attribute. */
static void io_names_attr(struct ana_json *j, const char *key, const struct ana_io_table *t,
			  bool sockets)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->n; i++)
		n += (t->rows[i]->kind == ANA_T_SOCKET) == sockets;
	if (!n)
		return;
	kv_begin(j, key);
	ana_json_obj(j, "arrayValue");
	ana_json_arr(j, "values");
	for (uint32_t i = 0; i < t->n; i++) {
		if ((t->rows[i]->kind == ANA_T_SOCKET) != sockets)
			continue;
		ana_json_obj(j, NULL);
		ana_json_str(j, "stringValue", t->rows[i]->name);
		ana_json_end(j, true);
	}
	ana_json_end(j, false);
	ana_json_end(j, true);
	kv_end(j);
}

/*
 * An application span during which its process died of a signal (ana_span.killed): the
 * OpenTelemetry way to say a span ended in an exception, an "exception" event, on the span that
 * spancap writes for it; the span's status is ERROR with the same message.
 */
static void killed_event(struct ana_json *j, const struct ana_span *s, char *msg, size_t msz)
{
	char kb[48], sb[24];

	snprintf(msg, msz, "process %u died of %s while this span ran", s->killed_pid,
		 ana_fmt_killed(kb, sizeof(kb), s->killed));
	ana_json_obj(j, NULL);
	u64_str(j, "timeUnixNano", s->killed_ns);
	ana_json_str(j, "name", "exception");
	ana_json_arr(j, "attributes");
	kv_str(j, "exception.type", ana_fmt_signal(sb, sizeof(sb), s->killed & 0x7f));
	kv_str(j, "exception.message", msg);
	kv_int(j, "process.pid", s->killed_pid);
	if (s->killed & 0x80)
		kv_bool(j, "spancap.core_dumped", true);
	ana_json_end(j, false);
	ana_json_end(j, true);
}

/* The failed syscalls of a group span, and its process's death when killed is not NULL (msg
 * gets the death's message). */
static void error_events(struct ana_json *j, const struct ana_span_detail *d,
			 const struct ana_span *killed, char *msg, size_t msz)
{
	char nb[32], eb[16];

	if ((!d || !d->nerrs) && !killed)
		return;
	ana_json_arr(j, "events");
	for (uint32_t i = 0; d && i < d->nerrs; i++) {
		const struct ana_error_ev *e = &d->errs[i];

		ana_json_obj(j, NULL);
		u64_str(j, "timeUnixNano", e->ts_ns);
		ana_json_str(j, "name", scf_syscall_name(e->nr, nb, sizeof(nb)));
		ana_json_arr(j, "attributes");
		kv_str(j, "error.type", ana_fmt_errno(eb, sizeof(eb), e->err));
		kv_int(j, "thread.id", e->tid);
		if (e->target)
			kv_str(j, "spancap.target", e->target);
		ana_json_end(j, false);
		ana_json_end(j, true);
	}
	if (killed)
		killed_event(j, killed, msg, msz);
	ana_json_end(j, false);
}

static void group_span(struct ana_json *j, const uint8_t trace_id[16], const uint8_t *parent,
		       const struct ana_host *h, const struct ana_thread *t, bool one_thread,
		       const struct ana_stats *st, const struct ana_span_detail *d,
		       const struct ana_span *s)
{
	uint8_t span_id[8];
	char msg[80];
	struct {
		uint8_t trace_id[16], parent[8], boot_id[16];
		uint32_t tid, what;
	} k;

	memset(&k, 0, sizeof(k));
	memcpy(k.trace_id, trace_id, 16);
	if (parent)
		memcpy(k.parent, parent, 8);
	memcpy(k.boot_id, host_boot_id(h), 16);
	k.tid = parent ? 0 : t->tid;
	k.what = 0x67727570; /* a group, never a syscall's key */
	derive_span_id(span_id, &k, sizeof(k));

	ana_json_obj(j, NULL);
	write_ids(j, trace_id, span_id, parent);
	ana_json_str(j, "name", parent ? "syscalls" : "syscalls without trace context");
	ana_json_u64(j, "kind", SPAN_KIND_INTERNAL);
	u64_str(j, "startTimeUnixNano", st->first_ns);
	u64_str(j, "endTimeUnixNano", st->last_ns);
	ana_json_arr(j, "attributes");
	if (t && one_thread) {
		kv_int(j, "thread.id", t->tid);
		if (t->name)
			kv_str(j, "thread.name", t->name);
	}
	stats_attrs(j, st);
	if (d) {
		io_names_attr(j, "spancap.files", &d->io, false);
		io_names_attr(j, "spancap.network.peers", &d->io, true);
	}
	if (!parent)
		kv_bool(j, "spancap.no_context", true);
	ana_json_end(j, false);
	error_events(j, d, s && s->killed ? s : NULL, msg, sizeof(msg));
	if (!(s && s->killed) && st->errors)
		snprintf(msg, sizeof(msg), "%" PRIu64 " of %" PRIu64 " syscalls failed", st->errors,
			 st->syscalls);
	if ((s && s->killed) || st->errors)
		write_error_status(j, msg);
	ana_json_end(j, true);
}

/*
 * What the span granularity writes, ordered by host, process, then the spans (in the order
 * the replay made them) before the orphan groups (in the order of their threads): each span
 * as ana_traces_each hands it over (spilled ones merged), through the on-disk sort
 * (spill_sort.h) within the memory budget. Key: {u32 host, u32 process seq, u8 kind (0 a span,
 * 1 an orphan group), u32 seq}. Value of a span: {ids, u32 process, u32 process context,
 * u32 thread (indexes, NONE: none), u8 multi_thread, 7 x u64 statistics, u32 killed, u32 pid,
 * u64 time, u32 names, each {u8 socket, u32 length with its NUL, name}, u32 failures, each
 * {u64 time, u32 tid, u32 nr, u32 errno, u32 target length with its NUL (0: none), target}};
 * of an orphan group: {u32 its index}.
 */
#define NONE UINT32_MAX
#define GROUP_KEY_LEN 13

static struct ana_host *host_at(const struct ana_ctx *c, uint32_t idx)
{
	return idx < c->hosts.n ? c->hosts.v[idx] : NULL;
}

static void gput_le(struct ana_bytes *b, uint64_t v, int n)
{
	uint8_t x[8];

	for (int i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	ana_bytes_put(b, x, (size_t)n);
}

static void group_key(uint8_t k[GROUP_KEY_LEN], uint32_t host, const struct ana_proc *p,
		      uint8_t kind, uint32_t seq)
{
	uint32_t pseq = p ? p->seq : 0;

	for (int i = 0; i < 4; i++) {
		k[i] = (uint8_t)(host >> (8 * (3 - i)));
		k[4 + i] = (uint8_t)(pseq >> (8 * (3 - i)));
		k[9 + i] = (uint8_t)(seq >> (8 * (3 - i)));
	}
	k[8] = kind;
}

struct groups {
	struct ana_export *x;
	struct ana_sorter *sort;
	struct ana_bytes b;
	int err; /* a sorter's -errno */
};

static int group_add(struct ana_ctx *c, const struct ana_span *s, void *arg)
{
	struct groups *g = arg;
	struct ana_bytes *b = &g->b;
	const struct ana_span_detail *d = s->detail;
	uint8_t k[GROUP_KEY_LEN];
	uint32_t ne = d ? d->nerrs : 0, nn = d ? d->io.n : 0;

	(void)c;
	if (!s->st.syscalls)
		return 0;
	b->n = 0;
	ana_bytes_put(b, s->trace_id, 16);
	ana_bytes_put(b, s->span_id, 8);
	gput_le(b, s->proc ? s->proc->seq : NONE, 4);
	gput_le(b, s->pctx ? s->pctx->idx : NONE, 4);
	gput_le(b, s->thr ? s->thr->seq : NONE, 4);
	gput_le(b, s->multi_thread, 1);
	gput_le(b, s->st.syscalls, 8);
	gput_le(b, s->st.errors, 8);
	gput_le(b, s->st.time_ns, 8);
	gput_le(b, s->st.bytes_read, 8);
	gput_le(b, s->st.bytes_written, 8);
	gput_le(b, s->st.first_ns, 8);
	gput_le(b, s->st.last_ns, 8);
	gput_le(b, (uint32_t)s->killed, 4);
	gput_le(b, s->killed_pid, 4);
	gput_le(b, s->killed_ns, 8);
	gput_le(b, nn, 4);
	for (uint32_t i = 0; i < nn; i++) {
		const struct ana_io_row *r = d->io.rows[i];

		gput_le(b, r->kind == ANA_T_SOCKET, 1);
		gput_le(b, strlen(r->name) + 1, 4);
		ana_bytes_put(b, r->name, strlen(r->name) + 1);
	}
	gput_le(b, ne, 4);
	for (uint32_t i = 0; i < ne; i++) {
		const struct ana_error_ev *e = &d->errs[i];

		gput_le(b, e->ts_ns, 8);
		gput_le(b, e->tid, 4);
		gput_le(b, e->nr, 4);
		gput_le(b, (uint32_t)e->err, 4);
		gput_le(b, e->target ? strlen(e->target) + 1 : 0, 4);
		if (e->target)
			ana_bytes_put(b, e->target, strlen(e->target) + 1);
	}
	if (b->nomem || b->n > UINT32_MAX) {
		g->err = -ENOMEM;
		return 1;
	}
	group_key(k, s->host, s->proc, 0, s->seq);
	g->err = ana_sorter__add(g->sort, k, sizeof(k), b->p, (uint32_t)b->n);
	return g->err ? 1 : 0;
}

/* Our own sorted bytes, read as any input. */
struct grd {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};

static uint64_t gget(struct grd *r, int n)
{
	uint64_t v = 0;

	if (r->bad || (size_t)n > r->n - r->off) {
		r->bad = true;
		return 0;
	}
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | r->p[r->off + (size_t)i];
	r->off += (size_t)n;
	return v;
}

/* A string with its NUL, of the length before it; NULL when bad. */
static const char *gget_str(struct grd *r, uint32_t len)
{
	const char *p = (const char *)r->p + r->off;

	if (r->bad || !len || len > r->n - r->off || p[len - 1] || memchr(p, 0, len - 1)) {
		r->bad = true;
		return NULL;
	}
	r->off += len;
	return p;
}

static void *gget_ref(struct grd *r, const struct ana_vec *v)
{
	return ana_vec_at(v, (uint32_t)gget(r, 4), &r->bad);
}

/* Writes one sorted span group: 0, or 1 when it is malformed (-ENOMEM: out of memory). */
static int group_write(struct ana_export *x, struct otlp *o, struct ana_ctx *c,
		       const uint8_t *key, struct grd *r)
{
	struct ana_host *h = host_at(c, (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
						(uint32_t)key[2] << 8 | key[3]);
	struct ana_span s = { 0 };
	struct ana_span_detail d = { 0 };
	struct ana_io_row *rows = NULL;
	uint32_t n;
	int ret = 1;

	memcpy(s.trace_id, r->p, r->n >= 24 ? 16 : 0);
	memcpy(s.span_id, r->p + 16, r->n >= 24 ? 8 : 0);
	r->off = r->n >= 24 ? 24 : r->n;
	r->bad = r->n < 24;
	s.proc = gget_ref(r, &c->procs);
	s.pctx = gget_ref(r, &c->pctxs);
	s.thr = gget_ref(r, &c->threads);
	s.multi_thread = gget(r, 1);
	s.st.syscalls = gget(r, 8);
	s.st.errors = gget(r, 8);
	s.st.time_ns = gget(r, 8);
	s.st.bytes_read = gget(r, 8);
	s.st.bytes_written = gget(r, 8);
	s.st.first_ns = gget(r, 8);
	s.st.last_ns = gget(r, 8);
	s.killed = (int32_t)gget(r, 4);
	s.killed_pid = (uint32_t)gget(r, 4);
	s.killed_ns = gget(r, 8);
	n = (uint32_t)gget(r, 4);
	if (!h || r->bad || n > (r->n - r->off) / 6)
		return 1;
	rows = calloc(n ? n : 1, sizeof(*rows));
	d.io.rows = calloc(n ? n : 1, sizeof(*d.io.rows));
	if (!rows || !d.io.rows) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		rows[i].kind = gget(r, 1) ? ANA_T_SOCKET : ANA_T_FILE;
		rows[i].name = (char *)gget_str(r, (uint32_t)gget(r, 4));
		d.io.rows[d.io.n++] = &rows[i];
	}
	n = (uint32_t)gget(r, 4);
	if (r->bad || n > (r->n - r->off) / 24)
		goto out;
	d.errs = calloc(n ? n : 1, sizeof(*d.errs));
	if (!d.errs) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct ana_error_ev *e = &d.errs[d.nerrs++];
		uint32_t tl;

		e->ts_ns = gget(r, 8);
		e->tid = (uint32_t)gget(r, 4);
		e->nr = (uint16_t)gget(r, 4);
		e->err = (int32_t)gget(r, 4);
		tl = (uint32_t)gget(r, 4);
		e->target = tl ? (char *)gget_str(r, tl) : NULL;
	}
	if (r->bad || r->off != r->n)
		goto out;
	group_for(x, o, h, s.proc, s.pctx);
	group_span(&x->j, s.trace_id, s.span_id, h, s.thr, !s.multi_thread, &s.st, &d, &s);
	span_done(x, o);
	ret = 0;
out:
	free(rows);
	free(d.io.rows);
	free(d.errs);
	return ret;
}

static int write_groups(struct ana_export *x, struct otlp *o, struct ana_ctx *c)
{
	struct groups g = { .x = x };
	struct ana_each each = { .span_fn = group_add, .arg = &g };
	struct ana_sorted rec;
	int ret, more;

	g.sort = ana_sorter__new(c->o.memory_budget ? c->o.memory_budget / 4 + 1 : SIZE_MAX, NULL);
	if (!g.sort) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return 1;
	}
	ret = ana_traces_each(c, &each);
	free(g.b.p);
	for (uint32_t i = 0; i < o->orphans.n && !ret; i++) {
		const struct orphan_group *og = o->orphans.v[i];
		uint8_t k[GROUP_KEY_LEN], v[4];

		group_key(k, og->t->host, og->t->proc, 1, og->seq);
		for (int b = 0; b < 4; b++)
			v[b] = (uint8_t)(i >> (8 * b));
		if ((g.err = ana_sorter__add(g.sort, k, sizeof(k), v, sizeof(v))))
			ret = 1;
	}
	if (!ret && (g.err = ana_sorter__finish(g.sort)))
		ret = 1;
	while (!ret && (more = ana_sorter__next(g.sort, &rec)) == 1) {
		struct grd r = { rec.val, rec.vlen, 0, false };

		if (rec.klen != GROUP_KEY_LEN || rec.key[8] > 1) {
			ret = 2;
		} else if (rec.key[8] == 0) {
			ret = group_write(x, o, c, rec.key, &r);
			if (ret == -ENOMEM) {
				g.err = ret;
				ret = 1;
			} else if (ret) {
				ret = 2;
			}
		} else {
			uint32_t i = (uint32_t)gget(&r, 4);
			const struct orphan_group *og;
			struct ana_host *h;
			uint8_t tid[16];

			if (r.bad || r.off != r.n || i >= o->orphans.n) {
				ret = 2;
				break;
			}
			og = o->orphans.v[i];
			h = host_at(c, og->t->host);
			group_for(x, o, h, og->t->proc, og->pctx);
			orphan_trace_id(tid, h, og->t);
			group_span(&x->j, tid, NULL, h, og->t, true, &og->st, NULL, NULL);
			span_done(x, o);
		}
	}
	if (!ret && more < 0) {
		g.err = more;
		ret = 1;
	}
	if (ret < 0)
		snprintf(x->err, sizeof(x->err), "%.250s", c->spill_err);
	else if (ret == 2)
		snprintf(x->err, sizeof(x->err), "a sorted span group came back malformed");
	else if (ret)
		snprintf(x->err, sizeof(x->err), "%.250s",
			 g.err == -ENOMEM ? "out of memory" : ana_sorter__error(g.sort));
	ana_sorter__free(g.sort);
	return ret ? 1 : 0;
}

/* Syscall granularity: a span of its own under the killed application span, at the death. */
static void killed_span(struct ana_export *x, struct otlp *o, struct ana_ctx *c,
			const struct ana_span *s)
{
	struct ana_json *j = &x->j;
	uint8_t span_id[8];
	char msg[128];
	struct {
		uint8_t trace_id[16], parent[8];
		uint32_t pid, what;
	} k;

	memset(&k, 0, sizeof(k));
	memcpy(k.trace_id, s->trace_id, 16);
	memcpy(k.parent, s->span_id, 8);
	k.pid = s->killed_pid;
	k.what = 0x6b696c6c; /* a death, never a syscall's or a group's key */
	derive_span_id(span_id, &k, sizeof(k));
	group_for(x, o, host_at(c, s->host), s->proc, s->pctx);
	ana_json_obj(j, NULL);
	write_ids(j, s->trace_id, span_id, s->span_id);
	ana_json_str(j, "name", "process killed");
	ana_json_u64(j, "kind", SPAN_KIND_INTERNAL);
	u64_str(j, "startTimeUnixNano", s->killed_ns);
	u64_str(j, "endTimeUnixNano", s->killed_ns);
	ana_json_arr(j, "attributes");
	kv_int(j, "process.pid", s->killed_pid);
	ana_json_end(j, false);
	ana_json_arr(j, "events");
	killed_event(j, s, msg, sizeof(msg));
	ana_json_end(j, false);
	write_error_status(j, msg);
	ana_json_end(j, true);
	span_done(x, o);
}

/* The spans killed while running: what killed_span writes of them, in the order the replay
 * made them (ana_traces_each hands them over in none; spilled ones are merged). */
struct killed_list {
	struct ana_span *v;
	size_t n, cap;
	bool nomem;
};

static int killed_add(struct ana_ctx *c, const struct ana_span *s, void *arg)
{
	struct killed_list *l = arg;
	struct ana_span *d;

	(void)c;
	if (!s->killed || !s->st.syscalls) /* spans with selected syscalls */
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct ana_span *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			l->nomem = true;
			return 1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	memcpy(d->trace_id, s->trace_id, 16);
	memcpy(d->span_id, s->span_id, 8);
	d->seq = s->seq;
	d->host = s->host;
	d->proc = s->proc;
	d->pctx = s->pctx;
	d->killed = s->killed;
	d->killed_pid = s->killed_pid;
	d->killed_ns = s->killed_ns;
	return 0;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct ana_span *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ana_otlp_finish(struct ana_export *x, struct ana_ctx *c)
{
	struct otlp *o = state(x);

	if (!o)
		return 0;
	if (x->gran == ANA_GRAN_SPAN) {
		if (write_groups(x, o, c))
			return 1;
	} else {
		struct killed_list l = { 0 };
		struct ana_each each = { .span_fn = killed_add, .arg = &l };
		int ret = ana_traces_each(c, &each);

		if (ret < 0 || l.nomem) {
			snprintf(x->err, sizeof(x->err), "%.250s",
				 l.nomem ? "out of memory" : c->spill_err);
			free(l.v);
			return 1;
		}
		if (l.n)
			qsort(l.v, l.n, sizeof(*l.v), seq_cmp);
		for (size_t i = 0; i < l.n; i++)
			killed_span(x, o, c, &l.v[i]);
		free(l.v);
	}
	/* one document, empty if need be; JSON Lines: no line without a span */
	if (x->format == ANA_EXPORT_OTLP_JSON)
		doc_open(x, o);
	doc_close(x, o);
	return 0;
}

void ana_otlp_free(struct ana_export *x)
{
	struct otlp *o = x->priv;

	if (!o)
		return;
	for (uint32_t i = 0; i < o->orphans.n; i++)
		free(o->orphans.v[i]);
	free(o->orphans.v);
	ana_map_free(&o->orphan_map);
	free(o);
	x->priv = NULL;
}
