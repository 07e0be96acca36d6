// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_index_fds.c - the descriptor part of a frame's index payload (FORMAT.md 7.2): which
 * (pid, fd) a frame's records may change, and whether the frame alone decides what each of
 * them names at its end, so that a reader of one trace can leave out the frames that cannot
 * change the descriptors the trace's syscalls use.
 *
 * Each descriptor the frame's records touch is followed from an unknown start through the
 * frame's records, in the reader's model of a descriptor slot (FORMAT.md 7.2): the description
 * it names (d), the one a new description replaced while open (prev: a late record of a
 * syscall that entered before the replacement still finds it), and since, when d was
 * installed. Each of d and prev is unknown, none, or known: made in the frame from the record
 * alone (open with an absolute or AT_FDCWD path, socket, FD record, eventfd, ...). A
 * description made from another descriptor's (dup, accept, openat relative to a directory
 * descriptor) marks both ALIAS; a process-wide change (exec, close_range, exit, a new process,
 * fork) is an entry of fd SCF_FIDX_FD_PROCESS. Anything this cannot follow leaves the slot
 * unknown: a reader then reads further back, never less.
 *
 * Syscalls are known by the one table (syscall_list.h): the %fd group's flags and argument
 * kinds say which make, duplicate or close descriptors; connect and bind change the
 * description they name; execve and clone are process-wide.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "spancap_file.h"
#include "format_internal.h"

#define FDS_MAX 4096u	  /* descriptors listed per frame; more: SCF_FIDX_FDS_ALL */
#define FDS_FLAG_ALL 0x1u /* the part's flags: too many to list */
#define X_AT_FDCWD (-100)
#define X_CLONE_THREAD 0x00010000ull
#define X_EINPROGRESS 115
#define X_F_DUPFD 0
#define X_F_SETFD 2
#define X_F_DUPFD_CLOEXEC 1030

enum { FS_UNKNOWN, FS_NONE, FS_KNOWN };

static uint32_t slot_hash(uint32_t pid, uint32_t fd)
{
	uint64_t x = ((uint64_t)pid << 32 | fd) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32);
}

void scf_fidx_fds_reset(struct scf_fidx_fds *f)
{
	if (f->n && f->slot)
		memset(f->slot, 0, f->slot_cap * sizeof(*f->slot));
	f->n = 0;
	f->all = false;
}

void scf_fidx_fds_free(struct scf_fidx_fds *f)
{
	free(f->k);
	free(f->slot);
	memset(f, 0, sizeof(*f));
}

/* The entry of (pid, fd), made unknown when new; NULL when the list is full (then every
 * descriptor may change: all) or out of memory (-ENOMEM in *err). */
static struct scf_fidx_fdk *key_get(struct scf_fidx_fds *f, uint32_t pid, uint32_t fd, int *err)
{
	uint32_t i;

	if (f->all)
		return NULL;
	if (f->slot_cap) {
		for (i = slot_hash(pid, fd) & (f->slot_cap - 1); f->slot[i];
		     i = (i + 1) & (f->slot_cap - 1)) {
			struct scf_fidx_fdk *k = &f->k[f->slot[i] - 1];

			if (k->pid == pid && k->fd == fd)
				return k;
		}
	}
	if (f->n >= FDS_MAX) {
		f->all = true;
		return NULL;
	}
	if (f->n == f->cap) {
		uint32_t ncap = f->cap ? f->cap * 2 : 32;
		struct scf_fidx_fdk *nk = realloc(f->k, ncap * sizeof(*nk));

		if (!nk) {
			*err = -ENOMEM;
			return NULL;
		}
		f->k = nk;
		f->cap = ncap;
	}
	if ((f->n + 1) * 2 > f->slot_cap) {
		uint32_t ncap = f->slot_cap ? f->slot_cap * 2 : 64;
		uint32_t *ns = calloc(ncap, sizeof(*ns));

		if (!ns) {
			*err = -ENOMEM;
			return NULL;
		}
		for (uint32_t j = 0; j < f->n; j++) {
			for (i = slot_hash(f->k[j].pid, f->k[j].fd) & (ncap - 1); ns[i];
			     i = (i + 1) & (ncap - 1))
				;
			ns[i] = j + 1;
		}
		free(f->slot);
		f->slot = ns;
		f->slot_cap = ncap;
	}
	for (i = slot_hash(pid, fd) & (f->slot_cap - 1); f->slot[i];
	     i = (i + 1) & (f->slot_cap - 1))
		;
	f->slot[i] = f->n + 1;
	f->k[f->n] =
	    (struct scf_fidx_fdk){.pid = pid, .fd = fd, .d = FS_UNKNOWN, .prev = FS_UNKNOWN};
	return &f->k[f->n++];
}

