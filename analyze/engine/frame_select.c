// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_select.c - which zstd frames of an input a selection (`trace ID`, --trace, --pid,
 * --until) can leave undecompressed, from the file's frame index (FORMAT.md 7.3).
 *
 * A report must come out exactly as from reading every frame, so a frame is skipped only when
 * nothing in it can change what the report shows:
 *   - records whose effect is global are read wherever they are: SECTION, CLOCK, END and
 *     unknown types, LOSS records of no one process, and syscalls that carry an FD_PAIR item
 *     (pipe numbering is global);
 *   - the other records (PROCESS, THREAD, FD, THREAD_CTX, PROC_EVENT, SYSCALL, LOSS of a
 *     process) change only the state of the processes they name, so a frame is read when it
 *     names a process of the selection or one of their descendants (reports show the
 *     children's lifecycle), or, up to the frame that holds the fork of the selection's
 *     branch, one of their ancestors (a child starts with its parent's descriptors);
 *   - the processes of the selection are --pid's, or those of every frame whose filter may
 *     hold the trace (a false positive costs a frame, never a record); filter --pid also keeps
 *     other processes' syscalls that name the pid (kill, wait4), which may be in any frame:
 *     there --pid selects frames only together with --trace (those processes are then the
 *     trace's);
 *   - with --until, a frame that holds only syscalls, all after --until, is skipped.
 * Frames without an entry, and every frame when an entry could not list all its processes or
 * parent links, are read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* Record types whose state is per process (FORMAT.md 7.3); the others are global. */
#define PROCESS_SCOPED                                                                      \
	(1u << SCF_REC_PROCESS | 1u << SCF_REC_THREAD | 1u << SCF_REC_FD |                  \
	 1u << SCF_REC_THREAD_CTX | 1u << SCF_REC_SYSCALL | 1u << SCF_REC_PROC_EVENT |       \
	 1u << SCF_REC_SYSCALL_PACKED | 1u << SCF_REC_LOSS)
#define SYSCALLS_ONLY (1u << SCF_REC_SYSCALL | 1u << SCF_REC_SYSCALL_PACKED)

/*
 * Processes whose records matter, each up to a frame: ALL_FRAMES, or for an ancestor the last
 * frame holding its link to a child of the selection, and the later frames that begin before
 * that frame ends (its clone record, written at the syscall's exit, may be in one of those):
 * its state after the fork is not read.
 */
#define ALL_FRAMES SIZE_MAX

struct pidset {
	uint32_t *v;
	size_t *until;	   /* the last frame */
	uint64_t *until_ts; /* ... and frames whose first record entered before this */
	size_t n, cap;
};

static size_t pid_find(const struct pidset *s, uint32_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == pid)
			return i;
	return SIZE_MAX;
}

/* Adds pid (or raises its limits) up to frame until and time until_ts; *grew says whether
 * anything changed. */
static int pid_add(struct pidset *s, uint32_t pid, size_t until, uint64_t until_ts, bool *grew)
{
	size_t i = pid_find(s, pid);

	if (i != SIZE_MAX) {
		if (s->until[i] < until) {
			s->until[i] = until;
			*grew = true;
		}
		if (s->until_ts[i] < until_ts) {
			s->until_ts[i] = until_ts;
			*grew = true;
		}
		return 0;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		uint32_t *nv = realloc(s->v, ncap * sizeof(*nv));
		uint64_t *nt;
		size_t *nu;

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		nu = realloc(s->until, ncap * sizeof(*nu));
		if (!nu)
			return -ENOMEM;
		s->until = nu;
		nt = realloc(s->until_ts, ncap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		s->until_ts = nt;
		s->cap = ncap;
	}
	s->v[s->n] = pid;
	s->until_ts[s->n] = until_ts;
	s->until[s->n++] = until;
	*grew = true;
	return 0;
}

/*
 * The processes whose state the selection reads: the selected ones and their descendants in
 * every frame, their ancestors up to the frame of the fork that made the selection's branch.
 * Returns 1 with the set, 0 when the index cannot bound it (read everything), -ENOMEM.
 */
static int selection_pids(const struct ana_filter *f, bool named_by_others,
			  const struct scf_fidx *x, struct pidset *s)
{
	bool by_trace = f->trace_nibbles >= 16, grew = false;

	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].flags & SCF_FIDX_F_PARENTS_ALL)
			return 0;
	if (f->has_pid && named_by_others && !by_trace)
		return 0; /* another process's kill() or wait4() may name it in any frame */
	if (f->has_pid && pid_add(s, f->pid, ALL_FRAMES, UINT64_MAX, &grew))
		return -ENOMEM;
	if (by_trace && (!f->has_pid || named_by_others)) {
		for (size_t i = 0; i < x->n; i++) {
			const struct scf_fidx_entry *e = &x->e[i];

			if (!scf_fidx_entry_may_hold_trace(e, f->trace_id, SCF_FIDX_ANY_PID))
				continue;
			if (e->flags & SCF_FIDX_F_PIDS_ALL)
				return 0;
			for (uint32_t k = 0; k < e->npids; k++)
				if (scf_fidx_entry_may_hold_trace(e, f->trace_id, e->pids[k]) &&
				    pid_add(s, e->pids[k], ALL_FRAMES, UINT64_MAX, &grew))
					return -ENOMEM;
		}
	} else if (!f->has_pid) {
		return 0;
	}
	/* descendants: their lifecycle is shown */
	do {
		grew = false;
		for (size_t i = 0; i < x->n; i++)
			for (uint32_t k = 0; k < x->e[i].nparents; k++)
				if (pid_find(s, x->e[i].parents[2 * k + 1]) != SIZE_MAX &&
				    s->until[pid_find(s, x->e[i].parents[2 * k + 1])] == ALL_FRAMES &&
				    pid_add(s, x->e[i].parents[2 * k], ALL_FRAMES, UINT64_MAX, &grew))
					return -ENOMEM;
	} while (grew);
	/* ancestors: a child starts with its parent's descriptors, as they are at the fork */
	do {
		grew = false;
		for (size_t i = 0; i < x->n; i++)
			for (uint32_t k = 0; k < x->e[i].nparents; k++) {
				size_t c = pid_find(s, x->e[i].parents[2 * k]);

				if (c != SIZE_MAX &&
				    (i <= s->until[c] || x->e[i].ts_min <= s->until_ts[c]) &&
				    pid_add(s, x->e[i].parents[2 * k + 1], i, x->e[i].ts_max, &grew))
					return -ENOMEM;
			}
	} while (grew);
	return 1;
}

/* Whether frame k (entry e) can be left out for the selection. */
static bool skippable(const struct ana_filter *f, const struct scf_fidx_entry *e, size_t k,
		      const struct pidset *s, bool by_pids)
{
	if (f->until_ns && e->ts_min > f->until_ns && !(e->types & ~SYSCALLS_ONLY) &&
	    !(e->flags & SCF_FIDX_F_FD_PAIR))
		return true;
	if (!by_pids || (e->types & ~PROCESS_SCOPED) ||
	    (e->flags & (SCF_FIDX_F_PIDS_ALL | SCF_FIDX_F_FD_PAIR | SCF_FIDX_F_LOSS_ANY)))
		return false;
	for (uint32_t j = 0; j < e->npids; j++) {
		size_t i = pid_find(s, e->pids[j]);

		if (i != SIZE_MAX && (k <= s->until[i] || e->ts_min <= s->until_ts[i]))
			return false;
	}
	return true;
}

static void note(struct ana_ctx *c, const char *fmt, ...)
{
	char msg[SCF_ERRMSG_MAX + 128];
	va_list ap;

	if (!c->o.note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->o.note(msg);
}

static int select_input(struct ana_ctx *c, struct ana_input *in)
{
	const struct ana_filter *f = &c->o.f;
	struct pidset s = { 0 };
	struct scf_fidx *x = NULL;
	char err[SCF_ERRMSG_MAX];
	int ret, by_pids;

	ret = scf_fidx__load(in->name, &x, err, sizeof(err));
	if (ret < 0) {
		note(c, "%s; reading every frame", err);
		scf_fidx__free(x);
		return ret == -ENOMEM ? ret : 0;
	}
	if (ret == 0) {
		note(c, "%s: reading every frame", x->note);
		scf_fidx__free(x);
		return 0;
	}
	if (x->note[0])
		note(c, "%s", x->note);
	by_pids = selection_pids(f, c->o.pid_named_by_others, x, &s);
	if (by_pids < 0) {
		ret = by_pids;
		goto out;
	}
	for (size_t i = 0; i < x->n; i++) {
		const struct scf_fidx_entry *e = &x->e[i];

		/* the frames the reader has already passed are not skipped (the header) */
		if (e->lead < scf_reader__input_offset(in->r) || !skippable(f, e, i, &s, by_pids))
			continue;
		ret = scf_reader__skip_frame(in->r, e);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	free(s.v);
	free(s.until);
	free(s.until_ts);
	scf_fidx__free(x);
	return ret;
}

int ana_select_frames(struct ana_ctx *c)
{
	const struct ana_filter *f = &c->o.f;

	if (!c->o.use_index)
		return 0;
	/* a shorter trace id prefix cannot query the filter (FORMAT.md 7.3): every frame */
	if (f->trace_nibbles < 16 && !f->has_pid && !f->until_ns)
		return 0;
	for (uint32_t i = 0; i < c->ninputs; i++) {
		struct ana_input *in = &c->inputs[i];
		int ret;

		if (in->mem || !in->live)
			continue;
		if (!in->compressed) {
			note(c, "%s is not compressed: it has no frame index (FORMAT.md 7): reading "
			     "every record", in->name);
			continue;
		}
		if (!in->size || !strcmp(in->name, "-")) {
			note(c, "%s is not a regular file: its frame index cannot be used: reading "
			     "every frame", in->name);
			continue;
		}
		ret = select_input(c, in);
		if (ret)
			return ret;
	}
	return 0;
}
