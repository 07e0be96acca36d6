// SPDX-License-Identifier: BSD-2-Clause
/*
 * proc_state.c - processes, threads and descriptor tables, rebuilt from PROCESS, THREAD, FD and
 * PROC_EVENT records and from what syscalls did (open, socket, dup, close, exec, fork...).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "snaplen.h"

#define X_O_CLOEXEC 02000000u
#define X_AT_FDCWD (-100)
#define X_CLONE_THREAD 0x00010000u
#define X_CLONE_NEWPID 0x20000000u
#define X_F_DUPFD 0
#define X_F_SETFD 2
#define X_F_DUPFD_CLOEXEC 1030
#define X_CLOSE_RANGE_CLOEXEC 4u
#define X_EINPROGRESS 115

static char *dup_item(const struct scf_record *rec, uint16_t tag)
{
	const uint8_t *d;
	uint16_t len;

	if (scf_record_item(rec, tag, &d, &len) != 1)
		return NULL;
	return ana_strndup(d, len);
}

static void set_str(char **dst, char *s)
{
	if (!s)
		return;
	free(*dst);
	*dst = s;
}

static void clear_str(char **s)
{
	free(*s);
	*s = NULL;
}

/*
 * Keeps the address of item tag of rec in *out (and its family in *family) when the item is
 * there and decodes. Returns whether it did.
 */
static bool keep_sockaddr(const struct scf_record *rec, uint16_t tag, struct ana_sockaddr *out,
			  uint16_t *family)
{
	struct scf_sockaddr sa;
	const uint8_t *d;
	uint16_t len;

	if (scf_record_item(rec, tag, &d, &len) != 1 || len > sizeof(out->bytes) ||
	    scf_sockaddr_decode(d, len, &sa))
		return false;
	memcpy(out->bytes, d, len);
	out->len = len;
	*family = sa.family;
	return true;
}

/* ---- processes and threads ------------------------------------------------------------------ */

struct ana_proc *ana_proc_new(struct ana_ctx *c, uint32_t host, uint32_t pid)
{
	struct ana_key k = ana_key3(host, pid, 0);
	struct ana_proc *p = calloc(1, sizeof(*p)), *old;

	if (!p)
		goto fail;
	p->host = host;
	p->pid = pid;
	p->seq = c->procs.n;
	if (ana_vec_push(&c->procs, p)) {
		free(p);
		goto fail;
	}
	old = ana_map_get(&c->proc_map, &k, NULL, NULL);
	if (old)
		old->replaced = true;
	if (ana_map_put(&c->proc_map, &k, p, NULL, NULL))
		goto fail; /* p stays listed and freed with the others */
	return p;
fail:
	c->nomem = true;
	return NULL;
}

struct ana_proc *ana_proc_get(struct ana_ctx *c, uint32_t host, uint32_t pid, bool *created)
{
	struct ana_key k = ana_key3(host, pid, 0);
	struct ana_proc *p = ana_map_get(&c->proc_map, &k, NULL, NULL);

	if (created)
		*created = !p;
	return p ? p : ana_proc_new(c, host, pid);
}

/* The thread cache's slot of (host, tid): every syscall and context record looks its thread
 * up, among few threads, and a hash-map probe costs more than this. */
static struct ana_thread **cache_slot(struct ana_ctx *c, uint32_t host, uint32_t tid)
{
	uint32_t h = (tid ^ host * 0x9e3779b9u) * 0x85ebca6bu;

	return &c->thread_cache[h >> 24 & (ANA_THREAD_CACHE - 1)];
}

static struct ana_thread *thread_new(struct ana_ctx *c, uint32_t host, uint32_t pid,
				     uint32_t tid)
{
	struct ana_key k = ana_key3(host, tid, 0);
	struct ana_thread *t = calloc(1, sizeof(*t));

	if (!t)
		goto fail;
	t->host = host;
	t->pid = pid;
	t->tid = tid;
	t->seq = c->threads.n;
	t->proc = ana_proc_get(c, host, pid, NULL);
	if (!t->proc || ana_vec_push(&c->threads, t)) {
		free(t);
		goto fail;
	}
	t->proc->nthreads++;
	if (ana_map_put(&c->thread_map, &k, t, NULL, NULL))
		goto fail;
	*cache_slot(c, host, tid) = t; /* replaces the thread of a reused tid */
	return t;
fail:
	c->nomem = true;
	return NULL;
}

struct ana_thread *ana_thread_get(struct ana_ctx *c, uint32_t host, uint32_t pid, uint32_t tid)
{
	struct ana_thread **slot = cache_slot(c, host, tid), *t = *slot;

	/* the cache holds only threads that are thread_map's value of their (host, tid) */
	if (!t || t->tid != tid || t->host != host) {
		struct ana_key k = ana_key3(host, tid, 0);

		t = ana_map_get(&c->thread_map, &k, NULL, NULL);
		if (t)
			*slot = t;
	}
	if (!t || (pid && t->pid != pid))
		return thread_new(c, host, pid, tid); /* first sight, or the tid was reused */
	if (t->proc->replaced) {
		struct ana_proc *p = ana_proc_get(c, host, t->pid, NULL);

		if (!p)
			return NULL;
		t->proc = p;
		p->nthreads++;
	}
	return t;
}

struct ana_proc *ana_proc_find(const struct ana_ctx *c, uint32_t host, uint32_t pid)
{
	struct ana_key k = ana_key3(host, pid, 0);

	return ana_map_get(&c->proc_map, &k, NULL, NULL);
}

struct ana_thread *ana_thread_find(const struct ana_ctx *c, uint32_t host, uint32_t tid)
{
	struct ana_key k = ana_key3(host, tid, 0);

	return ana_map_get(&c->thread_map, &k, NULL, NULL);
}

static char *render_value(const struct scf_attr *a)
{
	char buf[64];
	int64_t iv;
	double dv;

	switch (a->type) {
	case SCF_VAL_STRING:
	case SCF_VAL_BYTES:
		return ana_strndup(a->val, a->val_len);
	case SCF_VAL_BOOL:
		return strdup(a->val_len && a->val[0] ? "true" : "false");
	case SCF_VAL_INT:
		if (a->val_len != 8)
			return strdup("?");
		memcpy(&iv, a->val, 8);
		snprintf(buf, sizeof(buf), "%" PRId64, iv);
		return strdup(buf);
	case SCF_VAL_DOUBLE:
		if (a->val_len != 8)
			return strdup("?");
		memcpy(&dv, a->val, 8);
		snprintf(buf, sizeof(buf), "%g", dv);
		return strdup(buf);
	case SCF_VAL_ARRAY:
		return strdup("[...]");
	case SCF_VAL_KVLIST:
		return strdup("{...}");
	}
	return strdup("?");
}

bool ana_key_threadlocal(const char *key)
{
	return key && !strncmp(key, "threadlocal.", 12);
}

/* An attribute list item as key/value strings; threadlocal.* keys left out when asked. */
static struct ana_kv *kv_list(struct ana_ctx *c, const uint8_t *d, uint16_t len,
			      bool skip_threadlocal, uint32_t *count)
{
	struct scf_attr_iter it;
	struct scf_attr a;
	uint32_t n = 0;
	struct ana_kv *kv;

	*count = 0;
	scf_attrs_begin(&it, d, len);
	while (scf_attrs_next(&it, &a) == 1)
		n++;
	kv = calloc(n ? n : 1, sizeof(*kv));
	if (!kv) {
		c->nomem = true;
		return NULL;
	}
	n = 0;
	scf_attrs_begin(&it, d, len);
	while (scf_attrs_next(&it, &a) == 1) {
		if (skip_threadlocal && a.key_len >= 12 && !memcmp(a.key, "threadlocal.", 12))
			continue;
		kv[n].key = ana_strndup(a.key, a.key_len);
		kv[n].val = render_value(&a);
		kv[n].type = a.type;
		n++;
	}
	*count = n;
	return kv;
}

