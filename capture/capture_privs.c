// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_privs.c - privileges after the probes are attached, and the identity of the command
 * spancap starts.
 *
 * Once the BPF object is loaded, attached and its maps created, every kernel operation left
 * goes through file descriptors spancap already holds (map updates and lookups, the ring
 * buffer), and those need no capability (Linux >= 6.5 checks only at map and program
 * creation). What remains is reading other processes: process_vm_readv and /proc/PID/{maps,
 * mem,exe,root,fd,task} pass a ptrace access check (CAP_SYS_PTRACE); /proc/PID/fd and
 * /proc/PID/fdinfo of another user, and ELF files it can read but root's uid cannot, need
 * CAP_DAC_READ_SEARCH; a deleted or memfd module is only reachable through
 * /proc/PID/map_files, which needs CAP_CHECKPOINT_RESTORE. Stopping a command that runs as
 * another user needs CAP_KILL. Everything else goes from the effective, permitted, inheritable,
 * ambient and (with CAP_SETPCAP) bounding sets, and no-new-privs is set. The capability sets are
 * read and written through libcap.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "capture.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

static uint64_t bit(int cap)
{
	return 1ull << cap;
}

uint64_t privs__kept(bool kill_child)
{
	return bit(CAP_SYS_PTRACE) | bit(CAP_DAC_READ_SEARCH) | bit(CAP_CHECKPOINT_RESTORE) |
	       (kill_child ? bit(CAP_KILL) : 0);
}

/* The effective and permitted sets of this process, as masks of capability numbers. */
static int caps_get(uint64_t *eff, uint64_t *prm)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v;

	if (!caps)
		return -errno;
	*eff = *prm = 0;
	for (cap_value_t cap = 0; cap < 64 && cap_valid(cap); cap++) {
		if (!cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) && v == CAP_SET)
			*eff |= bit(cap);
		if (!cap_get_flag(caps, cap, CAP_PERMITTED, &v) && v == CAP_SET)
			*prm |= bit(cap);
	}
	cap_free(caps);
	return 0;
}

/* Sets the effective and permitted sets to these masks, and the inheritable set to nothing. */
static int caps_set(uint64_t eff, uint64_t prm)
{
	cap_t caps = cap_init(); /* every set empty */
	int rc = 0;

	if (!caps)
		return -errno;
	for (cap_value_t cap = 0; cap < 64 && cap_valid(cap) && !rc; cap++) {
		if ((eff & bit(cap)) && cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET))
			rc = -errno;
		if ((prm & bit(cap)) && cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET))
			rc = -errno;
	}
	if (!rc && cap_set_proc(caps))
		rc = -errno;
	cap_free(caps);
	return rc;
}

/* The highest capability number the kernel knows. */
static int last_cap(void)
{
	int n = (int)cap_max_bits() - 1;

	return n >= 0 && n < 64 ? n : 63;
}

int privs__check_start(char *err, size_t errlen)
{
	uint64_t eff, prm;
	bool load, ptrace;
	int rc = caps_get(&eff, &prm);

	if (rc) {
		snprintf(err, errlen, "capget: %s", strerror(-rc));
		return rc;
	}
	load = (eff & bit(CAP_SYS_ADMIN)) ||
	       ((eff & bit(CAP_BPF)) && (eff & bit(CAP_PERFMON)));
	ptrace = eff & bit(CAP_SYS_PTRACE);
	if (load && ptrace)
		return 0;
	snprintf(err, errlen,
		 "missing capabilities:%s%s; run as root or grant them "
		 "(setcap cap_bpf,cap_perfmon,cap_sys_ptrace+ep spancap)",
		 load ? "" : " CAP_BPF+CAP_PERFMON (or CAP_SYS_ADMIN) to load the probes",
		 ptrace ? "" : load ? " CAP_SYS_PTRACE to read target memory"
				    : ", CAP_SYS_PTRACE to read target memory");
	return -EPERM;
}

int privs__drop(uint64_t keep, char *err, size_t errlen)
{
	uint64_t eff, prm;
	int rc, top = last_cap();

	rc = caps_get(&eff, &prm);
	if (rc) {
		snprintf(err, errlen, "capget: %s", strerror(-rc));
		return rc;
	}
	keep &= prm; /* what spancap never had cannot be kept */
	/* Ambient capabilities would survive an execve; none are needed. EINVAL: no ambient set. */
	if (cap_reset_ambient() && errno != EINVAL) {
		rc = -errno;
		snprintf(err, errlen, "clearing ambient capabilities: %s", strerror(-rc));
		return rc;
	}
	/* The bounding set shrinks only with CAP_SETPCAP (as root); then it is dropped first. */
	if (eff & bit(CAP_SETPCAP)) {
		for (int cap = 0; cap <= top; cap++) {
			if ((keep & bit(cap)) || cap_get_bound(cap) != 1)
				continue;
			if (cap_drop_bound(cap)) {
				rc = -errno;
				snprintf(err, errlen,
					 "dropping capability %d from the bounding set: %s", cap,
					 strerror(-rc));
				return rc;
			}
		}
	}
	rc = caps_set(keep, keep);
	if (rc) {
		snprintf(err, errlen, "capset: %s", strerror(-rc));
		return rc;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		rc = -errno;
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(-rc));
		return rc;
	}
	rc = caps_get(&eff, &prm);
	if (rc || eff != keep || prm != keep) {
		snprintf(err, errlen, "capabilities still held after dropping them: %#llx",
			 (unsigned long long)prm);
		return rc ? rc : -EPERM;
	}
	return 0;
}

/* ---- the command's identity ----------------------------------------------------------------- */

int privs__lookup_user(const char *name, struct privs_user *u, char *err, size_t errlen)
{
	struct passwd *pw;
	char *end;
	int n = PRIVS_MAX_GROUPS;

	memset(u, 0, sizeof(*u));
	errno = 0;
	pw = getpwnam(name);
	if (!pw && *name) {
		unsigned long id = strtoul(name, &end, 10);
		if (!*end && id < (uid_t)-1)
			pw = getpwuid(id);
	}
	if (!pw) {
		snprintf(err, errlen, "--user %s: no such user%s%s", name, errno ? ": " : "",
			 errno ? strerror(errno) : "");
		return -ENOENT;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &n) < 0) {
		snprintf(err, errlen, "--user %s: member of more than %d groups", name,
			 PRIVS_MAX_GROUPS);
		return -E2BIG;
	}
	u->n_groups = n;
	u->set = true;
	return 0;
}

/*
 * In the forked child, just before exec. It never keeps capabilities of its own: with a user,
 * setuid away from root clears them; without one it returns to the real uid and gid of the
 * invoker (a setuid or file-capability spancap) and leaves the ambient set empty, so an
 * unprivileged invoker's command gets nothing at exec. A root invoker's command stays root.
 */
int privs__become(const struct privs_user *u)
{
	if (cap_reset_ambient() && errno != EINVAL)
		return -errno;
	if (u->set) {
		if (setgroups(u->n_groups, u->groups) || setgid(u->gid) || setuid(u->uid))
			return -errno;
		if (u->uid != 0 && setuid(0) == 0)
			return -EPERM; /* root could be regained: refuse to run */
		return 0;
	}
	if (setgid(getgid()) || setuid(getuid()))
		return -errno;
	if (getuid() != 0) {
		uint64_t eff, prm;
		int rc = caps_set(0, 0);
		if (rc || (rc = caps_get(&eff, &prm)))
			return rc;
		if (eff || prm)
			return -EPERM;
	}
	return 0;
}