/* A descriptor number a syscall names: slots exist for 0 .. INT32_MAX only. */
static bool valid_fd(int64_t fd)
{
	return fd >= 0 && fd <= INT32_MAX;
}

/* A process-wide change of pid: its slots in this frame become unknown. */
static int process_wide(struct scf_fidx_fds *f, uint32_t pid, uint32_t bits)
{
	int err = 0;
	struct scf_fidx_fdk *k = key_get(f, pid, SCF_FIDX_FD_PROCESS, &err);

	if (!k)
		return err;
	k->bits |= SCF_FIDX_FD_CHANGED | bits;
	for (uint32_t i = 0; i < f->n; i++)
		if (f->k[i].pid == pid && f->k[i].fd != SCF_FIDX_FD_PROCESS) {
			f->k[i].d = f->k[i].prev = FS_UNKNOWN;
			f->k[i].since_known = false;
		}
	return 0;
}

/* The entry of (pid, fd), made when missing; NULL with *err 0 for an fd no table holds (a
 * negative result, AT_FDCWD), or with *err -ENOMEM. */
static struct scf_fidx_fdk *fd_key(struct scf_fidx_fds *f, uint32_t pid, int64_t fd, int *err)
{
	*err = 0;
	if (!valid_fd(fd))
		return NULL;
	return key_get(f, pid, (uint32_t)fd, err);
}

/* A new description at fd, at time since: known (made from the record alone) or not. */
static int install(struct scf_fidx_fds *f, uint32_t pid, int64_t fd, bool known, bool alias,
		   uint64_t since)
{
	struct scf_fidx_fdk *k;
	int err;

	k = fd_key(f, pid, fd, &err);
	if (!k)
		return err;
	k->bits |= SCF_FIDX_FD_CHANGED | (alias ? SCF_FIDX_FD_ALIAS : 0);
	/* the description it replaces while open becomes prev; over none, prev stays */
	if (k->d == FS_KNOWN && known)
		k->prev = FS_KNOWN;
	else if (k->d != FS_NONE)
		k->prev = FS_UNKNOWN; /* or the same description again (a dup) */
	k->d = known ? FS_KNOWN : FS_UNKNOWN;
	k->since = since;
	k->since_known = true;
	return 0;
}

/*
 * Sets bit on fd's entry: SCF_FIDX_FD_ALIAS for a description some other descriptor's is made
 * from (dup source, listener, directory); SCF_FIDX_FD_CHANGED for connect, bind, fcntl(F_SETFD),
 * where the description behind fd (d, or prev for a late record) changes from the record
 * alone: what is known stays known.
 */
static int mark(struct scf_fidx_fds *f, uint32_t pid, int64_t fd, uint8_t bit)
{
	struct scf_fidx_fdk *k;
	int err;

	k = fd_key(f, pid, fd, &err);
	if (!k)
		return err;
	k->bits |= bit;
	return 0;
}

/* close of a syscall that entered at entry: a close that entered before the current
 * description was installed lets prev go; another closes d. */
static int close_fd(struct scf_fidx_fds *f, uint32_t pid, int64_t fd, uint64_t entry)
{
	struct scf_fidx_fdk *k;
	int any; /* d or prev there: 1, 0, or -1 unknown */
	int err;

	k = fd_key(f, pid, fd, &err);
	if (!k)
		return err;
	k->bits |= SCF_FIDX_FD_CHANGED;
	if (k->d == FS_KNOWN || k->prev == FS_KNOWN)
		any = 1;
	else if (k->d == FS_NONE && k->prev == FS_NONE)
		any = 0;
	else
		any = -1;
	if (any == 0)
		return 0;
	if (any == 1 && k->since_known) {
		if (entry < k->since)
			k->prev = FS_NONE;
		else
			k->d = FS_NONE;
		return 0;
	}
	if (k->d != FS_NONE)
		k->d = FS_UNKNOWN;
	if (k->prev != FS_NONE)
		k->prev = FS_UNKNOWN;
	return 0;
}

/* The first item tagged tag of a record's items, or NULL. */
static const uint8_t *item(const uint8_t *p, size_t n, uint16_t tag, uint16_t *len)
{
	for (size_t off = 0; off + 4 <= n; off += 4 + (size_t)scf_get16(p + off + 2)) {
		uint16_t l = scf_get16(p + off + 2);

		if (off + 4 + l > n)
			return NULL;
		if (scf_get16(p + off) == tag) {
			*len = l;
			return p + off + 4;
		}
	}
	return NULL;
}

/* Whether an openat-like call's description comes from the record alone: its path is
 * absolute, relative to the working directory (not followed), or not recorded. */