static void kv_free(struct ana_kv *kv, uint32_t n)
{
	for (uint32_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].val);
	}
	free(kv);
}

void ana_pctx_free(struct ana_pctx *x)
{
	if (!x)
		return;
	kv_free(x->res, x->nres);
	kv_free(x->extra, x->nextra);
	for (uint32_t i = 0; i < x->nkeys; i++)
		free(x->keymap[i]);
	free(x->keymap);
	free(x);
}

/* A key map is append-only (OTEP 4947): each record carries the whole of it. */
static char **keymap_strlist(const uint8_t *d, uint16_t len, uint32_t *count)
{
	struct scf_strlist_iter it;
	const uint8_t *s;
	uint16_t sl;
	char **v = calloc(256, sizeof(*v));
	uint32_t n = 0;

	if (!v)
		return NULL;
	scf_strlist_begin(&it, d, len);
	while (n < 256 && scf_strlist_next(&it, &s, &sl) == 1)
		v[n++] = ana_strndup(s, sl);
	*count = n;
	return v;
}

/* Fallback: threadlocal.attribute_key_map as an ARRAY in the extra attributes; NULL when the
 * list holds none. */
static char **keymap_attrs(const uint8_t *d, uint16_t len, uint32_t *count, bool *nomem)
{
	struct scf_attr_iter it, in;
	struct scf_attr a, e;
	char **v;
	uint32_t n = 0;

	scf_attrs_begin(&it, d, len);
	while (scf_attrs_next(&it, &a) == 1) {
		if (a.type != SCF_VAL_ARRAY || a.key_len != 29 ||
		    memcmp(a.key, "threadlocal.attribute_key_map", 29))
			continue;
		v = calloc(256, sizeof(*v));
		if (!v) {
			*nomem = true;
			return NULL;
		}
		scf_attrs_begin(&in, a.val, a.val_len);
		while (n < 256 && scf_attrs_next(&in, &e) == 1)
			v[n++] = e.type == SCF_VAL_STRING ? ana_strndup(e.val, e.val_len) : NULL;
		*count = n;
		return v;
	}
	return NULL;
}

static bool kv_equal(const struct ana_kv *a, uint32_t na, const struct ana_kv *b, uint32_t nb)
{
	if (na != nb)
		return false;
	for (uint32_t i = 0; i < na; i++)
		if (a[i].type != b[i].type || !a[i].key != !b[i].key || !a[i].val != !b[i].val ||
		    (a[i].key && strcmp(a[i].key, b[i].key)) ||
		    (a[i].val && strcmp(a[i].val, b[i].val)))
			return false;
	return true;
}

/* Whether the first n keys of two key maps (both at least n long) are the same. */
static bool keys_equal(const struct ana_pctx *a, const struct ana_pctx *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!a->keymap[i] != !b->keymap[i] ||
		    (a->keymap[i] && strcmp(a->keymap[i], b->keymap[i])))
			return false;
	return true;
}

static bool proc_ctx_equal(const struct ana_pctx *a, const struct ana_pctx *b)
{
	return kv_equal(a->res, a->nres, b->res, b->nres) &&
	       kv_equal(a->extra, a->nextra, b->extra, b->nextra) && a->nkeys == b->nkeys &&
	       keys_equal(a, b, a->nkeys);
}

static bool has_context_items(const struct scf_record *rec)
{
	const uint8_t *d;
	uint16_t len;

	return scf_record_item(rec, SCF_ITEM_RESOURCE_ATTRS, &d, &len) == 1 ||
	       scf_record_item(rec, SCF_ITEM_EXTRA_ATTRS, &d, &len) == 1 ||
	       scf_record_item(rec, SCF_ITEM_KEY_MAP, &d, &len) == 1;
}

/*
 * The process context a PROCESS record describes, or NULL when it describes none (status
 * none: never published or unpublished; no attribute and no key map). A fork child's record
 * without context items (status inherited, or none when it forked before its parent was
 * resolved) keeps the context it inherited with its parent's memory. A record that says the
 * same as the context in force (every section repeats it) gives that one back, so that
 * contexts grow with changes, not with sections.
 */
static struct ana_pctx *proc_ctx_of_record(struct ana_ctx *c, const struct ana_proc *p,
				       const struct scf_record *rec, const struct scf_process *b)
{
	const uint8_t *d;
	uint16_t len;
	struct ana_pctx *x;
	bool nomem = false;

	if ((b->ctx_status == SCF_CTX_INHERITED || b->origin == SCF_ORIGIN_FORK) &&
	    !has_context_items(rec))
		return p->pctx ? p->pctx : p->parent ? p->parent->pctx : NULL;
	if (b->ctx_status == SCF_CTX_NONE)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		goto fail;
	if (scf_record_item(rec, SCF_ITEM_RESOURCE_ATTRS, &d, &len) == 1 &&
	    !(x->res = kv_list(c, d, len, false, &x->nres)))
		goto fail;
	if (scf_record_item(rec, SCF_ITEM_EXTRA_ATTRS, &d, &len) == 1) {
		if (!(x->extra = kv_list(c, d, len, true, &x->nextra)))
			goto fail;
		x->keymap = keymap_attrs(d, len, &x->nkeys, &nomem);
		if (nomem)
			goto fail;
	}
	if (scf_record_item(rec, SCF_ITEM_KEY_MAP, &d, &len) == 1) {
		for (uint32_t i = 0; i < x->nkeys; i++)
			free(x->keymap[i]);
		free(x->keymap);
		x->nkeys = 0;
		if (!(x->keymap = keymap_strlist(d, len, &x->nkeys)))
			goto fail;
	}
	if (!x->nres && !x->nextra && !x->nkeys) {
		ana_pctx_free(x);
		return NULL;
	}
	if (p->pctx && proc_ctx_equal(p->pctx, x)) {
		ana_pctx_free(x);
		return p->pctx;
	}
	x->idx = c->pctxs.n;
	if (ana_vec_push(&c->pctxs, x))
		goto fail;
	return x;
fail:
	ana_pctx_free(x);
	c->nomem = true;
	return p->pctx;
}

static const char *proc_ctx_service(const struct ana_pctx *x)
{
	for (uint32_t i = 0; x && i < x->nres; i++)
		if (x->res[i].key && x->res[i].val && x->res[i].type == SCF_VAL_STRING &&
		    !strcmp(x->res[i].key, "service.name"))
			return x->res[i].val;
	return NULL;
}

static char *join_strlist(const uint8_t *d, uint16_t len)
{
	struct scf_strlist_iter it;
	const uint8_t *s;
	uint16_t sl;
	char *out = malloc((size_t)len + 1), *o = out;

	if (!out)
		return NULL;
	scf_strlist_begin(&it, d, len);
	while (scf_strlist_next(&it, &s, &sl) == 1) {
		if (o != out)
			*o++ = ' ';
		memcpy(o, s, sl);
		o += sl;
	}
	*o = 0;
	return out;
}

