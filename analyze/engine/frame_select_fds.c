// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_select_fds.c - which frames of a trace's own processes `trace ID` can leave out when
 * the frame index lists the descriptors each frame changes (FORMAT.md 7.2, 7.3 rule 7).
 *
 * frame_select.c reads every frame that names a process of the trace, since what its syscalls
 * show of a descriptor (path, peer, pipe) may come from any earlier frame of that process. With
 * the descriptor part, a frame of such a process P is needed only when:
 *   - it may hold the trace in P (its filter), or it is the first frame that names P;
 *   - it changes all of P's descriptors at once (exec: its argv is shown; close_range; a
 *     PROCESS record);
 *   - or, at or before hi (the last frame that may hold the trace in P), it changes a
 *     descriptor (P, fd) at or after S(fd): the last frame before lo (the first that may hold
 *     the trace in P) whose records settle (P, fd), that is decide alone what it names at the
 *     frame's end (a descriptor no frame settles is read from the start). A frame that copies
 *     a description between descriptors (dup, accept, openat relative to a directory: every
 *     descriptor it names is marked ALIAS, the index does not say which went where) and is
 *     read for one of them moves S of the others before it, until no S moves.
 * Every descriptor of P up to hi is followed (the index says which descriptors the frames
 * change, not which the trace uses): one the trace never uses costs its frames, never a record.
 * The frame is then left out when every process of the selection it names is so reduced and
 * it holds nothing but SYSCALL, THREAD_CTX and FD records (no FD_PAIR, LOSS_ANY, PIDS_ALL,
 * TRACES_ALL): the records of other types stay frame_select.c's to place.
 * A process that forks (ALIAS for all its descriptors: the child starts with its descriptions,
 * and the fork adds the child to the span its thread was last in) or dies of a signal (KILL:
 * the death ends the spans its threads were last in) has its descriptors followed to every
 * such frame as to the trace's (from before the first, up to the last), and every frame of it
 * from lo to the last such frame read (what its threads did last). The child's frames are
 * read by frame_select.c (descendants). A process is not reduced when a frame naming it has
 * no descriptor part (an older writer) or too many descriptors to list: all its frames are
 * then read, as before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* The types a reduced frame may hold: records whose effect on P is that on its descriptors
 * (and on its threads' current spans, which the trace's own records set again). */
#define FD_REDUCIBLE_TYPES                                                                         \
	(1u << SCF_REC_SYSCALL | 1u << SCF_REC_SYSCALL_PACKED | 1u << SCF_REC_THREAD_CTX |         \
	 1u << SCF_REC_FD)