static bool open_known(const struct scf_syscall *s, const uint8_t *items, size_t items_len)
{
	uint16_t len = 0;
	const uint8_t *path = item(items, items_len, SCF_ITEM_PATH, &len);

	return (int32_t)s->args[0] == X_AT_FDCWD || !path || (len && path[0] == '/');
}

/* Whether syscall nr of abi may change a descriptor (most do not: a quick answer first). */
static bool may_change_fds(uint8_t abi, uint16_t nr)
{
	const struct scf_syscall_info *si;

	if (abi != SCF_ABI_X86_64)
		return false;
	switch (nr) {
	case SCF_NR_connect:
	case SCF_NR_bind:
	case SCF_NR_execve:
	case SCF_NR_execveat:
	case SCF_NR_clone:
	case SCF_NR_fork:
	case SCF_NR_vfork:
	case SCF_NR_bpf:
		return true;
	}
	si = scf_syscall_info(nr);
	return si && (si->flags & SCF_SC_GROUP_FD);
}

int scf_fidx_fds_syscall(struct scf_fidx_fds *f, uint64_t ts_ns, uint16_t flags,
			 const struct scf_syscall *s, const uint8_t *items, size_t items_len)
{
	const struct scf_syscall_info *si;
	bool ok = !(flags & SCF_SYSCALL_F_NO_EXIT) && s->ret >= 0;
	uint64_t now = ts_ns + s->duration_ns;
	const uint64_t *a = s->args;
	int ret;

	if (f->all || !may_change_fds(s->abi, s->nr))
		return 0;
	si = scf_syscall_info(s->nr);
	switch (s->nr) {
	case SCF_NR_close:
		return close_fd(f, s->pid, (int32_t)a[0], ts_ns); /* even when it failed */
	case SCF_NR_connect:
		if ((flags & SCF_SYSCALL_F_NO_EXIT) || (s->ret < 0 && s->ret != -X_EINPROGRESS))
			return 0;
		return mark(f, s->pid, (int32_t)a[0], SCF_FIDX_FD_CHANGED);
	case SCF_NR_bind:
		return ok ? mark(f, s->pid, (int32_t)a[0], SCF_FIDX_FD_CHANGED) : 0;
	case SCF_NR_execve:
	case SCF_NR_execveat:
	case SCF_NR_close_range:
		return ok ? process_wide(f, s->pid, 0) : 0;
	case SCF_NR_clone:
		if (s->ret > 0 && !(a[0] & X_CLONE_THREAD))
			return process_wide(f, s->pid, SCF_FIDX_FD_ALIAS);
		return 0;
	case SCF_NR_fork:
	case SCF_NR_vfork:
		return s->ret > 0 ? process_wide(f, s->pid, SCF_FIDX_FD_ALIAS) : 0;
	case SCF_NR_bpf: /* most commands that succeed with a positive result return an fd */
		return ok && s->ret > 0 ? install(f, s->pid, s->ret, true, false, now) : 0;
	}
	if (!ok || !(si->flags & SCF_SC_GROUP_FD))
		return 0;
	/* the %fd group: a pair of new descriptors, a new one from another, or a new one */
	if (si->args && strchr(si->args, 'f')) {
		uint16_t len = 0;
		const uint8_t *p = item(items, items_len, SCF_ITEM_FD_PAIR, &len);

		if (!p || len < 8)
			return 0;
		ret = install(f, s->pid, (int32_t)scf_get32(p), true, false, now);
		return ret ? ret : install(f, s->pid, (int32_t)scf_get32(p + 4), true, false, now);
	}
	switch (s->nr) {
	case SCF_NR_fcntl:
		if ((int32_t)a[1] == X_F_SETFD)
			return mark(f, s->pid, (int32_t)a[0], SCF_FIDX_FD_CHANGED);
		if ((int32_t)a[1] != X_F_DUPFD && (int32_t)a[1] != X_F_DUPFD_CLOEXEC)
			return 0;
		break;
	case SCF_NR_signalfd:
	case SCF_NR_signalfd4:
		if ((int32_t)a[0] != -1)
			return 0; /* changes the mask of signalfd a[0] */
		break;
	}
	if (si->flags & SCF_SC_FD0) { /* dup, dup2, dup3, fcntl, accept, pidfd_getfd */
		int64_t to = s->ret;

		if (s->nr == SCF_NR_dup2 || s->nr == SCF_NR_dup3)
			to = (int32_t)a[1];
		if ((s->nr == SCF_NR_dup2 || s->nr == SCF_NR_dup3) && to == (int32_t)a[0])
			return 0;
		ret = mark(f, s->pid, (int32_t)a[0], SCF_FIDX_FD_ALIAS);
		return ret ? ret : install(f, s->pid, to, false, true, now);
	}
	if (si->args && si->args[0] == 'D' && !open_known(s, items, items_len)) {
		ret = mark(f, s->pid, (int32_t)a[0], SCF_FIDX_FD_ALIAS); /* relative to directory a[0] */
		return ret ? ret : install(f, s->pid, s->ret, false, true, now);
	}
	return install(f, s->pid, s->ret, true, false, now);
}

