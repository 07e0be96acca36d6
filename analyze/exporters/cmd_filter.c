// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_filter.c - spancap-analyze filter: a new, self-contained spancap file with only what a
 * selection needs.
 *
 * Two replays. The first applies the analyzer's filter and notes, per input section, what the
 * selected syscalls depend on: their processes and threads, the descriptors they use, their
 * spans (whose THREAD_CTX records carry the attributes), the children they forked, and the
 * time they cover. The second replays each input again, rebuilding the full state, and writes
 * one output section per input section that holds a selected syscall: its SECTION record, the
 * PROCESS, THREAD and FD records of what was noted, the selected syscalls, the lifecycle of
 * the noted processes, the LOSS records overlapping the selected time, and an END with the
 * output's own counts.
 *
 * A descriptor a selected syscall uses may have been opened by a syscall that was not
 * selected (another trace's connect, an open before --since). The output would then not know
 * it; so before such a syscall the filter writes an FD record describing the descriptor as the
 * full replay knows it, whenever the output's own replay would know it differently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_filter.h"
#include "output_file.h"
#include "redact.h"

#define X_MAP_ANONYMOUS 0x20
#define X_CLONE_THREAD 0x00010000u

enum { K_PROC = 1, K_THREAD, K_FD, K_CHILD };

struct sec_info {
	uint64_t first_ns, last_ns; /* what the selection covers in this section */
};

struct ctx_occ {
	uint64_t sec;
	uint32_t pid, tid;
	uint8_t trace_id[16], span_id[8];
	uint64_t first_ns, last_ns;
	bool matched; /* the record itself passes the filter (no syscall-only filter) */
};

struct selection {
	struct ana_map secs;	/* sec key -> struct sec_info */
	struct ana_map members; /* (sec, pid or tid, kind | fd << 8) -> (void *)1 */
	struct ana_map spans;	/* (trace, span) -> (void *)1 */
	struct ana_map occ_map; /* (sec, tid, hash of ids) -> index + 1 */
	struct ctx_occ *occ;
	size_t nocc, occ_cap;
	bool nomem, any;
};

/* The value of outfd for a descriptor the output's replay does not know (or knows wrongly). */
static struct ana_fdesc unknown_fd;

struct emitter {
	const struct selection *sel;
	struct scf_writer *w;
	struct ana_redactor *red;
	struct ana_filter_stats *st;
	uint32_t input;
	uint64_t sec;	       /* the input section being replayed */
	bool in_sec;	       /* ... which has an output section */
	uint64_t sec_records;  /* records written in the output section */
	struct ana_map outfd;  /* (pid, fd) -> what the output's replay knows (a copy) */
	struct ana_map attached; /* tid -> (void *)1 attached, (void *)2 detached, in the output */
	struct { uint32_t pid; int64_t fd; } refresh[12]; /* descriptors just written about */
	unsigned int nrefresh;
	int err;
	char *errbuf;
	size_t errlen;
	uint8_t buf[SCF_REC_MAX];
};

static uint64_t sec_key(uint32_t input, uint32_t section)
{
	return (uint64_t)input << 32 | section;
}

static void set_add(struct selection *s, struct ana_map *m, struct ana_key k)
{
	if (!ana_map_get(m, &k, NULL, NULL) && ana_map_put(m, &k, (void *)1, NULL, NULL))
		s->nomem = true;
}

static bool set_has(const struct ana_map *m, struct ana_key k)
{
	return ana_map_get(m, &k, NULL, NULL) != NULL;
}

static struct ana_key member_key(uint64_t sec, uint32_t id, unsigned int kind, int64_t fd)
{
	return ana_key3(sec, id, (uint64_t)kind | (uint64_t)fd << 8);
}

static struct ana_key span_key(const uint8_t trace_id[16], const uint8_t span_id[8])
{
	uint64_t a, b, c;

	memcpy(&a, trace_id, 8);
	memcpy(&b, trace_id + 8, 8);
	memcpy(&c, span_id, 8);
	return ana_key3(a, b, c);
}

static void sec_touch(struct selection *s, uint64_t sec, uint64_t from, uint64_t to)
{
	struct ana_key k = ana_key3(sec, 0, 0);
	struct sec_info *si = ana_map_get(&s->secs, &k, NULL, NULL);

	if (!si) {
		si = calloc(1, sizeof(*si));
		if (!si || ana_map_put(&s->secs, &k, si, NULL, NULL)) {
			free(si);
			s->nomem = true;
			return;
		}
		si->first_ns = from;
	}
	if (from < si->first_ns)
		si->first_ns = from;
	if (to > si->last_ns)
		si->last_ns = to;
	s->any = true;
}

static const struct sec_info *sec_get(const struct selection *s, uint64_t sec)
{
	struct ana_key k = ana_key3(sec, 0, 0);

	return ana_map_get(&s->secs, &k, NULL, NULL);
}

/* The descriptors a syscall works on (fd and dirfd arguments, mmap's fd), -1 for none. */
static unsigned int fds_used(const struct scf_syscall *sc, int64_t out[6])
{
	const struct scf_syscall_info *si =
		sc->abi == SCF_ABI_X86_64 ? scf_syscall_info(sc->nr) : NULL;
	unsigned int n = 0;

	if (!si)
		return 0;
	for (unsigned int i = 0; i < 6; i++) {
		bool fd = si->args && i < strlen(si->args) &&
			  (si->args[i] == 'd' || si->args[i] == 'D');

		if (i == 0 && (si->flags & SCF_SC_FD0))
			fd = true;
		if (i == 4 && (si->flags & SCF_SC_FD4))
			fd = !(sc->args[3] & X_MAP_ANONYMOUS);
		if (fd && (int32_t)sc->args[i] >= 0)
			out[n++] = (int32_t)sc->args[i];
	}
	return n;
}

static bool forks_child(const struct scf_syscall *sc, const struct scf_record *rec)
{
	if (sc->abi != SCF_ABI_X86_64 || (rec->flags & SCF_SYSCALL_F_NO_EXIT) || sc->ret <= 0)
		return false;
	return (sc->nr == SCF_NR_clone && !(sc->args[0] & X_CLONE_THREAD)) ||
	       sc->nr == SCF_NR_fork || sc->nr == SCF_NR_vfork;
}

/*
 * Whether the selection keeps a syscall: the filter selects it, or, with --pid, it passes the
 * rest of the filter and a pid it returns or takes names the selected process in the caller's
 * own pid namespace (its parent's wait4() = 2, a kill(2, ...) of it from its namespace).
 */
static bool syscall_kept(struct ana_ctx *c, uint32_t input, const struct scf_record *rec,
			 const struct scf_syscall *sc)
{
	struct ana_filter rest = c->o.f;
	struct ana_thread *t;

	if (ana_syscall_selected(&c->o.f, sc, rec))
		return true;
	if (!rest.has_pid || sc->pid == rest.pid)
		return false;
	rest.has_pid = false;
	if (!ana_syscall_selected(&rest, sc, rec))
		return false;
	t = ana_thread_find(c, c->inputs[input].host, sc->tid);
	for (int i = -1; t && i < 6; i++)
		if (ana_syscall_host_pid(c, t, rec, sc, i) == (int64_t)c->o.f.pid)
			return true;
	return false;
}

/* ---- pass 1: what the selection needs ------------------------------------------------------- */

/* Whether a context record passes the filter on its own, as the analyzer counts spans without
 * syscalls: never under a filter about syscalls or times. */
static bool ctx_matches(const struct ana_filter *f, const struct scf_thread_ctx *b)
{
	if (ana_filter_syscall_only(f))
		return false;
	if ((f->has_pid && f->pid != b->pid) || (f->has_tid && f->tid != b->tid))
		return false;
	return ana_filter_trace_match(f, b->trace_id) && ana_filter_span_match(f, b->span_id);
}

static void note_ctx(struct selection *s, const struct ana_filter *f, uint64_t sec,
		     const struct scf_record *rec)
{
	struct scf_thread_ctx b;
	struct ana_key k;
	uintptr_t idx;
	struct ctx_occ *o;

	if (scf_record_body(rec, &b, sizeof(b), SCF_THREAD_CTX_MIN, NULL, 0) || b.valid != 1)
		return;
	k = ana_key3(sec, b.tid, ana_hash_bytes(b.trace_id, 24, 7));
	idx = (uintptr_t)ana_map_get(&s->occ_map, &k, NULL, NULL);
	if (!idx) {
		if (s->nocc == s->occ_cap) {
			size_t ncap = s->occ_cap ? s->occ_cap * 2 : 64;
			struct ctx_occ *nv = realloc(s->occ, ncap * sizeof(*nv));

			if (!nv) {
				s->nomem = true;
				return;
			}
			s->occ = nv;
			s->occ_cap = ncap;
		}
		o = &s->occ[s->nocc++];
		*o = (struct ctx_occ){ .sec = sec, .pid = b.pid, .tid = b.tid,
				       .first_ns = rec->ts_ns };
		memcpy(o->trace_id, b.trace_id, 16);
		memcpy(o->span_id, b.span_id, 8);
		if (ana_map_put(&s->occ_map, &k, (void *)(uintptr_t)s->nocc, NULL, NULL))
			s->nomem = true;
	} else {
		o = &s->occ[idx - 1];
	}
	o->last_ns = rec->ts_ns;
	if (ctx_matches(f, &b))
		o->matched = true;
}

static void note_syscall(struct selection *s, struct ana_ctx *c, uint32_t input, uint64_t sec,
			 const struct scf_record *rec)
{
	struct scf_syscall sc;
	struct ana_thread *t;
	int64_t fds[6];
	unsigned int n;
	uint64_t end;

	if (scf_record_body(rec, &sc, sizeof(sc), SCF_SYSCALL_MIN, NULL, 0) ||
	    !syscall_kept(c, input, rec, &sc))
		return;
	end = rec->ts_ns + (rec->flags & SCF_SYSCALL_F_NO_EXIT ? 0 : sc.duration_ns);
	sec_touch(s, sec, rec->ts_ns, end);
	set_add(s, &s->members, member_key(sec, sc.pid, K_PROC, 0));
	set_add(s, &s->members, member_key(sec, sc.tid, K_THREAD, 0));
	n = fds_used(&sc, fds);
	for (unsigned int i = 0; i < n; i++)
		set_add(s, &s->members, member_key(sec, sc.pid, K_FD, fds[i]));
	if ((rec->flags & SCF_SYSCALL_F_CTX))
		set_add(s, &s->spans, span_key(sc.trace_id, sc.span_id));
	if (forks_child(&sc, rec)) {
		/* The result is in the caller's pid namespace: the member is the host pid. */
		const struct ana_proc *p = ana_proc_find(c, c->inputs[input].host, sc.pid);
		const struct ana_proc *ch = p ? ana_proc_in_ns(c, p, (uint32_t)sc.ret) : NULL;

		if (ch || !p || !p->ns_level)
			set_add(s, &s->members,
				member_key(sec, ch ? ch->pid : (uint32_t)sc.ret, K_CHILD, 0));
	}
	/* A pid it returns or names in its own pid namespace (getppid, wait4, kill, ...): the
	 * output keeps the named process's description, so that its analysis maps the number to
	 * the same host pid (ana_syscall_host_pid). */
	t = ana_thread_find(c, c->inputs[input].host, sc.tid);
	for (int i = -1; t && i < 6; i++) {
		int64_t host = ana_syscall_host_pid(c, t, rec, &sc, i);

		if (host > 0)
			set_add(s, &s->members, member_key(sec, (uint32_t)host, K_CHILD, 0));
	}
}

/* A child forked while its parent's thread was in a selected span (clone3, posix_spawn). */
static void note_fork(struct selection *s, struct ana_ctx *c, uint32_t input, uint64_t sec,
		      const struct scf_record *rec)
{
	struct scf_proc_event pe;
	struct ana_thread *t;

	if (scf_record_body(rec, &pe, sizeof(pe), SCF_PROC_EVENT_MIN, NULL, 0) ||
	    pe.kind != SCF_PROC_FORK || c->inputs[input].host >= c->hosts.n)
		return;
	t = ana_thread_find(c, c->inputs[input].host, pe.tid);
	if (t && t->pid == pe.ppid && t->cur_span)
		set_add(s, &s->members, member_key(sec, pe.pid, K_CHILD, 0));
}

static void collect(struct ana_ctx *c, uint32_t input, const struct scf_record *rec, void *arg)
{
	struct selection *s = arg;
	uint64_t sec = sec_key(input, rec->section);

	switch (rec->type) {
	case SCF_REC_SYSCALL:
		note_syscall(s, c, input, sec, rec);
		break;
	case SCF_REC_THREAD_CTX:
		note_ctx(s, &c->o.f, sec, rec);
		break;
	case SCF_REC_PROC_EVENT:
		note_fork(s, c, input, sec, rec);
		break;
	}
}

/* After pass 1: the spans' context records bring their threads and processes along, those
 * that --pid and --tid select: another thread's records of a span are its own, not the
 * selected thread's. */
static void close_selection(struct selection *s, const struct ana_filter *f)
{
	for (size_t i = 0; i < s->nocc; i++)
		if (s->occ[i].matched)
			set_add(s, &s->spans, span_key(s->occ[i].trace_id, s->occ[i].span_id));
	for (size_t i = 0; i < s->nocc; i++) {
		const struct ctx_occ *o = &s->occ[i];

		if (!set_has(&s->spans, span_key(o->trace_id, o->span_id)) ||
		    (f->has_pid && o->pid != f->pid) || (f->has_tid && o->tid != f->tid))
			continue;
		sec_touch(s, o->sec, o->first_ns, o->last_ns);
		set_add(s, &s->members, member_key(o->sec, o->pid, K_PROC, 0));
		set_add(s, &s->members, member_key(o->sec, o->tid, K_THREAD, 0));
	}
}

static void selection_free(struct selection *s)
{
	for (size_t i = 0; i < s->secs.cap; i++)
		free(s->secs.slots[i].val);
	ana_map_free(&s->secs);
	ana_map_free(&s->members);
	ana_map_free(&s->spans);
	ana_map_free(&s->occ_map);
	free(s->occ);
}

/* ---- pass 2: writing ------------------------------------------------------------------------ */

static void emit_fail(struct emitter *e, int err, const char *what)
{
	if (e->err)
		return;
	e->err = err;
	snprintf(e->errbuf, e->errlen, "%s", what);
}

static void emit(struct emitter *e, const struct scf_record *rec)
{
	size_t len = ana_redact_record(e->red, rec, e->buf, sizeof(e->buf));
	int ret;

	if (!len) {
		emit_fail(e, -EOVERFLOW, "a record could not be re-encoded");
		return;
	}
	if (rec->type == SCF_REC_SECTION)
		ret = scf_writer__begin_section(e->w, rec->ts_ns, e->buf, len);
	else
		ret = scf_writer__append(e->w, rec->ts_ns, e->buf, len);
	if (ret) {
		emit_fail(e, ret, scf_writer__errmsg(e->w));
		return;
	}
	e->sec_records++;
	e->st->records++;
	if (rec->type == SCF_REC_SYSCALL)
		e->st->syscalls++;
}

/* Parses a record just built and emits it at ts. */
static void emit_built(struct emitter *e, const uint8_t *buf, size_t len, uint64_t ts)
{
	struct scf_record rec;

	if (!len || scf_record_parse(buf, len, &rec, NULL, 0)) {
		emit_fail(e, -EOVERFLOW, "a record could not be built");
		return;
	}
	rec.ts_ns = ts;
	emit(e, &rec);
}

static bool member(const struct emitter *e, uint32_t id, unsigned int kind, int64_t fd)
{
	return set_has(&e->sel->members, member_key(e->sec, id, kind, fd));
}

static bool proc_member(const struct emitter *e, uint32_t pid)
{
	return member(e, pid, K_PROC, 0) || member(e, pid, K_CHILD, 0);
}

/* What the output's replay knows of (pid, fd): a copy of what (NULL: nothing). */
static void outfd_set(struct emitter *e, uint32_t pid, int64_t fd, const struct ana_fdesc *what)
{
	struct ana_key k = ana_key3(pid, (uint64_t)fd, 0);
	struct ana_fdesc *old = ana_map_get(&e->outfd, &k, NULL, NULL);
	struct ana_fdesc *d = what ? ana_fdesc_copy(what) : &unknown_fd;

	if (!d) {
		emit_fail(e, -ENOMEM, "out of memory");
		return;
	}
	if (ana_map_put(&e->outfd, &k, d, NULL, NULL)) {
		if (d != &unknown_fd)
			ana_fdesc_put(d);
		emit_fail(e, -ENOMEM, "out of memory");
		return;
	}
	if (old && old != &unknown_fd)
		ana_fdesc_put(old);
}

/* Forgets what the output knows of pid's descriptors (exec, exit, close_range); pid 0: all. */
static void outfd_forget(struct emitter *e, uint32_t pid, bool all)
{
	for (size_t i = 0; i < e->outfd.cap; i++) {
		struct ana_map_slot *sl = &e->outfd.slots[i];

		if (!sl->val || (!all && sl->key.k[0] != pid))
			continue;
		if (sl->val != &unknown_fd)
			ana_fdesc_put(sl->val);
		sl->val = &unknown_fd;
	}
}

/* Whether the output's replay knows fd as the full replay does now (known: outfd's value). */
static bool outfd_current(const struct ana_fdesc *known, const struct ana_fdesc *now)
{
	return known && now && known != &unknown_fd && ana_fdesc_same(known, now);
}

static void refresh_later(struct emitter *e, uint32_t pid, int64_t fd)
{
	if (fd < 0)
		return;
	if (e->nrefresh == sizeof(e->refresh) / sizeof(e->refresh[0])) {
		outfd_set(e, pid, fd, NULL); /* unknown: synchronised again at its next use */
		return;
	}
	e->refresh[e->nrefresh].pid = pid;
	e->refresh[e->nrefresh++].fd = fd;
}

/* The description of fd in the full replay now (*pp: its process), or NULL. */
static const struct ana_fdesc *full_fd(struct ana_ctx *c, uint32_t pid, int64_t fd,
				       const struct ana_proc **pp)
{
	const struct ana_proc *p = ana_proc_find(c, c->inputs[0].host, pid);

	*pp = p;
	return p ? ana_fd_desc(p, fd) : NULL;
}

static uint8_t fd_record_kind(uint8_t tkind, const char *path)
{
	switch (tkind) {
	case ANA_T_FILE:
		return SCF_FD_FILE;
	case ANA_T_SOCKET:
		return SCF_FD_SOCKET;
	case ANA_T_PIPE:
		return SCF_FD_PIPE;
	default:
		return path && !strncmp(path, "memfd:", 6) ? SCF_FD_MEMFD : SCF_FD_ANON;
	}
}

/* Writes an FD record for (pid, fd) when the output's replay would not know it as the full
 * replay does. */
static void sync_fd(struct emitter *e, struct ana_ctx *c, uint32_t pid, int64_t fd, uint64_t ts)
{
	struct ana_key k = ana_key3(pid, (uint64_t)fd, 0);
	const struct ana_fdesc *known = ana_map_get(&e->outfd, &k, NULL, NULL);
	const struct ana_fdesc *d;
	const struct ana_proc *p;
	struct scf_rec_builder b;
	struct scf_fd body = { .pid = pid, .fd = (int32_t)fd };
	uint8_t rec[SCF_REC_MAX];
	bool addr = false;

	d = full_fd(c, pid, fd, &p);
	if (!d || outfd_current(known, d))
		return;
	/*
	 * A syscall that entered before fd's current description was installed worked on the one
	 * it replaced: the output's replay resolves it the same way once it has the installing
	 * record, and an FD record written now would install the current description again, with
	 * a later time, and hand it the syscall that did not touch it (a close would close it).
	 */
	if (ana_fd_raced(p, fd, ts))
		return;
	body.kind = fd_record_kind(d->kind, d->path);
	body.sock_type = d->sock_type;
	scf_rb_begin(&b, rec, sizeof(rec), SCF_REC_FD, 0, &body, sizeof(body));
	if (d->kind == ANA_T_SOCKET) { /* the addresses as the capture recorded them */
		if (d->local.len) {
			scf_rb_item(&b, SCF_ITEM_SOCKADDR_LOCAL, d->local.bytes, d->local.len);
			addr = true;
		}
		if (d->peer.len) {
			scf_rb_item(&b, SCF_ITEM_SOCKADDR, d->peer.bytes, d->peer.len);
			addr = true;
		}
	}
	if (!addr && (d->path || d->pair_seq || d->kind == ANA_T_SOCKET)) { /* a name */
		char name[300];

		scf_rb_item_str(&b, SCF_ITEM_PATH, ana_fdesc_name(d, name, sizeof(name)));
	}
	emit_built(e, rec, scf_rb_end(&b), ts);
	outfd_set(e, pid, fd, d);
	e->st->synthesized_fds++;
}

static void emit_syscall(struct emitter *e, struct ana_ctx *c, const struct scf_record *rec)
{
	const struct scf_syscall_info *si;
	struct scf_syscall sc;
	int64_t fds[6];
	unsigned int n;
	const uint8_t *d;
	uint16_t len;

	if (scf_record_body(rec, &sc, sizeof(sc), SCF_SYSCALL_MIN, NULL, 0) ||
	    !syscall_kept(c, e->input, rec, &sc))
		return;
	n = fds_used(&sc, fds);
	for (unsigned int i = 0; i < n; i++)
		sync_fd(e, c, sc.pid, fds[i], rec->ts_ns);
	emit(e, rec);
	/* what the syscall does to these descriptors is learnt once the replay applied it */
	for (unsigned int i = 0; i < n; i++)
		refresh_later(e, sc.pid, fds[i]);
	si = sc.abi == SCF_ABI_X86_64 ? scf_syscall_info(sc.nr) : NULL;
	if (si && !(si->flags & (SCF_SC_READ | SCF_SC_WRITE)) && sc.ret >= 0 && sc.ret < (1 << 30))
		refresh_later(e, sc.pid, sc.ret);
	if (sc.nr == SCF_NR_dup2 || sc.nr == SCF_NR_dup3)
		refresh_later(e, sc.pid, (int32_t)sc.args[1]);
	if (scf_record_item(rec, SCF_ITEM_FD_PAIR, &d, &len) == 1 && len >= 8) {
		int32_t pair[2];

		memcpy(pair, d, 8);
		refresh_later(e, sc.pid, pair[0]);
		refresh_later(e, sc.pid, pair[1]);
	}
	if (sc.nr == SCF_NR_close_range)
		outfd_forget(e, sc.pid, false);
}

static void emit_thread_ctx(struct emitter *e, const struct scf_record *rec)
{
	struct scf_thread_ctx b;
	struct ana_key k;
	void *att;

	if (scf_record_body(rec, &b, sizeof(b), SCF_THREAD_CTX_MIN, NULL, 0))
		return;
	k = ana_key3(b.tid, 0, 0);
	att = ana_map_get(&e->attached, &k, NULL, NULL);
	if (b.valid == 1 && set_has(&e->sel->spans, span_key(b.trace_id, b.span_id)) &&
	    member(e, b.pid, K_PROC, 0) && member(e, b.tid, K_THREAD, 0)) {
		emit(e, rec);
		if (ana_map_put(&e->attached, &k, (void *)1, NULL, NULL))
			emit_fail(e, -ENOMEM, "out of memory");
	} else if (att == (void *)1) {
		/* the thread leaves a selected span: the output says so with a bare detach, which
		 * names no span that was not selected */
		struct scf_thread_ctx det = { .pid = b.pid, .tid = b.tid };
		struct scf_rec_builder rb;
		uint8_t buf[64];

		scf_rb_begin(&rb, buf, sizeof(buf), SCF_REC_THREAD_CTX, 0, &det, sizeof(det));
		emit_built(e, buf, scf_rb_end(&rb), rec->ts_ns);
		ana_map_put(&e->attached, &k, (void *)2, NULL, NULL);
	}
}

static void emit_end(struct emitter *e, const struct scf_record *rec)
{
	struct scf_rec_builder b;
	struct scf_end end;
	uint8_t buf[128];

	if (scf_record_body(rec, &end, sizeof(end), SCF_END_MIN, NULL, 0))
		return;
	/* the output's own counts; the capture's counters describe the input, not this file */
	end.records = e->sec_records;
	end.syscalls = e->st->syscalls;
	scf_rb_begin(&b, buf, sizeof(buf), SCF_REC_END, rec->flags, &end, sizeof(end));
	emit_built(e, buf, scf_rb_end(&b), rec->ts_ns);
}

static void emit_section(struct emitter *e, const struct scf_record *rec)
{
	e->in_sec = sec_get(e->sel, e->sec) != NULL;
	if (!e->in_sec)
		return;
	outfd_forget(e, 0, true);
	ana_map_free(&e->attached);
	e->sec_records = 0;
	emit(e, rec);
	e->st->sections++;
}

static void emit_record(struct ana_ctx *c, uint32_t input, const struct scf_record *rec,
			void *arg)
{
	struct emitter *e = arg;
	const struct sec_info *si;
	struct scf_process pr;
	struct scf_thread th;
	struct scf_fd fd;
	struct scf_proc_event pe;
	struct scf_loss loss;

	(void)input;
	/* the FD records written before this one have been applied by now */
	for (unsigned int i = 0; i < e->nrefresh; i++) {
		const struct ana_proc *p;
		const struct ana_fdesc *now = full_fd(c, e->refresh[i].pid, e->refresh[i].fd, &p);
		struct ana_key k = ana_key3(e->refresh[i].pid, (uint64_t)e->refresh[i].fd, 0);
		const struct ana_fdesc *known = ana_map_get(&e->outfd, &k, NULL, NULL);

		if (outfd_current(known, now))
			continue;
		/* pipes and socket pairs are numbered in replay order ("pipe:#3"): the output's
		 * replay numbers new ones its own way, so such a description is not taken as known */
		outfd_set(e, e->refresh[i].pid, e->refresh[i].fd,
			  now && now->pair_seq ? NULL : now);
	}
	e->nrefresh = 0;
	if (e->err)
		return;
	e->sec = sec_key(e->input, rec->section);
	if (rec->type == SCF_REC_SECTION) {
		emit_section(e, rec);
		return;
	}
	if (!e->in_sec)
		return;
	switch (rec->type) {
	case SCF_REC_PROCESS:
		if (!scf_record_body(rec, &pr, sizeof(pr), SCF_PROCESS_MIN, NULL, 0) &&
		    proc_member(e, pr.pid))
			emit(e, rec);
		break;
	case SCF_REC_THREAD:
		if (!scf_record_body(rec, &th, sizeof(th), SCF_THREAD_MIN, NULL, 0) &&
		    member(e, th.tid, K_THREAD, 0) && proc_member(e, th.pid))
			emit(e, rec);
		break;
	case SCF_REC_FD:
		if (!scf_record_body(rec, &fd, sizeof(fd), SCF_FD_MIN, NULL, 0) &&
		    member(e, fd.pid, K_FD, fd.fd)) {
			emit(e, rec);
			refresh_later(e, fd.pid, fd.fd);
		}
		break;
	case SCF_REC_THREAD_CTX:
		emit_thread_ctx(e, rec);
		break;
	case SCF_REC_SYSCALL:
		emit_syscall(e, c, rec);
		break;
	case SCF_REC_PROC_EVENT:
		if (scf_record_body(rec, &pe, sizeof(pe), SCF_PROC_EVENT_MIN, NULL, 0) ||
		    !proc_member(e, pe.pid))
			break;
		emit(e, rec);
		if (pe.kind != SCF_PROC_FORK)
			outfd_forget(e, pe.pid, false);
		break;
	case SCF_REC_LOSS:
		si = sec_get(e->sel, e->sec);
		if (!scf_record_body(rec, &loss, sizeof(loss), SCF_LOSS_MIN, NULL, 0) && si &&
		    loss.window_start_ns <= si->last_ns && loss.window_end_ns >= si->first_ns &&
		    (!loss.pid || proc_member(e, loss.pid)))
			emit(e, rec);
		break;
	case SCF_REC_END:
		emit_end(e, rec);
		break;
	case SCF_REC_CLOCK: /* the output's times are converted with the same measurements */
		emit(e, rec);
		break;
	}
}

/* ---- the command ---------------------------------------------------------------------------- */

struct source {
	const char *name;
	void *mem; /* standard input, read whole (two replays need it twice) */
	size_t len;
	uint32_t threads; /* reader threads (ana_opts.threads) */
};

static int read_stdin(struct source *src, char *err, size_t errlen)
{
	size_t cap = 1 << 20;
	ssize_t n;

	src->mem = malloc(cap);
	if (!src->mem)
		goto nomem;
	while ((n = read(STDIN_FILENO, (char *)src->mem + src->len, cap - src->len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "-: %s", strerror(errno));
			return -errno;
		}
		src->len += (size_t)n;
		if (src->len == cap) {
			void *nm = realloc(src->mem, cap * 2);

			if (!nm)
				goto nomem;
			src->mem = nm;
			cap *= 2;
		}
	}
	return 0;
nomem:
	snprintf(err, errlen, "-: out of memory");
	return -ENOMEM;
}

static int add_source(struct ana_ctx *c, const struct source *src, char *err, size_t errlen)
{
	if (src->mem)
		return ana_ctx__add_mem(c, src->mem, src->len, "-", err, errlen);
	return ana_ctx__add_file(c, src->name, err, errlen);
}

static void report_warnings(const struct ana_filter_cmd *fc, struct ana_ctx *c)
{
	for (uint32_t i = 0; fc->warn && i < c->warnings.n; i++)
		fc->warn(c->warnings.v[i]);
}

/* Refuses an output that is one of the inputs: it would be truncated before being read. */
static int check_output(const char *out, const struct source *srcs, int n, char *err,
			size_t errlen)
{
	struct stat so, si;

	if (!strcmp(out, "-")) {
		if (isatty(STDOUT_FILENO)) {
			snprintf(err, errlen, "refusing to write a binary file to a terminal");
			return -EINVAL;
		}
		return 0;
	}
	if (stat(out, &so))
		return 0;
	for (int i = 0; i < n; i++)
		if (!srcs[i].mem && !stat(srcs[i].name, &si) && si.st_dev == so.st_dev &&
		    si.st_ino == so.st_ino) {
			snprintf(err, errlen, "%s: the output is also an input", out);
			return -EINVAL;
		}
	return 0;
}

/* The output: standard output, or a file under a temporary name until it is complete. */
static struct scf_writer *open_output(const struct ana_filter_cmd *fc, bool compressed,
				      struct ana_outfile *of, char *err, size_t errlen)
{
	struct scf_writer_opts wo = { .sz = sizeof(wo), .uncompressed = !compressed,
				      .appname = "spancap-analyze filter" };
	struct scf_writer *w;
	int fd;

	if (!strcmp(fc->out, "-"))
		return scf_writer__fdopen(STDOUT_FILENO, "standard output", &wo, err, errlen);
	fd = ana_outfile__open(of, fc->out, err, errlen);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	w = scf_writer__fdopen(fd, fc->out, &wo, err, errlen);
	if (!w) {
		close(fd);
		ana_outfile__abort(of);
	}
	return w;
}

/* Pass 2 over one input. */
static int write_input(const struct source *src, uint32_t input, const struct ana_filter *f,
		       bool use_index, struct emitter *e, char *err, size_t errlen)
{
	struct ana_opts o = { .f = *f, .on_record = emit_record, .record_arg = e,
			      .threads = src->threads, .use_index = use_index,
			      .pid_named_by_others = true, .index_until = ANA_UNTIL_SKIP_SYSCALLS };
	struct ana_ctx *c = ana_ctx__new(&o);
	int ret;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = add_source(c, src, err, errlen);
	if (!ret) {
		e->input = input;
		e->in_sec = false;
		ret = ana_ctx__run(c);
		if (ret)
			snprintf(err, errlen, "out of memory");
		else if (e->err)
			ret = e->err;
	}
	ana_ctx__free(c); /* its warnings are the first replay's, reported already */
	return ret;
}

/* Pass 1: opens the inputs (into srcs, *n of them) and notes what the selection needs. */
static int select_inputs(const struct ana_filter *f, char *const *files, int nfiles,
			 const struct ana_filter_cmd *fc, struct source *srcs, int *n,
			 struct selection *sel, struct ana_filter *resolved, bool *compressed,
			 char *err, size_t errlen)
{
	struct ana_opts o = { .f = *f, .on_record = collect, .record_arg = sel,
			      .threads = fc->threads, .use_index = !fc->no_index, .note = fc->note,
			      .pid_named_by_others = true, .index_until = ANA_UNTIL_SKIP_SYSCALLS };
	struct ana_ctx *c = ana_ctx__new(&o);
	int ret = -ENOMEM, same;

	snprintf(err, errlen, "out of memory");
	if (!c)
		return ret;
	for (int i = 0; i < nfiles; i++) {
		struct source *src = &srcs[*n];

		src->name = files[i];
		src->threads = fc->threads;
		same = ana_input_repeated(files, i);
		if (same >= 0) {
			char msg[PATH_MAX + 64];

			snprintf(msg, sizeof(msg), "%s is the same file as %s: read once", files[i],
				 files[same]);
			if (fc->warn)
				fc->warn(msg);
			continue;
		}
		if (!strcmp(files[i], "-") && (ret = read_stdin(src, err, errlen)))
			goto out;
		ret = add_source(c, src, err, errlen);
		if (ret == -ENODATA && nfiles > 1) { /* cut before its first record */
			if (fc->warn)
				fc->warn(err);
			free(src->mem);
			src->mem = NULL;
			continue;
		}
		if (ret)
			goto out;
		if (!*n)
			*compressed = c->inputs[0].compressed;
		(*n)++;
	}
	ret = check_output(fc->out, srcs, *n, err, errlen);
	if (ret)
		goto out;
	ret = ana_ctx__run(c);
	report_warnings(fc, c);
	if (ret || sel->nomem) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	close_selection(sel, &c->o.f);
	if (!sel->any) {
		snprintf(err, errlen, "nothing matched the selection: no output written");
		ret = 1;
		goto out;
	}
	/* relative times are resolved against the capture start of all the inputs together */
	*resolved = c->o.f;
	resolved->since_rel = resolved->until_rel = false;
out:
	ana_ctx__free(c);
	return ret;
}

/* Pass 2: writes the output from each input in turn. */
static int write_output(const struct source *srcs, int n, const struct ana_filter *resolved,
			const struct selection *sel, const struct ana_filter_cmd *fc,
			bool compressed, struct ana_filter_stats *st, char *err, size_t errlen)
{
	struct emitter *e = calloc(1, sizeof(*e));
	struct ana_outfile of = { .fd = -1 };
	int ret = 0;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->sel = sel;
	e->st = st;
	e->errbuf = err;
	e->errlen = errlen;
	if (fc->redact && !(e->red = ana_redactor__new(fc->redact, fc->redact_key))) {
		ret = -errno;
		snprintf(err, errlen, "cannot make a redaction key: %s", strerror(errno));
		goto out;
	}
	e->w = open_output(fc, fc->compress < 0 ? compressed : fc->compress == 1, &of, err,
			   errlen);
	if (!e->w) {
		ret = errno ? -errno : -EIO;
		goto out;
	}
	for (int i = 0; i < n && !ret; i++)
		ret = write_input(&srcs[i], (uint32_t)i, resolved, !fc->no_index, e, err, errlen);
	if (scf_writer__close(e->w, ret ? NULL : err, errlen) && !ret)
		ret = -EIO;
	if (strcmp(fc->out, "-")) {
		if (close(of.fd) && !ret) {
			ret = -errno;
			snprintf(err, errlen, "closing %s failed: %s", fc->out, strerror(-ret));
		}
		/* a half-written output would look like a filtered capture */
		if (ret)
			ana_outfile__abort(&of);
		else
			ret = ana_outfile__commit(&of, err, errlen);
	}
out:
	outfd_forget(e, 0, true);
	ana_map_free(&e->outfd);
	ana_map_free(&e->attached);
	ana_redactor__free(e->red);
	free(e);
	return ret;
}

int ana_cmd_filter(const struct ana_filter *f, char *const *files, int nfiles,
		   const struct ana_filter_cmd *fc, struct ana_filter_stats *st, char *err,
		   size_t errlen)
{
	struct selection sel = { 0 };
	struct source *srcs = calloc((size_t)nfiles, sizeof(*srcs));
	struct ana_filter resolved;
	bool compressed = true;
	int ret, n = 0;

	memset(st, 0, sizeof(*st));
	if (!srcs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = select_inputs(f, files, nfiles, fc, srcs, &n, &sel, &resolved, &compressed, err,
			    errlen);
	if (!ret)
		ret = write_output(srcs, n, &resolved, &sel, fc, compressed, st, err, errlen);
	selection_free(&sel);
	for (int i = 0; i < nfiles; i++)
		free(srcs[i].mem);
	free(srcs);
	return ret;
}