/* The first of e's descriptor entries of pid, and the end of them. */
static uint32_t fds_of(const struct scf_fidx_entry *e, uint32_t pid, uint32_t *end)
{
	uint32_t lo = 0, hi = e->nfds, first;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e->fds[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < e->nfds && e->fds[lo].pid == pid)
		lo++;
	*end = lo;
	return first;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The index of fd in the sorted keys. */
static size_t key_index(const uint32_t *keys, size_t n, uint32_t fd)
{
	const uint32_t *k = bsearch(&fd, keys, n, sizeof(*keys), cmp_u32);

	return k ? (size_t)(k - keys) : SIZE_MAX;
}

/* Whether pid can be reduced (see the top) in the index x. */
static bool reducible(const struct scf_fidx *x, uint32_t pid)
{
	if (x->n != x->frames)
		return false;
	for (size_t i = 0; i < x->n; i++) {
		const struct scf_fidx_entry *e = &x->e[i];

		if (!scf_fidx_entry_has_pid(e, pid))
			continue;
		if (e->fds_state != SCF_FIDX_FDS_LISTED || (e->flags & SCF_FIDX_F_PIDS_ALL))
			return false;
	}
	return true;
}

/* The descriptors of one process that the frames up to hi change, each with the frames that
 * settle it (ascending) and S, the one its reading starts from (+ 1; 0: from the start). */
struct fdkeys {
	uint32_t *fd;
	size_t n;
	size_t *settles; /* frames, grouped by key: key k's are settles[first[k] .. first[k + 1]) */
	size_t *first;
	size_t *start;
};

static void fdkeys_free(struct fdkeys *k)
{
	free(k->fd);
	free(k->settles);
	free(k->first);
	free(k->start);
}

static int push(size_t **v, size_t *n, size_t *cap, size_t x)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		size_t *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Collects pid's descriptors in the frames up to hi and the frames that settle each. */
static int fdkeys_collect(const struct scf_fidx *x, uint32_t pid, size_t hi, struct fdkeys *k)
{
	size_t n = 0, cap = 0, ns = 0, scap = 0, *pairs = NULL;
	uint32_t *fds = NULL;

	for (size_t i = 0; i <= hi; i++) {
		uint32_t end, j = fds_of(&x->e[i], pid, &end);

		for (; j < end; j++) {
			if (x->e[i].fds[j].fd == SCF_FIDX_FD_PROCESS)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				uint32_t *nf = realloc(fds, ncap * sizeof(*nf));

				if (!nf)
					goto nomem;
				fds = nf;
				cap = ncap;
			}
			fds[n++] = x->e[i].fds[j].fd;
		}
	}
	if (n)
		qsort(fds, n, sizeof(*fds), cmp_u32);
	k->n = 0;
	for (size_t i = 0; i < n; i++)
		if (!k->n || fds[k->n - 1] != fds[i])
			fds[k->n++] = fds[i];
	k->fd = fds;
	fds = NULL;
	k->first = calloc(k->n + 1, sizeof(*k->first));
	k->start = calloc(k->n + 1, sizeof(*k->start));
	if (!k->first || !k->start)
		goto nomem;
	/* (key, frame) of every settling entry, in frame order, then grouped by key */
	for (size_t i = 0; i <= hi; i++) {
		uint32_t end, j = fds_of(&x->e[i], pid, &end);

		for (; j < end; j++)
			if ((x->e[i].fds[j].bits & SCF_FIDX_FD_SETTLED) &&
			    x->e[i].fds[j].fd != SCF_FIDX_FD_PROCESS) {
				size_t key = key_index(k->fd, k->n, x->e[i].fds[j].fd);

				if (push(&pairs, &ns, &scap, key) || push(&pairs, &ns, &scap, i))
					goto nomem;
				k->first[key + 1]++;
			}
	}
	for (size_t key = 0; key < k->n; key++)
		k->first[key + 1] += k->first[key];
	k->settles = malloc((ns / 2 + 1) * sizeof(*k->settles));
	if (!k->settles)
		goto nomem;
	{
		size_t *at = calloc(k->n + 1, sizeof(*at));

		if (!at)
			goto nomem;
		for (size_t p = 0; p < ns; p += 2)
			k->settles[k->first[pairs[p]] + at[pairs[p]]++] = pairs[p + 1];
		free(at);
	}
	free(pairs);
	return 0;
nomem:
	free(fds);
	free(pairs);
	return -ENOMEM;
}

