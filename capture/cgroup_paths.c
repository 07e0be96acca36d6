// SPDX-License-Identifier: BSD-2-Clause
/*
 * cgroup_paths.c - the cgroup v2 path of a cgroup id, for the PROCESS records written from a
 * FORK or EXEC event (docs/PROCESS_FACTS.md). The event carries the process's cgroup id; its
 * path is what /proc/PID/cgroup said of an earlier process in that cgroup, kept only when the
 * directory at that path under the cgroup v2 mount is that cgroup (its inode number is the id):
 * a process that changed cgroup between the event and the read teaches nothing. Ids are not
 * reused while the machine runs (64-bit kernfs ids), so an entry stays true; a cgroup renamed
 * is the one case where a record names its old path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"

#define SLOTS 1024	  /* a power of two */
#define FILL_MAX 768	  /* entries before the table is emptied and learnt again */
#define PATH_MAX_KEPT 512 /* longer paths are read from /proc each time */

static struct {
	uint64_t id; /* 0: free */
	char *path;
} table[SLOTS];
static size_t n_entries;
static char mount_point[4096];
static int mount_state; /* 0: not looked up, 1: found, -1: none */

static size_t slot_of(uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 54) & (SLOTS - 1);
}

const char *cgroup_path_of(uint64_t id)
{
	if (!id || !n_entries)
		return NULL;
	for (size_t i = slot_of(id);; i = (i + 1) & (SLOTS - 1)) {
		if (table[i].id == id)
			return table[i].path;
		if (!table[i].id)
			return NULL;
	}
}

static void forget_all(void)
{
	for (size_t i = 0; i < SLOTS; i++) {
		free(table[i].path);
		table[i].id = 0;
		table[i].path = NULL;
	}
	n_entries = 0;
}

void cgroup_path_learn(uint64_t id, const char *path)
{
	char dir[sizeof(mount_point) + PATH_MAX_KEPT + 1];
	struct stat st;
	size_t i;
	char *copy;

	if (!id || path[0] != '/' || strlen(path) > PATH_MAX_KEPT || cgroup_path_of(id))
		return;
	if (!mount_state)
		mount_state = cgroup_v2_mount(mount_point, sizeof(mount_point)) ? -1 : 1;
	if (mount_state < 0)
		return;
	/* "/" is the hierarchy's root: the mount point itself */
	snprintf(dir, sizeof(dir), "%s%s", mount_point, path[1] ? path : "");
	if (stat(dir, &st) || !S_ISDIR(st.st_mode) || (uint64_t)st.st_ino != id)
		return;
	copy = strdup(path);
	if (!copy)
		return;
	if (n_entries >= FILL_MAX)
		forget_all();
	for (i = slot_of(id); table[i].id; i = (i + 1) & (SLOTS - 1))
		;
	table[i].id = id;
	table[i].path = copy;
	n_entries++;
}