/*
 * A process is (host and boot, pid, start time): a PROCESS record for a known pid whose start
 * time differs is another program that reused the pid (between two captures of one boot, where
 * no exit was seen). Start times are compared on the boot clock, through the offset of the
 * section each came in (two captures, or two files whose clock was measured again, convert
 * one boot time to different wall times); they come from /proc/PID/stat in clock ticks
 * (10 ms at 100 Hz) or from the fork event: within START_SLACK_NS is the same process.
 */
#define START_SLACK_NS 30000000ull

static uint64_t boot_time(const struct ana_ctx *c, uint64_t wall_ns)
{
	return wall_ns ? wall_ns - (uint64_t)c->boot_to_wall_ns : 0;
}

static bool other_start(const struct ana_ctx *c, const struct ana_proc *p,
			const struct scf_process *b)
{
	uint64_t was = p->start_boot_ns, now = boot_time(c, b->start_ns);

	if (!was || !b->start_ns)
		return false;
	return was > now ? was - now > START_SLACK_NS : now - was > START_SLACK_NS;
}

struct ana_proc *ana_proc_in_ns(const struct ana_ctx *c, const struct ana_proc *p, uint32_t pid)
{
	struct ana_key k;

	if (!p->ns_level)
		return ana_proc_find(c, p->host, pid);
	if (!p->pidns_inode)
		return NULL;
	k = ana_key3(p->host, pid, p->pidns_inode);
	return ana_map_get(&c->proc_map, &k, NULL, NULL);
}

/*
 * The child of the thread's last FORK event when that event came from the fork entered at
 * entry_ns: the kernel emits it inside the call, never before its entry. An older one is a
 * child whose own fork result was not recorded: its namespace pid is unknown, never this
 * fork's result.
 */
static struct ana_proc *fork_event_child(const struct ana_thread *t, const struct ana_proc *parent,
					 uint64_t entry_ns)
{
	struct ana_proc *last = t ? t->last_fork : NULL;

	if (!last || last->parent != parent || t->last_fork_ns < entry_ns)
		return NULL;
	return last;
}

/* What the value v of a pid-valued slot names, as host pid (ana_syscall_host_pid). */
static int64_t host_pid_of(const struct ana_ctx *c, const struct ana_thread *t,
			   const struct scf_record *rec, const struct scf_syscall *sc, bool result,
			   uint32_t v)
{
	const struct ana_proc *p = t->proc, *ch;

	if (result) {
		switch (sc->nr) {
		case SCF_NR_getpid:
			return sc->pid; /* the record's own pids are host pids */
		case SCF_NR_gettid:
			return sc->tid;
		case SCF_NR_getppid: /* a parent outside the namespace reads 0: never here */
			return p->ppid ? (int64_t)p->ppid : ANA_HOST_PID_UNKNOWN;
		}
	}
	/*
	 * A fork's result: the child of this call's FORK event (host pids), unless that child is
	 * known under another pid of the caller's namespace. It comes first: the namespace pid
	 * may have named an earlier process, and the child's own record may say nothing (it was
	 * gone before spancap read its /proc).
	 */
	if (result && (sc->nr == SCF_NR_clone || sc->nr == SCF_NR_clone3 || sc->nr == SCF_NR_fork ||
		       sc->nr == SCF_NR_vfork)) {
		const struct ana_proc *last = fork_event_child(t, p, rec->ts_ns);

		if (sc->nr == SCF_NR_clone && (sc->args[0] & X_CLONE_THREAD))
			return ANA_HOST_PID_UNKNOWN; /* a thread: tids have no namespace record */
		if (last &&
		    (!last->ns_pid || last->pidns_inode != p->pidns_inode || last->ns_pid == v))
			return last->pid;
	}
	if (v == p->ns_pid)
		return p->pid;
	ch = ana_proc_in_ns(c, p, v);
	return ch ? (int64_t)ch->pid : ANA_HOST_PID_UNKNOWN;
}

int64_t ana_syscall_host_pid(const struct ana_ctx *c, const struct ana_thread *t,
			     const struct scf_record *rec, const struct scf_syscall *sc, int arg)
{
	const struct scf_syscall_info *si =
		sc->abi == SCF_ABI_X86_64 ? scf_syscall_info(sc->nr) : NULL;
	int64_t v;

	if (!si || !t || !t->proc || !t->proc->ns_level || arg < -1 || arg > 5)
		return 0;
	if (arg < 0) {
		if (!(si->flags & SCF_SC_PIDRET) || (rec->flags & SCF_SYSCALL_F_NO_EXIT))
			return 0;
		v = sc->ret;
	} else {
		if (!si->args || strlen(si->args) <= (size_t)arg || si->args[arg] != 'n')
			return 0;
		/* waitid(idtype, id, ...): id is a pid for P_PID (1) and P_PGID (2) only */
		if (sc->nr == SCF_NR_waitid && sc->args[0] != 1 && sc->args[0] != 2)
			return 0;
		v = (int32_t)sc->args[arg];
	}
	if (v <= 0 || v > INT32_MAX)
		return 0;
	return host_pid_of(c, t, rec, sc, arg < 0, (uint32_t)v);
}

/* Whether b's key map is a, then maybe more keys (an append-only key map that grew). */
static bool keymap_extends(const struct ana_pctx *b, const struct ana_pctx *a)
{
	return a->nkeys && b->nkeys >= a->nkeys && keys_equal(a, b, a->nkeys);
}

/*
 * A PROCESS record replaces the description of the process (FORMAT.md 5.2): what it says of
 * the context (resource, attributes, key map, schema, TLS module, reason) replaces the whole of
 * what an earlier one said, an item it lacks included; name, executable, argv and cgroup are
 * kept when it lacks them, since they do not come from the context.
 */