int scf_fidx_fds_record(struct scf_fidx_fds *f, uint64_t ts_ns, const uint8_t *rec, size_t len)
{
	uint16_t type, body_len;
	const uint8_t *b = rec + 8;
	struct scf_syscall s;
	int ret;

	if (len < 8 || f->all)
		return 0;
	type = scf_get16(rec);
	body_len = scf_get16(rec + 4);
	if (8 + (size_t)body_len > len)
		return 0; /* the reader skips such a record too */
	switch (type) {
	case SCF_REC_SYSCALL:
		if (body_len < SCF_SYSCALL_MIN ||
		    !may_change_fds(b[offsetof(struct scf_syscall, abi)],
				    scf_get16(b + offsetof(struct scf_syscall, nr))))
			return 0;
		memcpy(&s, b, sizeof(s));
		return scf_fidx_fds_syscall(f, ts_ns, scf_get16(rec + 6), &s, b + body_len,
					    len - 8 - body_len);
	case SCF_REC_FD:
		if (body_len < SCF_FD_MIN)
			return 0;
		return install(f, scf_get32(b), (int32_t)scf_get32(b + 4), true, false, ts_ns);
	case SCF_REC_PROCESS:
		if (body_len < 4)
			return 0;
		return process_wide(f, scf_get32(b), 0); /* may start another process's table */
	case SCF_REC_PROC_EVENT:
		if (body_len < SCF_PROC_EVENT_MIN)
			return 0;
		switch (b[12]) {
		case SCF_PROC_FORK: /* the child starts with its parent's descriptions */
			ret = process_wide(f, scf_get32(b + 8), SCF_FIDX_FD_ALIAS);
			return ret ? ret : process_wide(f, scf_get32(b), SCF_FIDX_FD_ALIAS);
		case SCF_PROC_EXIT: {
			int32_t st = (int32_t)scf_get32(b + 16);
			bool killed = (st & 0x7f) && (st & 0x7f) != 0x7f;

			return process_wide(f, scf_get32(b), killed ? SCF_FIDX_FD_KILL : 0);
		}
		default:
			return process_wide(f, scf_get32(b), 0);
		}
	}
	return 0;
}

size_t scf_fidx_fds_size(const struct scf_fidx_fds *f)
{
	return SCF_FIDX_FDS_HEAD + SCF_FIDX_FD_ENTRY * (size_t)(f->all ? 0 : f->n);
}

static int cmp_entry(const void *x, const void *y)
{
	uint32_t ap = scf_get32(x), bp = scf_get32(y), af = scf_get32((const uint8_t *)x + 4),
		 bf = scf_get32((const uint8_t *)y + 4);

	if (ap != bp)
		return ap < bp ? -1 : 1;
	return af < bf ? -1 : af > bf;
}

/* Whether the frame alone decides what (pid, fd) names at its end. */
static bool settled(const struct scf_fidx_fdk *k)
{
	if (k->fd == SCF_FIDX_FD_PROCESS || (k->bits & SCF_FIDX_FD_ALIAS))
		return false;
	if (k->d == FS_UNKNOWN || k->prev == FS_UNKNOWN)
		return false;
	/* since decides which of d and prev a late record finds, and what a close does */
	return k->since_known || (k->d == FS_NONE && k->prev == FS_NONE);
}

void scf_fidx_fds_encode(const struct scf_fidx_fds *f, uint8_t *out)
{
	uint32_t n = f->all ? 0 : f->n;

	scf_put32(out, n);
	scf_put32(out + 4, f->all ? FDS_FLAG_ALL : 0);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = out + SCF_FIDX_FDS_HEAD + SCF_FIDX_FD_ENTRY * (size_t)i;
		uint32_t bits = f->k[i].bits;

		if (settled(&f->k[i]))
			bits |= SCF_FIDX_FD_SETTLED;
		scf_put32(p, f->k[i].pid);
		scf_put32(p + 4, f->k[i].fd);
		scf_put32(p + 8, bits);
	}
	/* ascending (pid, fd), for the readers' binary search */
	if (n > 1)
		qsort(out + SCF_FIDX_FDS_HEAD, n, SCF_FIDX_FD_ENTRY, cmp_entry);
}
