// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_select.c - which zstd frames of an input a selection (`trace ID`, --trace, --pid,
 * --since, --until) can leave undecompressed, from the file's frame index (FORMAT.md 7.3).
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
 *   - with --until and one input, from the first frame after which every frame starts after
 *     --until (no record of the window comes later: a syscall's record is written at its
 *     exit, so a frame after --until does not end the window), the reports that show nothing
 *     of what syscalls do after the window (index_until: not the process table's threads and
 *     argv, nor the spans a kill ends, the last of a thread's) skip each frame that holds only
 *     syscalls; those that show nothing processes do after it either (no process names,
 *     exits, incomplete spans) skip each frame of per-process records; never a frame with
 *     FD_PAIR or LOSS_ANY;
 *   - with --since, a frame of per-process records but LOSS is skipped when it comes before
 *     every frame that may hold a record at or after --since (so no span exists yet: none is
 *     made before the window) and names only processes that no such frame of any input names,
 *     nor an ancestor of one (their descriptors): nothing they do can show, as they have no
 *     selected syscall and every report under --since shows only processes, threads and spans
 *     that have one. It needs an entry for every frame of every input, none PIDS_ALL or
 *     PARENTS_ALL.
 *   - `trace ID` (index_fds) of one input, when the index lists the descriptors each frame
 *     changes (format 1.4): of the frames that name only the trace's own processes,
 *     frame_select_fds.c keeps those that hold the trace or can change what its descriptors
 *     name, and skips the rest.
 * A frame whose first record is earlier than every frame read is read (the first record of a
 * host dates the times printed). Frames without an entry, and every frame when an entry could
 * not list all its processes or parent links, are read.
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

/*
 * The processes whose records --since keeps (see the top), over every input (the same
 * processes may be in several): those named by a frame that may hold a record at or after
 * --since, and their ancestors. Returns 1 with *need, 0 when an input's index cannot say
 * (then the rule is not used), -ENOMEM.
 */
static int since_need(const struct ana_ctx *c, struct scf_fidx *const *xs, struct pidset *need)
{
	const struct ana_filter *f = &c->o.f;
	bool grew = false;

	for (uint32_t n = 0; n < c->ninputs; n++) {
		const struct scf_fidx *x = xs[n];

		if (!x)
			return 0;
		if (x->n != x->frames)
			return 0;
		for (size_t i = 0; i < x->n; i++) {
			const struct scf_fidx_entry *e = &x->e[i];

			if (e->flags & (SCF_FIDX_F_PIDS_ALL | SCF_FIDX_F_PARENTS_ALL))
				return 0;
			if (e->ts_max < f->since_ns)
				continue;
			for (uint32_t k = 0; k < e->npids; k++)
				if (pid_add(need, e->pids[k], ALL_FRAMES, UINT64_MAX, &grew))
					return -ENOMEM;
		}
	}
	/* ancestors, in every frame: a child starts with its parent's descriptors */
	do {
		grew = false;
		for (uint32_t n = 0; n < c->ninputs; n++)
			for (size_t i = 0; i < xs[n]->n; i++) {
				const struct scf_fidx_entry *e = &xs[n]->e[i];

				for (uint32_t k = 0; k < e->nparents; k++)
					if (pid_find(need, e->parents[2 * k]) != SIZE_MAX &&
					    pid_add(need, e->parents[2 * k + 1], ALL_FRAMES, UINT64_MAX,
						    &grew))
						return -ENOMEM;
			}
	} while (grew);
	return 1;
}

/* The frames of input x --since (need: its processes, NULL: no such rule) and --until leave
 * out (see the top): sets skip[k] for each. */
static void window_skips(const struct ana_ctx *c, const struct scf_fidx *x,
			 const struct pidset *need, bool *skip)
{
	const struct ana_filter *f = &c->o.f;
	size_t tail = x->n;

	if (x->n != x->frames)
		return;
	/* the frames after which every frame starts after --until: no record of the window
	 * comes after them (one input: two inputs interleave by time) */
	while (c->o.index_until != ANA_UNTIL_READ_ALL && f->until_ns && c->ninputs == 1 &&
	       tail > 0 && x->e[tail - 1].ts_min > f->until_ns)
		tail--;
	for (size_t i = tail; i < x->n; i++) {
		const struct scf_fidx_entry *e = &x->e[i];
		uint32_t kept = c->o.index_until == ANA_UNTIL_SKIP_PROCESSES ? PROCESS_SCOPED
									     : SYSCALLS_ONLY;

		skip[i] = !(e->types & ~kept) &&
			  !(e->flags & (SCF_FIDX_F_FD_PAIR | SCF_FIDX_F_LOSS_ANY));
	}
	if (!f->since_ns || !need)
		return;
	for (size_t i = 0; i < x->n && x->e[i].ts_max < f->since_ns; i++) {
		const struct scf_fidx_entry *e = &x->e[i];
		bool named = false;

		/* losses are counted in the reports' totals */
		if ((e->types & ~(PROCESS_SCOPED & ~(1u << SCF_REC_LOSS))) ||
		    (e->flags & (SCF_FIDX_F_FD_PAIR | SCF_FIDX_F_LOSS_ANY)))
			continue;
		for (uint32_t k = 0; k < e->npids && !named; k++)
			named = pid_find(need, e->pids[k]) != SIZE_MAX;
		skip[i] |= !named;
	}
}

/* Whether frame k (entry e) can be left out for the selection. */
static bool skippable(const struct scf_fidx_entry *e, size_t k, const struct pidset *s,
		      bool by_pids)
{
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

struct sel_arg {
	const struct pidset *s;
	const struct scf_fidx *x;
};

/* Whether the selection reads frame k for pid (skippable()'s test). */
static bool selected_at(const void *arg, uint32_t pid, size_t k)
{
	const struct sel_arg *a = arg;
	size_t i = pid_find(a->s, pid);

	return i != SIZE_MAX && (k <= a->s->until[i] || a->x->e[k].ts_min <= a->s->until_ts[i]);
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

/* Loads input in's index: 1 with *out, 0 when it has none (said), -ENOMEM. */
static int load_index(struct ana_ctx *c, const struct ana_input *in, struct scf_fidx **out)
{
	char err[SCF_ERRMSG_MAX];
	struct scf_fidx *x = NULL;
	int ret = scf_fidx__load(in->name, &x, err, sizeof(err));

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
	*out = x;
	return 1;
}

static int select_input(struct ana_ctx *c, struct ana_input *in, const struct scf_fidx *x,
			const struct pidset *need)
{
	const struct ana_filter *f = &c->o.f;
	struct pidset s = { 0 };
	uint64_t first = UINT64_MAX;
	bool *skip = NULL;
	int ret, by_pids;

	by_pids = selection_pids(f, c->o.pid_named_by_others, x, &s);
	if (by_pids < 0) {
		ret = by_pids;
		goto out;
	}
	skip = calloc(x->n ? x->n : 1, sizeof(*skip));
	if (!skip) {
		ret = -ENOMEM;
		goto out;
	}
	window_skips(c, x, need, skip);
	for (size_t i = 0; i < x->n; i++)
		skip[i] = skip[i] || skippable(&x->e[i], i, &s, by_pids);
	/* one input: a process's descriptors in a later input come from this one's last frames */
	if (by_pids > 0 && c->o.index_fds && f->trace_nibbles >= 16 && !f->has_pid &&
	    c->ninputs == 1) {
		struct sel_arg a = { &s, x };

		ret = ana_fds_skips(x, f->trace_id, selected_at, &a, skip);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < x->n; i++) {
		/* the frames the reader has already passed are not skipped (the header) */
		skip[i] = skip[i] && x->e[i].lead >= scf_reader__input_offset(in->r);
		if (!skip[i] && x->e[i].ts_min < first)
			first = x->e[i].ts_min;
	}
	/* the input's first record stays read: a skipped frame that starts before every frame
	 * read is read, which may move that first record back */
	for (size_t i = 0; i < x->n; i++)
		if (skip[i] && x->e[i].ts_min < first) {
			skip[i] = false;
			first = x->e[i].ts_min;
		}
	for (size_t i = 0; i < x->n; i++) {
		if (!skip[i])
			continue;
		ret = scf_reader__skip_frame(in->r, &x->e[i]);
		if (ret)
			goto out;
		in->frames_to_skip++;
	}
	ret = 0;
out:
	free(skip);
	free(s.v);
	free(s.until);
	free(s.until_ts);
	return ret;
}

int ana_select_frames(struct ana_ctx *c, bool early)
{
	const struct ana_filter *f = &c->o.f;
	struct scf_fidx **xs;
	struct pidset need = { 0 };
	int ret = 0, by_since = 0;

	if (!c->o.use_index)
		return 0;
	/* a shorter trace id prefix cannot query the filter (FORMAT.md 7.3): every frame */
	if (f->trace_nibbles < 16 && !f->has_pid && !f->since_ns &&
	    !(f->until_ns && c->o.index_until != ANA_UNTIL_READ_ALL))
		return 0;
	xs = calloc(c->ninputs ? c->ninputs : 1, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->ninputs && ret >= 0; i++) {
		struct ana_input *in = &c->inputs[i];

		if (in->mem)
			continue;
		if (!early && !in->live) {
			/* no record: nothing to skip, no process to keep */
			xs[i] = calloc(1, sizeof(**xs));
			ret = xs[i] ? 0 : -ENOMEM;
		} else if (!in->compressed) {
			note(c, "%s is not compressed: it has no frame index (FORMAT.md 7): reading "
			     "every record", in->name);
		} else if (!in->size || !strcmp(in->name, "-")) {
			note(c, "%s is not a regular file: its frame index cannot be used: reading "
			     "every frame", in->name);
		} else {
			ret = load_index(c, in, &xs[i]);
		}
	}
	if (ret >= 0 && f->since_ns)
		ret = by_since = since_need(c, xs, &need);
	for (uint32_t i = 0; i < c->ninputs && ret >= 0; i++)
		if (xs[i] && xs[i]->n)
			ret = select_input(c, &c->inputs[i], xs[i], by_since > 0 ? &need : NULL);
	for (uint32_t i = 0; i < c->ninputs; i++)
		scf_fidx__free(xs[i]);
	free(xs);
	free(need.v);
	free(need.until);
	free(need.until_ts);
	return ret < 0 ? ret : 0;
}