void ana_on_process(struct ana_ctx *c, uint32_t host, const struct scf_record *rec)
{
	struct scf_process b;
	struct scf_item_iter it;
	struct ana_proc *p;
	struct ana_pctx *old;
	const uint8_t *d;
	const char *svc;
	uint16_t tag, len;
	bool exe_seen = false;

	if (scf_record_body(rec, &b, sizeof(b), SCF_PROCESS_MIN, NULL, 0))
		return;
	p = ana_proc_get(c, host, b.pid, NULL);
	/* Another program that reused the pid: one that started after the known one exited, or
	 * (no exit seen, as between two captures) at another start time. A description written
	 * late, of a process that is gone (start unknown, or before that exit), is the exited
	 * one's. */
	if (p && (p->exited ? b.start_ns && b.start_ns > p->exit_ns : other_start(c, p, &b)))
		p = ana_proc_new(c, host, b.pid);
	if (!p)
		return;
	p->described = true;
	if (b.ppid || !p->ppid) /* 0: the writer could not read it */
		p->ppid = b.ppid;
	p->uid = b.uid;
	if (b.start_ns) {
		p->start_ns = b.start_ns;
		p->start_boot_ns = boot_time(c, b.start_ns);
	}
	if (b.ns_pid) {
		const struct ana_proc *pp = p->ppid ? ana_proc_find(c, host, p->ppid) : NULL;
		struct ana_key k;

		/*
		 * The writer read NSpid but not the namespace's inode (a zombie has no ns links):
		 * a process at its parent's level is in its parent's pid namespace (setns() can
		 * only enter a descendant namespace, so another one is at a deeper level), as
		 * learn_ns() takes it from a clone result.
		 */
		if (!b.pidns_inode && b.ns_level && pp && pp->pidns_inode &&
		    pp->ns_level == b.ns_level)
			b.pidns_inode = pp->pidns_inode;
		k = ana_key3(host, b.ns_pid, b.pidns_inode);
		p->ns_pid = b.ns_pid;
		p->ns_level = b.ns_level;
		p->pidns_inode = b.pidns_inode;
		/* (host, ns pid, namespace inode) -> the process: the pid its parent's fork saw. */
		if (b.ns_level && b.pidns_inode && ana_map_put(&c->proc_map, &k, p, NULL, NULL))
			c->nomem = true;
	}
	p->origin = b.origin;
	p->ctx_status = b.ctx_status;
	p->tls_model = b.tls_model;
	p->ctx_version = b.ctx_version;
	if (!p->parent && b.ppid)
		p->parent = ana_proc_find(c, host, b.ppid);
	old = p->pctx;
	p->pctx = proc_ctx_of_record(c, p, rec, &b);
	if (old && p->pctx && old != p->pctx && !old->grown && keymap_extends(p->pctx, old))
		old->grown = p->pctx;
	svc = proc_ctx_service(p->pctx);
	free(p->service);
	p->service = svc ? strdup(svc) : NULL;
	clear_str(&p->schema);
	clear_str(&p->reason);
	clear_str(&p->tls_module);
	scf_items_begin(rec, &it);
	while (scf_items_next(&it, &tag, &d, &len) == 1) {
		switch (tag) {
		/* Empty NAME, EXE and ARGV items (files written before December 2026 by a writer
		 * that found the process gone) say nothing: what is known stays. */
		case SCF_ITEM_NAME:
			if (len)
				set_str(&p->comm, ana_strndup(d, len));
			break;
		case SCF_ITEM_EXE:
			if (len) {
				set_str(&p->exe, ana_strndup(d, len));
				exe_seen = true;
			}
			break;
		case SCF_ITEM_EXE_HOST:
			set_str(&p->exe_host, ana_strndup(d, len));
			break;
		case SCF_ITEM_ARGV:
			if (len || b.origin == SCF_ORIGIN_EXEC)
				set_str(&p->argv, join_strlist(d, len));
			break;
		case SCF_ITEM_CGROUP:
			set_str(&p->cgroup, ana_strndup(d, len));
			break;
		case SCF_ITEM_SCHEMA_VERSION:
			set_str(&p->schema, ana_strndup(d, len));
			break;
		case SCF_ITEM_REASON:
			set_str(&p->reason, ana_strndup(d, len));
			break;
		case SCF_ITEM_TLS_MODULE:
			set_str(&p->tls_module, ana_strndup(d, len));
			break;
		}
	}
	if (exe_seen && scf_record_item(rec, SCF_ITEM_EXE_HOST, &d, &len) != 1) {
		free(p->exe_host); /* this description's EXE is the host's path as well */
		p->exe_host = NULL;
	}
}

void ana_on_thread(struct ana_ctx *c, uint32_t host, const struct scf_record *rec)
{
	struct scf_thread b;
	struct ana_thread *t;

	if (scf_record_body(rec, &b, sizeof(b), SCF_THREAD_MIN, NULL, 0))
		return;
	t = ana_thread_get(c, host, b.pid, b.tid);
	if (t && t->exited && b.event == SCF_THREAD_START)
		t = thread_new(c, host, b.pid, b.tid);
	if (!t)
		return;
	set_str(&t->name, dup_item(rec, SCF_ITEM_NAME));
	if (b.start_ns)
		t->start_ns = b.start_ns;
	if (b.event == SCF_THREAD_EXIT || b.exit_ns) {
		t->exited = true;
		t->exit_ns = b.exit_ns ? b.exit_ns : rec->ts_ns;
	}
}

/* ---- descriptor tables ---------------------------------------------------------------------- */

static struct ana_fdesc *desc_new(struct ana_ctx *c, uint8_t kind, char *path)
{
	struct ana_fdesc *d = calloc(1, sizeof(*d));

	if (!d) {
		free(path);
		c->nomem = true;
		return NULL;
	}
	d->kind = kind;
	d->path = path;
	return d;
}

void ana_fdesc_put(struct ana_fdesc *d)
{
	if (!d || --d->refs)
		return;
	free(d->path);
	free(d);
}

struct ana_fdesc *ana_fdesc_copy(const struct ana_fdesc *d)
{
	struct ana_fdesc *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	*n = *d;
	n->refs = 1;
	if (d->path && !(n->path = strdup(d->path))) {
		free(n);
		return NULL;
	}
	return n;
}

/* What a description's name is made of (ana_fdesc_name()), in order of precedence. */
enum name_source { NAME_PEER, NAME_LOCAL, NAME_PAIR, NAME_PATH, NAME_NONE };

static enum name_source name_source(const struct ana_fdesc *d)
{
	if (d->kind == ANA_T_SOCKET && d->peer.len)
		return NAME_PEER;
	if (d->kind == ANA_T_SOCKET && d->local.len)
		return NAME_LOCAL;
	if (d->pair_seq)
		return NAME_PAIR;
	return d->path ? NAME_PATH : NAME_NONE;
}

static size_t format_sockaddr(const struct ana_sockaddr *a, char *buf, size_t bufsz)
{
	struct scf_sockaddr sa;

	if (scf_sockaddr_decode(a->bytes, a->len, &sa)) /* kept only when it decoded */
		return (size_t)snprintf(buf, bufsz, "?");
	return scf_sockaddr_format(&sa, buf, bufsz);
}

const char *ana_fdesc_name(const struct ana_fdesc *d, char *buf, size_t bufsz)
{
	size_t n;

	switch (name_source(d)) {
	case NAME_PEER:
		format_sockaddr(&d->peer, buf, bufsz);
		break;
	case NAME_LOCAL:
		n = (size_t)snprintf(buf, bufsz, "socket:");
		if (n < bufsz)
			format_sockaddr(&d->local, buf + n, bufsz - n);
		break;
	case NAME_PAIR:
		snprintf(buf, bufsz, "%s:#%u", d->kind == ANA_T_SOCKET ? "socketpair" : "pipe",
			 d->pair_seq);
		break;
	case NAME_PATH:
		return d->path; /* as long as it is: not cut to bufsz */
	case NAME_NONE:
		snprintf(buf, bufsz, "%s", d->kind == ANA_T_SOCKET ? "socket" : "?");
		break;
	}
	return buf;
}

