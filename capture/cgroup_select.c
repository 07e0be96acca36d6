// SPDX-License-Identifier: BSD-2-Clause
/*
 * cgroup_select.c - spancap --cgroup PATH and --container ID: the cgroup v2 directory whose
 * processes (and those of its descendant cgroups) are recorded, as the id and level the BPF
 * program compares with bpf_get_current_ancestor_cgroup_id(), and the membership test of
 * /proc/PID/cgroup that the scans at start and at rotation apply.
 *
 * The cgroup v2 hierarchy is found in /proc/self/mountinfo (filesystem type cgroup2), wherever
 * it is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). A cgroup's id is
 * the inode number of its directory there; its level is the number of path components below
 * the root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "capture.h"

#define CGROUP2_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC */
#define CONTAINER_ID_MIN 4	 /* hex digits of a --container prefix */
#define CONTAINER_DEPTH_MAX 12	 /* levels searched for a container's cgroup */

int cgroup_v2_mount(char *mnt, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint options [optional...] - fstype source ... */
		char *sep = strstr(line, " - "), *mp, *save = NULL;
		int i = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		for (mp = strtok_r(line, " ", &save); mp && i < 4; i++)
			mp = strtok_r(NULL, " ", &save);
		if (!mp || strlen(mp) >= len || strchr(mp, '\\'))
			continue; /* an escaped (octal) mount point: not one spancap names */
		snprintf(mnt, len, "%s", mp);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* Fills s from the directory dir (under mnt), checked to be a cgroup v2 directory. */
static int take_dir(struct cgroup_sel *s, const char *mnt, const char *dir, char *err,
		    size_t errlen)
{
	struct statfs fs;
	struct stat st;
	const char *rel;
	char canon[PATH_MAX];

	if (!realpath(dir, canon)) {
		snprintf(err, errlen, "cgroup %s: %s", dir, strerror(errno));
		return -1;
	}
	if (strncmp(canon, mnt, strlen(mnt)) ||
	    (canon[strlen(mnt)] != '/' && canon[strlen(mnt)] != '\0')) {
		snprintf(err, errlen, "cgroup %s: not under the cgroup v2 hierarchy %s", dir, mnt);
		return -1;
	}
	if (statfs(canon, &fs) || fs.f_type != CGROUP2_MAGIC || stat(canon, &st) ||
	    !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cgroup %s: not a cgroup v2 directory", dir);
		return -1;
	}
	rel = canon + strlen(mnt);
	snprintf(s->path, sizeof(s->path), "%s", *rel ? rel : "/");
	s->id = st.st_ino;
	s->level = 0;
	for (const char *p = s->path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			s->level++;
	return 0;
}

/* The container id a cgroup directory is named for: docker-ID.scope, libpod-ID.scope,
 * cri-containerd-ID.scope, crio-ID.scope, or a bare ID (cgroupfs drivers); NULL when none. */
static const char *container_id_of(const char *name, size_t *len)
{
	static const char *const prefixes[] = {"docker-", "libpod-", "cri-containerd-", "crio-",
					       "containerd-", ""};
	size_t n;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], pl))
			continue;
		n = strspn(name + pl, "0123456789abcdef");
		if (n < 12 || (name[pl + n] && strcmp(name + pl + n, ".scope")))
			continue;
		*len = n;
		return name + pl;
	}
	return NULL;
}

struct container_search {
	const char *prefix;
	char best[PATH_MAX]; /* the shallowest directory of the id found */
	int best_depth;
	char id[80];	     /* the id found */
	char other[80];	     /* a second id with the prefix: ambiguous */
};

static void search_dir(struct container_search *cs, char *path, size_t len, int depth)
{
	DIR *d;
	struct dirent *e;
	size_t base = strlen(path);

	if (depth > CONTAINER_DEPTH_MAX || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		const char *id;
		size_t n;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (base + 1 + strlen(e->d_name) >= len)
			continue;
		path[base] = '/';
		strcpy(path + base + 1, e->d_name);
		id = container_id_of(e->d_name, &n);
		if (id && n < sizeof(cs->id) && !strncmp(id, cs->prefix, strlen(cs->prefix))) {
			if (!cs->id[0]) {
				memcpy(cs->id, id, n);
				cs->id[n] = '\0';
			}
			if (strlen(cs->id) == n && !strncmp(cs->id, id, n)) {
				if (!cs->best[0] || depth < cs->best_depth) {
					snprintf(cs->best, sizeof(cs->best), "%s", path);
					cs->best_depth = depth;
				}
			} else if (!cs->other[0]) {
				memcpy(cs->other, id, n);
				cs->other[n] = '\0';
			}
		}
		search_dir(cs, path, len, depth + 1);
		path[base] = '\0';
	}
	closedir(d);
}

int cgroup_select_resolve(const char *path, const char *container, struct cgroup_sel *s,
			  char *err, size_t errlen)
{
	char mnt[PATH_MAX], dir[PATH_MAX];
	struct container_search cs = {.prefix = container};
	int rc = cgroup_v2_mount(mnt, sizeof(mnt));

	memset(s, 0, sizeof(*s));
	if (rc) {
		snprintf(err, errlen, "no cgroup v2 hierarchy is mounted (/proc/self/mountinfo): "
				      "--cgroup and --container need one");
		return -1;
	}
	if (path) {
		/* a path under the mount point as given, else one relative to the hierarchy's root
		 * (as /proc/PID/cgroup and systemd name them) */
		if (!strncmp(path, mnt, strlen(mnt)) &&
		    (path[strlen(mnt)] == '/' || path[strlen(mnt)] == '\0'))
			snprintf(dir, sizeof(dir), "%s", path);
		else if (snprintf(dir, sizeof(dir), "%s/%s", mnt, path) >= (int)sizeof(dir))
			return snprintf(err, errlen, "cgroup %s: path too long", path), -1;
		return take_dir(s, mnt, dir, err, errlen);
	}
	if (strlen(container) < CONTAINER_ID_MIN ||
	    strspn(container, "0123456789abcdef") != strlen(container)) {
		snprintf(err, errlen, "bad container id '%s' (at least %d lower-case hex digits)",
			 container, CONTAINER_ID_MIN);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", mnt);
	search_dir(&cs, dir, sizeof(dir), 1);
	if (!cs.best[0]) {
		snprintf(err, errlen, "no cgroup of a container %s... under %s", container, mnt);
		return -1;
	}
	if (cs.other[0]) {
		snprintf(err, errlen, "container id %s is ambiguous: %.12s... and %.12s... (give "
				      "more digits)", container, cs.id, cs.other);
		return -1;
	}
	return take_dir(s, mnt, cs.best, err, errlen);
}

bool cgroup_select_has_pid(const struct cgroup_sel *s, pid_t pid)
{
	char file[64], line[PATH_MAX + 8];
	size_t n = strlen(s->path);
	bool in = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 3;

		if (strncmp(line, "0::", 3))
			continue;
		p[strcspn(p, "\n")] = '\0';
		/* the cgroup itself or one below it */
		in = !strcmp(s->path, "/") ||
		     (!strncmp(p, s->path, n) && (p[n] == '\0' || p[n] == '/'));
		break;
	}
	fclose(f);
	return in;
}