/* The last frame before `before` that settles key (+ 1), 0 when none. */
static size_t settle_before(const struct fdkeys *k, size_t key, size_t before)
{
	size_t lo = k->first[key], hi = k->first[key + 1];

	while (lo < hi) { /* the first settle at or after before */
		size_t mid = lo + (hi - lo) / 2;

		if (k->settles[mid] < before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > k->first[key] ? k->settles[lo - 1] + 1 : 0;
}

/*
 * A copy of a description between descriptors in frame g (every descriptor of the frame marked
 * ALIAS, as the index does not say which went where): when one of them is read at g (its S
 * before g), each is read from before g. Returns whether a start moved.
 */
static bool follow_aliases(const struct scf_fidx *x, uint32_t pid, size_t g, struct fdkeys *k)
{
	uint32_t end, first = fds_of(&x->e[g], pid, &end);
	bool read_at_g = false, moved = false;

	for (uint32_t j = first; j < end && !read_at_g; j++) {
		size_t key = key_index(k->fd, k->n, x->e[g].fds[j].fd);

		read_at_g = (x->e[g].fds[j].bits & SCF_FIDX_FD_ALIAS) && key != SIZE_MAX &&
			    k->start[key] <= g; /* start is S + 1: S < g */
	}
	if (!read_at_g)
		return false;
	for (uint32_t j = first; j < end; j++) {
		size_t key = key_index(k->fd, k->n, x->e[g].fds[j].fd);

		if (!(x->e[g].fds[j].bits & SCF_FIDX_FD_ALIAS) || key == SIZE_MAX ||
		    k->start[key] <= g)
			continue;
		k->start[key] = settle_before(k, key, g);
		moved = true;
	}
	return moved;
}

/*
 * Marks need[i] for the frames of x that the descriptors of pid need for the trace id8 (see
 * the top). Returns 0 or -ENOMEM.
 */
static int pid_needs(const struct scf_fidx *x, const uint8_t id8[8], uint32_t pid, bool *need)
{
	size_t lo = SIZE_MAX, hi = 0, fork_first = SIZE_MAX, fork_last = 0, from, to;
	struct fdkeys k = {0};
	bool first = true, moved;

	for (size_t i = 0; i < x->n; i++) {
		const struct scf_fidx_entry *e = &x->e[i];
		uint32_t end, j = fds_of(e, pid, &end);

		if (!scf_fidx_entry_has_pid(e, pid))
			continue;
		if (first) /* the process starts being known here */
			need[i] = true;
		first = false;
		/* a change of the whole process (exec: the argv shown) is read wherever it is */
		if (end > j && e->fds[end - 1].fd == SCF_FIDX_FD_PROCESS) {
			need[i] = true;
			if (e->fds[end - 1].bits & (SCF_FIDX_FD_ALIAS | SCF_FIDX_FD_KILL)) {
				if (fork_first == SIZE_MAX)
					fork_first = i;
				fork_last = i;
			}
		}
		if (scf_fidx_entry_may_hold_trace(e, id8, pid)) {
			need[i] = true;
			if (lo == SIZE_MAX)
				lo = i;
			hi = i;
		}
	}
	if (lo == SIZE_MAX)
		return 0;
	/*
	 * A fork copies the descriptors as they are then (to a child whose frames are all read)
	 * and adds the child to the span its thread was last in; a death by a signal ends the
	 * spans its threads were last in: the descriptors are followed to each of them, and from
	 * lo on, every frame of the process up to the last is read (its threads' last records).
	 */
	from = fork_first < lo ? fork_first : lo;
	to = fork_first != SIZE_MAX && fork_last > hi ? fork_last : hi;
	for (size_t i = lo; fork_first != SIZE_MAX && i <= fork_last; i++)
		if (scf_fidx_entry_has_pid(&x->e[i], pid))
			need[i] = true;
	if (fdkeys_collect(x, pid, to, &k)) {
		fdkeys_free(&k);
		return -ENOMEM;
	}
	for (size_t key = 0; key < k.n; key++)
		k.start[key] = settle_before(&k, key, from);
	do {
		moved = false;
		for (size_t g = to + 1; g-- > 0;)
			moved |= follow_aliases(x, pid, g, &k);
	} while (moved);
	/* each descriptor's frames from its S to the last frame it is followed to */
	for (size_t i = 0; i <= to; i++) {
		uint32_t end, j = fds_of(&x->e[i], pid, &end);

		for (; j < end && !need[i]; j++) {
			size_t key = key_index(k.fd, k.n, x->e[i].fds[j].fd);

			if (key != SIZE_MAX && i + 1 >= k.start[key])
				need[i] = true;
		}
	}
	fdkeys_free(&k);
	return 0;
}

int ana_fds_skips(const struct scf_fidx *x, const uint8_t id8[8], ana_frame_pid_fn selected,
		  const void *arg, bool *skip)
{
	uint32_t *pids = NULL;
	size_t npids = 0, cap = 0;
	bool *need = NULL, *red = NULL;
	int ret = 0;

	/* the trace's processes, those it may be in */
	for (size_t i = 0; i < x->n; i++) {
		const struct scf_fidx_entry *e = &x->e[i];

		if (!scf_fidx_entry_may_hold_trace(e, id8, SCF_FIDX_ANY_PID))
			continue;
		if (e->flags & SCF_FIDX_F_PIDS_ALL)
			return 0;
		for (uint32_t k = 0; k < e->npids; k++) {
			bool seen = false;

			if (!scf_fidx_entry_may_hold_trace(e, id8, e->pids[k]))
				continue;
			for (size_t j = 0; j < npids && !seen; j++)
				seen = pids[j] == e->pids[k];
			if (seen)
				continue;
			if (npids == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				uint32_t *np = realloc(pids, ncap * sizeof(*np));

				if (!np) {
					ret = -ENOMEM;
					goto out;
				}
				pids = np;
				cap = ncap;
			}
			pids[npids++] = e->pids[k];
		}
	}
	need = calloc(x->n ? x->n : 1, sizeof(*need));
	red = calloc(npids ? npids : 1, sizeof(*red));
	if (!need || !red) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < npids; j++) {
		red[j] = reducible(x, pids[j]);
		if (red[j] && (ret = pid_needs(x, id8, pids[j], need)))
			goto out;
	}
	for (size_t i = 0; i < x->n; i++) {
		const struct scf_fidx_entry *e = &x->e[i];
		bool ok = !skip[i] && !need[i] && e->fds_state == SCF_FIDX_FDS_LISTED &&
			  !(e->types & ~FD_REDUCIBLE_TYPES) &&
			  !(e->flags & (SCF_FIDX_F_PIDS_ALL | SCF_FIDX_F_TRACES_ALL |
					SCF_FIDX_F_FD_PAIR | SCF_FIDX_F_LOSS_ANY));

		/* every process of the selection it names is reduced */
		for (uint32_t k = 0; k < e->npids && ok; k++) {
			size_t j = 0;

			if (!selected(arg, e->pids[k], i))
				continue;
			while (j < npids && pids[j] != e->pids[k])
				j++;
			ok = j < npids && red[j];
		}
		if (ok)
			skip[i] = true;
	}
out:
	free(pids);
	free(need);
	free(red);
	return ret;
}