static bool same_sockaddr(const struct ana_sockaddr *a, const struct ana_sockaddr *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

bool ana_fdesc_same(const struct ana_fdesc *a, const struct ana_fdesc *b)
{
	enum name_source src = name_source(a);

	if (a->kind != b->kind || src != name_source(b))
		return false;
	switch (src) {
	case NAME_PEER:
		return same_sockaddr(&a->peer, &b->peer);
	case NAME_LOCAL:
		return same_sockaddr(&a->local, &b->local);
	case NAME_PAIR:
		return a->pair_seq == b->pair_seq;
	case NAME_PATH:
		return !strcmp(a->path, b->path);
	case NAME_NONE:
		break;
	}
	return true;
}

static struct ana_fdslot *slot_get(struct ana_ctx *c, struct ana_fdtab *t, int64_t fd,
				   bool create)
{
	if (fd < 0 || fd > INT32_MAX)
		return NULL;
	if (fd < ANA_FD_DIRECT) {
		if ((uint64_t)fd >= t->cap) {
			uint32_t ncap = t->cap ? t->cap : 16;
			struct ana_fdslot *nv;

			if (!create)
				return NULL;
			while (ncap <= fd)
				ncap *= 2;
			nv = realloc(t->v, ncap * sizeof(*nv));
			if (!nv) {
				c->nomem = true;
				return NULL;
			}
			memset(nv + t->cap, 0, (ncap - t->cap) * sizeof(*nv));
			t->v = nv;
			t->cap = ncap;
		}
		return &t->v[fd];
	}
	for (uint32_t i = 0; i < t->nfar; i++)
		if (t->far[i].fd == fd)
			return &t->far[i].s;
	if (!create)
		return NULL;
	if (t->nfar == t->farcap) {
		uint32_t ncap = t->farcap ? t->farcap * 2 : 4;
		struct ana_fd_far *nf = realloc(t->far, ncap * sizeof(*nf));

		if (!nf) {
			c->nomem = true;
			return NULL;
		}
		t->far = nf;
		t->farcap = ncap;
	}
	t->far[t->nfar].fd = (int32_t)fd;
	memset(&t->far[t->nfar].s, 0, sizeof(t->far[t->nfar].s));
	return &t->far[t->nfar++].s;
}

/* Empties a slot: its description and the one it replaced. */
static void slot_drop(struct ana_fdslot *s)
{
	ana_fdesc_put(s->d);
	ana_fdesc_put(s->prev);
	s->d = NULL;
	s->prev = NULL;
}

/*
 * Points fd at d (taking a reference); d NULL closes fd. A description replaced while open is
 * kept as prev until its own close arrives (fd_close()); a close of d keeps prev and since_ns,
 * so that a late record of a syscall that entered before d was installed still finds prev.
 */
static void fd_point(struct ana_ctx *c, struct ana_fdtab *t, int64_t fd, struct ana_fdesc *d,
		   bool cloexec)
{
	struct ana_fdslot *s = slot_get(c, t, fd, d != NULL);

	if (!s)
		return;
	if (d)
		d->refs++;
	if (d && s->d && s->d != d) {
		ana_fdesc_put(s->prev);
		s->prev = s->d;
	} else {
		ana_fdesc_put(s->d);
	}
	s->d = d;
	s->cloexec = d ? cloexec : false;
	if (d)
		s->since_ns = c->fd_now_ns;
}

/*
 * close releases the number when it starts, a new descriptor takes a number when its syscall
 * returns, and records arrive in exit order: a close that entered before the current
 * description was installed closed the previous one (prev), which it now lets go.
 */
static void fd_close(struct ana_ctx *c, struct ana_fdtab *t, int64_t fd, uint64_t entry_ns)
{
	struct ana_fdslot *s = slot_get(c, t, fd, false);

	if (!s)
		return;
	if ((s->d || s->prev) && entry_ns < s->since_ns) {
		ana_fdesc_put(s->prev);
		s->prev = NULL;
		return;
	}
	fd_point(c, t, fd, NULL, false);
}

/* Installs a new description (created with no reference: the slot takes the first). */
static void fd_install(struct ana_ctx *c, struct ana_fdtab *t, int64_t fd, struct ana_fdesc *d,
		       bool cloexec)
{
	if (!d)
		return;
	fd_point(c, t, fd, d, cloexec);
	if (!d->refs) { /* fd was invalid: nothing holds it */
		d->refs = 1;
		ana_fdesc_put(d);
	}
}

static const struct ana_fdslot *fd_slot(const struct ana_fdtab *t, int64_t fd)
{
	if (fd < 0 || fd > INT32_MAX)
		return NULL;
	if (fd < ANA_FD_DIRECT)
		return (uint64_t)fd < t->cap ? &t->v[fd] : NULL;
	for (uint32_t i = 0; i < t->nfar; i++)
		if (t->far[i].fd == fd)
			return &t->far[i].s;
	return NULL;
}

static struct ana_fdesc *fd_desc(const struct ana_fdtab *t, int64_t fd)
{
	const struct ana_fdslot *s = fd_slot(t, fd);

	return s ? s->d : NULL;
}

/* Whether a syscall that entered at entry_ns (0: now) worked on s's replaced description. */
static bool slot_raced(const struct ana_fdslot *s, uint64_t entry_ns)
{
	return entry_ns && s->prev && entry_ns < s->since_ns;
}

/* The description a syscall that entered at entry_ns (0: now) found behind fd. */
static struct ana_fdesc *fd_desc_at(const struct ana_fdtab *t, int64_t fd, uint64_t entry_ns)
{
	const struct ana_fdslot *s = fd_slot(t, fd);

	if (!s)
		return NULL;
	return slot_raced(s, entry_ns) ? s->prev : s->d;
}

static void fd_dup(struct ana_ctx *c, struct ana_fdtab *t, int64_t oldfd, int64_t newfd,
		   bool cloexec)
{
	struct ana_fdesc *d = fd_desc(t, oldfd);

	if (oldfd == newfd)
		return;
	if (!d) /* we never saw oldfd opened: the copy is just as unknown */
		fd_point(c, t, newfd, NULL, false);
	else
		fd_point(c, t, newfd, d, cloexec);
}

void ana_fdtab_free(struct ana_fdtab *t)
{
	for (uint32_t i = 0; i < t->cap; i++)
		slot_drop(&t->v[i]);
	for (uint32_t i = 0; i < t->nfar; i++)
		slot_drop(&t->far[i].s);
	free(t->v);
	free(t->far);
	memset(t, 0, sizeof(*t));
}

static void fdtab_copy(struct ana_ctx *c, struct ana_fdtab *dst, const struct ana_fdtab *src)
{
	for (uint32_t i = 0; i < src->cap; i++)
		if (src->v[i].d)
			fd_point(c, dst, i, src->v[i].d, src->v[i].cloexec);
	for (uint32_t i = 0; i < src->nfar; i++)
		if (src->far[i].s.d)
			fd_point(c, dst, src->far[i].fd, src->far[i].s.d, src->far[i].s.cloexec);
}

static void close_range(struct ana_fdtab *t, uint64_t first, uint64_t last, bool cloexec_only)
{
	for (uint64_t i = first; i < t->cap && i <= last; i++) {
		if (!t->v[i].d)
			continue;
		if (cloexec_only)
			t->v[i].cloexec = true;
		else
			slot_drop(&t->v[i]);
	}
	for (uint32_t i = 0; i < t->nfar; i++) {
		struct ana_fd_far *f = &t->far[i];

		if (!f->s.d || (uint64_t)f->fd < first || (uint64_t)f->fd > last)
			continue;
		if (cloexec_only)
			f->s.cloexec = true;
		else
			slot_drop(&f->s);
	}
}

/* exec: the close-on-exec descriptors go; no other thread is left to close a replaced one. */
static void exec_slot(struct ana_fdslot *s)
{
	if (s->d && s->cloexec) {
		slot_drop(s);
	} else {
		ana_fdesc_put(s->prev);
		s->prev = NULL;
	}
}

static void close_on_exec(struct ana_fdtab *t)
{
	for (uint32_t i = 0; i < t->cap; i++)
		exec_slot(&t->v[i]);
	for (uint32_t i = 0; i < t->nfar; i++)
		exec_slot(&t->far[i].s);
}

const char *ana_fd_name(const struct ana_proc *p, int64_t fd, uint64_t entry_ns, uint8_t *kind,
			char *buf, size_t bufsz)
{
	struct ana_fdesc *d = fd_desc_at(&p->fds, fd, entry_ns);

	if (!d) {
		*kind = ANA_T_UNKNOWN;
		return NULL;
	}
	*kind = d->kind;
	return ana_fdesc_name(d, buf, bufsz);
}

bool ana_fd_cut(const struct ana_proc *p, int64_t fd, uint64_t entry_ns)
{
	struct ana_fdesc *d = fd_desc_at(&p->fds, fd, entry_ns);

	return d && d->cut;
}

const struct ana_fdesc *ana_fd_desc(const struct ana_proc *p, int64_t fd)
{
	return fd_desc(&p->fds, fd);
}

const struct ana_fdesc *ana_fd_at(const struct ana_proc *p, int64_t fd, uint64_t entry_ns)
{
	return fd_desc_at(&p->fds, fd, entry_ns);
}

bool ana_fd_raced(const struct ana_proc *p, int64_t fd, uint64_t entry_ns)
{
	const struct ana_fdslot *s = fd_slot(&p->fds, fd);

	return s && slot_raced(s, entry_ns);
}

void ana_on_fd(struct ana_ctx *c, uint32_t host, const struct scf_record *rec)
{
	struct scf_fd b;
	struct ana_proc *p;
	struct ana_fdesc *d;
	uint8_t kind;
	char *path;

	if (scf_record_body(rec, &b, sizeof(b), SCF_FD_MIN, NULL, 0))
		return;
	p = ana_proc_get(c, host, b.pid, NULL);
	if (!p)
		return;
	path = dup_item(rec, SCF_ITEM_PATH);
	switch (b.kind) {
	case SCF_FD_FILE:
	case SCF_FD_DIR:
		kind = ANA_T_FILE;
		break;
	case SCF_FD_PIPE:
		kind = ANA_T_PIPE;
		break;
	case SCF_FD_SOCKET:
		kind = ANA_T_SOCKET;
		break;
	case SCF_FD_UNKNOWN:
		kind = path && path[0] == '/' ? ANA_T_FILE : ANA_T_OTHER;
		break;
	default:
		kind = ANA_T_OTHER;
	}
	d = desc_new(c, kind, path);
	if (!d)
		return;
	/* installed at the record's time, not at the exit of whichever syscall was read last
	 * (which, when the frame index skips frames, is another) */
	c->fd_now_ns = rec->ts_ns;
	if (kind == ANA_T_SOCKET) {
		d->sock_type = b.sock_type;
		keep_sockaddr(rec, SCF_ITEM_SOCKADDR_LOCAL, &d->local, &d->family);
		keep_sockaddr(rec, SCF_ITEM_SOCKADDR, &d->peer, &d->family);
	}
	fd_install(c, &p->fds, b.fd, d, b.open_flags & X_O_CLOEXEC);
}

/* ---- process events ------------------------------------------------------------------------- */

static void add_child(struct ana_ctx *c, struct ana_span *s, struct ana_proc *child)
{
	struct ana_span_detail *d = s ? s->detail : NULL;

	if (!d)
		return;
	for (uint32_t i = 0; i < d->nchildren; i++)
		if (d->children[i] == child)
			return;
	if (d->nchildren == d->children_cap) {
		uint32_t ncap = d->children_cap ? d->children_cap * 2 : 4;
		struct ana_proc **nv = realloc(d->children, ncap * sizeof(*nv));

		if (!nv) {
			c->nomem = true;
			return;
		}
		d->children = nv;
		d->children_cap = ncap;
	}
	d->children[d->nchildren++] = child;
}

/* A child process appears (fork, or clone without CLONE_THREAD): it inherits the descriptors. */
static struct ana_proc *spawn(struct ana_ctx *c, struct ana_proc *parent, uint32_t pid,
			      uint64_t ts, struct ana_span *span)
{
	struct ana_proc *ch = ana_proc_find(c, parent->host, pid);

	/* Already seen through the other record (the fork event, or the parent's clone, fork or
	 * vfork record): records come in exit order, so the parent's may come after the child's
	 * whole life; a child that exited before this fork was entered is another process. */
	if (ch && ch->parent == parent && (!ch->exited || ts <= ch->exit_ns))
		return ch;
	if (!ch || ch->exited || ch->parent || ch->st.syscalls)
		ch = ana_proc_new(c, parent->host, pid);
	if (!ch)
		return NULL;
	ch->parent = parent;
	ch->ppid = parent->pid;
	ch->start_ns = ts;
	ch->start_boot_ns = boot_time(c, ts);
	if (!ch->ns_pid && ch->ns_level < parent->ns_level)
		ch->ns_level = parent->ns_level;
	if (parent->comm && !ch->comm)
		ch->comm = strdup(parent->comm);
	if (parent->exe && !ch->exe)
		ch->exe = strdup(parent->exe);
	if (parent->service && !ch->service)
		ch->service = strdup(parent->service);
	if (!ch->pctx)
		ch->pctx = parent->pctx; /* the same memory, context included, until it execs */
	fdtab_copy(c, &ch->fds, &parent->fds);
	if (span)
		add_child(c, span, ch);
	return ch;
}

/*
 * What a fork's result says of the child's pid namespace, where its PROCESS record did not
 * (written after it was gone, or before format 1.2): without CLONE_NEWPID the child is in its
 * parent's namespace and the result is its pid there; with it, it is pid 1 one level deeper.
 */
static void learn_ns(struct ana_ctx *c, const struct ana_proc *parent, struct ana_proc *ch,
		     uint32_t pid, uint64_t flags)
{
	struct ana_key k;

	if (!parent->ns_pid && !parent->ns_level)
		return; /* the parent's own namespace is unknown */
	if (flags & X_CLONE_NEWPID) {
		if (!ch->ns_pid) {
			ch->ns_pid = 1;
			ch->ns_level = parent->ns_level + 1;
		}
		return;
	}
	if (!ch->ns_pid)
		ch->ns_pid = pid;
	if (ch->ns_pid != pid)
		return;
	ch->ns_level = parent->ns_level;
	if (ch->pidns_inode || !parent->pidns_inode)
		return;
	ch->pidns_inode = parent->pidns_inode;
	k = ana_key3(parent->host, pid, parent->pidns_inode);
	if (ch->ns_level && ana_map_put(&c->proc_map, &k, ch, NULL, NULL))
		c->nomem = true;
}

/*
 * A fork's result: the child's pid as the parent's namespace numbers it. Outside the host's
 * namespace the child is the one its PROCESS record gave that namespace pid, or else the one
 * the calling thread's FORK event (host pids, written before the fork returns) created; a
 * result that names neither makes nothing.
 */
static void spawn_result(struct ana_ctx *c, struct ana_proc *parent, struct ana_thread *t,
			 uint32_t pid, uint64_t ts, uint64_t flags)
{
	struct ana_span *span = t ? t->cur_span : NULL;
	struct ana_proc *ch, *last = fork_event_child(t, parent, ts);

	if (t)
		t->last_fork = NULL;
	ch = ana_proc_in_ns(c, parent, pid);
	if (!ch && parent->ns_level && last &&
	    (!last->ns_pid || last->ns_pid == pid || (flags & X_CLONE_NEWPID)))
		ch = last;
	if (ch && ch->parent == parent)
		learn_ns(c, parent, ch, pid, flags);
	/*
	 * The FORK event made this child already, and it may have run and exited before the
	 * fork returned (records come in exit order): until the parent waits for it, the pid
	 * cannot name another process.
	 */
	if (ch && ch->parent == parent && ch->start_ns + START_SLACK_NS >= ts)
		return;
	if (!parent->ns_level)
		spawn(c, parent, pid, ts, span);
}

static void on_exec(struct ana_proc *p, char *exe, char *argv)
{
	close_on_exec(&p->fds);
	if (exe) {
		free(p->exe_host); /* the new program's PROCESS record says again */
		p->exe_host = NULL;
	}
	set_str(&p->exe, exe);
	set_str(&p->argv, argv);
}

struct ana_proc *ana_on_proc_event(struct ana_ctx *c, uint32_t host, const struct scf_record *rec,
				   const struct scf_proc_event *pe)
{
	struct ana_proc *p, *parent;
	struct ana_thread *t;

	switch (pe->kind) {
	case SCF_PROC_FORK:
		parent = ana_proc_get(c, host, pe->ppid, NULL);
		if (!parent)
			return NULL;
		/* the child's descriptors are installed at the event's time, not at the exit of
		 * whichever syscall was read last (which, when the frame index skips frames, is
		 * another) */
		c->fd_now_ns = rec->ts_ns;
		t = ana_thread_find(c, host, pe->tid);
		p = spawn(c, parent, pe->pid, rec->ts_ns,
			  t && t->pid == pe->ppid ? t->cur_span : NULL);
		if (p)
			set_str(&p->comm, dup_item(rec, SCF_ITEM_NAME));
		if (t && t->pid == pe->ppid) {
			t->last_fork = p;
			t->last_fork_ns = rec->ts_ns;
		}
		break;
	case SCF_PROC_EXEC:
		p = ana_proc_get(c, host, pe->pid, NULL);
		if (!p)
			return NULL;
		on_exec(p, dup_item(rec, SCF_ITEM_PATH), NULL);
		/*
		 * A new program: the old one's process context (service, key map) is gone with its
		 * memory, until the new one publishes its own (a PROCESS record follows then).
		 */
		clear_str(&p->service);
		p->pctx = NULL;
		p->ctx_status = SCF_CTX_NONE;
		set_str(&p->comm, dup_item(rec, SCF_ITEM_NAME));
		/* The thread that goes on as the new program (its tid is the pid) takes its name:
		 * no THREAD record says so, and the old name is the previous program's. */
		t = ana_thread_find(c, host, pe->pid);
		if (t && p->comm)
			set_str(&t->name, strdup(p->comm));
		break;
	case SCF_PROC_EXIT:
		p = ana_proc_find(c, host, pe->pid);
		if (!p || p->exited)
			return NULL;
		p->exited = true;
		p->exit_ns = rec->ts_ns;
		p->exit_status = pe->exit_status;
		ana_fdtab_free(&p->fds);
		if ((pe->exit_status & 0x7f) && (pe->exit_status & 0x7f) != 0x7f)
			return p;
		break;
	}
	return NULL;
}

/* ---- what syscalls do to descriptors ------------------------------------------------------- */

static bool fd_pair(const struct scf_record *rec, int32_t fds[2])
{
	const uint8_t *d;
	uint16_t len;

	if (scf_record_item(rec, SCF_ITEM_FD_PAIR, &d, &len) != 1 || len < 8)
		return false;
	memcpy(fds, d, 8);
	return true;
}

static char *open_name(struct ana_proc *p, const struct scf_record *rec, int64_t dirfd,
		       bool at)
{
	char *path = dup_item(rec, SCF_ITEM_PATH);
	struct ana_fdesc *dir;
	char *joined;
	size_t dl, pl;

	if (!path)
		return strdup("?");
	if (!at || path[0] == '/' || (int32_t)dirfd == X_AT_FDCWD)
		return path;
	dir = fd_desc_at(&p->fds, (int32_t)dirfd, rec->ts_ns);
	if (!dir || dir->kind != ANA_T_FILE || !dir->path)
		return path;
	dl = strlen(dir->path);
	pl = strlen(path);
	joined = malloc(dl + pl + 2);
	if (!joined)
		return path;
	memcpy(joined, dir->path, dl);
	joined[dl] = '/';
	memcpy(joined + dl + 1, path, pl + 1);
	free(path);
	return joined;
}

/* The description a successful open made: its path, cut when the capture cut it. */
static struct ana_fdesc *open_desc(struct ana_ctx *c, struct ana_proc *p,
				   const struct scf_record *rec, int64_t dirfd, bool at)
{
	struct ana_fdesc *d = desc_new(c, ANA_T_FILE, open_name(p, rec, dirfd, at));
	const struct ana_host *h = p->host < c->hosts.n ? c->hosts.v[p->host] : NULL;
	const uint8_t *item;
	uint16_t len;

	if (d && scf_record_item(rec, SCF_ITEM_PATH, &item, &len) == 1)
		d->cut = ana_str_cut(h ? h->snaplen : 0, rec->flags, SCF_ITEM_PATH, len);
	return d;
}

static void new_anon(struct ana_ctx *c, struct ana_proc *p, int64_t fd, const char *what,
		     bool cloexec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "anon_inode:[%s]", what);
	fd_install(c, &p->fds, fd, desc_new(c, ANA_T_OTHER, strdup(buf)), cloexec);
}

static void new_pair(struct ana_ctx *c, struct ana_proc *p, const struct scf_record *rec,
		     uint8_t kind, bool cloexec, uint16_t family)
{
	int32_t fds[2];
	uint32_t seq;

	if (!fd_pair(rec, fds))
		return;
	seq = ++c->pipe_seq;
	for (int i = 0; i < 2; i++) {
		struct ana_fdesc *d = desc_new(c, kind, NULL);

		if (d) {
			d->family = family;
			d->pair_seq = seq;
		}
		fd_install(c, &p->fds, fds[i], d, cloexec);
	}
}

/* connect takes effect when it succeeds or is in progress (non-blocking sockets). */
static void apply_connect(struct ana_proc *p, const struct scf_record *rec,
			  const struct scf_syscall *sc)
{
	struct ana_fdesc *d;

	if ((rec->flags & SCF_SYSCALL_F_NO_EXIT) || (sc->ret < 0 && sc->ret != -X_EINPROGRESS))
		return;
	d = fd_desc_at(&p->fds, (int32_t)sc->args[0], rec->ts_ns);
	if (!d || d->kind != ANA_T_SOCKET)
		return;
	keep_sockaddr(rec, SCF_ITEM_SOCKADDR, &d->peer, &d->family);
}

void ana_fd_apply(struct ana_ctx *c, struct ana_proc *p, struct ana_thread *t,
		  const struct scf_record *rec, const struct scf_syscall *sc)
{
	const uint64_t *a = sc->args;
	bool ok = !(rec->flags & SCF_SYSCALL_F_NO_EXIT) && sc->ret >= 0;
	int64_t ret = sc->ret;
	struct ana_fdesc *d;
	char *s;

	if (sc->abi != SCF_ABI_X86_64 || p->exited)
		return;
	c->fd_now_ns = rec->ts_ns + sc->duration_ns;
	switch (sc->nr) {
	case SCF_NR_close:
		fd_close(c, &p->fds, (int32_t)a[0], rec->ts_ns); /* closed even on EINTR */
		return;
	case SCF_NR_close_range:
		if (ok)
			close_range(&p->fds, (uint32_t)a[0], (uint32_t)a[1],
				    a[2] & X_CLOSE_RANGE_CLOEXEC);
		return;
	case SCF_NR_connect:
		apply_connect(p, rec, sc);
		return;
	}
	if (!ok)
		return;
	switch (sc->nr) {
	case SCF_NR_open:
		fd_install(c, &p->fds, ret, open_desc(c, p, rec, 0, false),
			   a[1] & X_O_CLOEXEC);
		break;
	case SCF_NR_creat:
		fd_install(c, &p->fds, ret, open_desc(c, p, rec, 0, false),
			   false);
		break;
	case SCF_NR_openat:
		fd_install(c, &p->fds, ret, open_desc(c, p, rec, a[0], true),
			   a[2] & X_O_CLOEXEC);
		break;
	case SCF_NR_openat2: /* flags are in struct open_how, not recorded */
		fd_install(c, &p->fds, ret, open_desc(c, p, rec, a[0], true),
			   false);
		break;
	case SCF_NR_open_by_handle_at:
		fd_install(c, &p->fds, ret, open_desc(c, p, rec, 0, false),
			   a[2] & X_O_CLOEXEC);
		break;
	case SCF_NR_memfd_create:
		s = dup_item(rec, SCF_ITEM_PATH);
		if (!s)
			s = dup_item(rec, SCF_ITEM_NAME);
		{
			char buf[300];

			snprintf(buf, sizeof(buf), "memfd:%s", s ? s : "?");
			free(s);
			fd_install(c, &p->fds, ret, desc_new(c, ANA_T_OTHER, strdup(buf)), a[1] & 1);
		}
		break;
	case SCF_NR_socket:
		d = desc_new(c, ANA_T_SOCKET, NULL);
		if (d) {
			d->family = (uint16_t)a[0];
			d->sock_type = a[1] & 0xf;
		}
		fd_install(c, &p->fds, ret, d, a[1] & X_O_CLOEXEC);
		break;
	case SCF_NR_socketpair:
		new_pair(c, p, rec, ANA_T_SOCKET, a[1] & X_O_CLOEXEC, (uint16_t)a[0]);
		break;
	case SCF_NR_pipe:
		new_pair(c, p, rec, ANA_T_PIPE, false, 0);
		break;
	case SCF_NR_pipe2:
		new_pair(c, p, rec, ANA_T_PIPE, a[1] & X_O_CLOEXEC, 0);
		break;
	case SCF_NR_accept:
	case SCF_NR_accept4: {
		struct ana_fdesc *l = fd_desc_at(&p->fds, (int32_t)a[0], rec->ts_ns);

		d = desc_new(c, ANA_T_SOCKET, NULL);
		if (!d)
			break;
		keep_sockaddr(rec, SCF_ITEM_SOCKADDR, &d->peer, &d->family);
		if (l) {
			d->local = l->local;
			d->family = l->family;
			d->sock_type = l->sock_type;
		}
		fd_install(c, &p->fds, ret, d,
			   sc->nr == SCF_NR_accept4 && (a[3] & X_O_CLOEXEC));
		break;
	}
	case SCF_NR_dup:
		fd_dup(c, &p->fds, (int32_t)a[0], ret, false);
		break;
	case SCF_NR_dup2:
		fd_dup(c, &p->fds, (int32_t)a[0], (int32_t)a[1], false);
		break;
	case SCF_NR_dup3:
		fd_dup(c, &p->fds, (int32_t)a[0], (int32_t)a[1], a[2] & X_O_CLOEXEC);
		break;
	case SCF_NR_fcntl:
		if ((int32_t)a[1] == X_F_DUPFD || (int32_t)a[1] == X_F_DUPFD_CLOEXEC) {
			fd_dup(c, &p->fds, (int32_t)a[0], ret, (int32_t)a[1] == X_F_DUPFD_CLOEXEC);
		} else if ((int32_t)a[1] == X_F_SETFD) {
			struct ana_fdslot *sl = slot_get(c, &p->fds, (int32_t)a[0], false);

			if (sl && sl->d)
				sl->cloexec = a[2] & 1;
		}
		break;
	case SCF_NR_eventfd:
		new_anon(c, p, ret, "eventfd", false);
		break;
	case SCF_NR_eventfd2:
		new_anon(c, p, ret, "eventfd", a[1] & X_O_CLOEXEC);
		break;
	case SCF_NR_epoll_create:
		new_anon(c, p, ret, "eventpoll", false);
		break;
	case SCF_NR_epoll_create1:
		new_anon(c, p, ret, "eventpoll", a[0] & X_O_CLOEXEC);
		break;
	case SCF_NR_timerfd_create:
		new_anon(c, p, ret, "timerfd", a[1] & X_O_CLOEXEC);
		break;
	case SCF_NR_signalfd:
	case SCF_NR_signalfd4:
		if ((int32_t)a[0] == -1)
			new_anon(c, p, ret, "signalfd",
				 sc->nr == SCF_NR_signalfd4 && (a[3] & X_O_CLOEXEC));
		break;
	case SCF_NR_inotify_init:
		new_anon(c, p, ret, "inotify", false);
		break;
	case SCF_NR_inotify_init1:
		new_anon(c, p, ret, "inotify", a[0] & X_O_CLOEXEC);
		break;
	case SCF_NR_pidfd_open:
		new_anon(c, p, ret, "pidfd", true);
		break;
	case SCF_NR_userfaultfd:
		new_anon(c, p, ret, "userfaultfd", a[0] & X_O_CLOEXEC);
		break;
	case SCF_NR_perf_event_open:
		new_anon(c, p, ret, "perf_event", a[4] & 8);
		break;
	case SCF_NR_io_uring_setup:
		new_anon(c, p, ret, "io_uring", true);
		break;
	case SCF_NR_fanotify_init:
		new_anon(c, p, ret, "fanotify", a[0] & 1);
		break;
	case SCF_NR_bpf: /* most commands that succeed with a positive result return an fd */
		if (ret > 0)
			new_anon(c, p, ret, "bpf", true);
		break;
	case SCF_NR_bind:
		d = fd_desc_at(&p->fds, (int32_t)a[0], rec->ts_ns);
		if (!d || d->kind != ANA_T_SOCKET)
			break;
		if (!keep_sockaddr(rec, SCF_ITEM_SOCKADDR_LOCAL, &d->local, &d->family))
			keep_sockaddr(rec, SCF_ITEM_SOCKADDR, &d->local, &d->family);
		break;
	/*
	 * The result is the child's pid in the caller's pid namespace. In the host's it is the
	 * host pid; in another, the child's PROCESS record maps it to its host pid, and
	 * otherwise the FORK event (host pids) alone made the child: never a made-up process.
	 */
	case SCF_NR_clone:
		if (ret > 0 && !(a[0] & X_CLONE_THREAD))
			spawn_result(c, p, t, (uint32_t)ret, rec->ts_ns, a[0]);
		else if (ret > 0 && !p->ns_level)
			ana_thread_get(c, p->host, p->pid, (uint32_t)ret);
		break;
	case SCF_NR_fork:
	case SCF_NR_vfork:
		if (ret > 0)
			spawn_result(c, p, t, (uint32_t)ret, rec->ts_ns, 0);
		break;
	case SCF_NR_execve:
	case SCF_NR_execveat: {
		const uint8_t *dv;
		uint16_t dl;

		on_exec(p, dup_item(rec, SCF_ITEM_PATH),
			scf_record_item(rec, SCF_ITEM_ARGV, &dv, &dl) == 1 ? join_strlist(dv, dl)
									    : NULL);
		break;
	}
	}
}

void ana_proc_free(struct ana_proc *p)
{
	if (!p)
		return;
	ana_fdtab_free(&p->fds);
	free(p->comm);
	free(p->exe);
	free(p->exe_host);
	free(p->argv);
	free(p->cgroup);
	free(p->service);
	free(p->reason);
	free(p->schema);
	free(p->tls_module);
	free(p);
}
