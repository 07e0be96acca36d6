// SPDX-License-Identifier: BSD-2-Clause
/*
 * elf_cache.c - a small table of ELF TLS facts keyed by file identity (elf_cache.h). A linear
 * search: the table holds a few dozen files and each lookup follows an open() and an fstat().
 */
#include "elf_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct elfcache_entry {
	bool used;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	struct timespec ctim;
	char *name;
	uint64_t last_use; /* the cache's clock at the last hit or insert */
	struct elftls_info info;
};

struct elfcache {
	size_t cap;
	uint64_t clock;
	struct elfcache_stats stats;
	struct elfcache_entry *v;
};

struct elfcache *elfcache__new(size_t capacity)
{
	struct elfcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cap = capacity ? capacity : ELFCACHE_DEFAULT_CAPACITY;
	c->v = calloc(c->cap, sizeof(*c->v));
	if (!c->v) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void elfcache__free(struct elfcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->v[i].name);
	free(c->v);
	free(c);
}

static bool ts_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool entry_matches(const struct elfcache_entry *e, const struct stat *st, const char *name)
{
	return e->used && e->ino == st->st_ino && e->dev == st->st_dev && e->size == st->st_size &&
	       ts_equal(&e->mtim, &st->st_mtim) && ts_equal(&e->ctim, &st->st_ctim) &&
	       !strcmp(e->name, name);
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000ll + t->tv_nsec;
}

/* The file changed too recently for its timestamps to tell a later write apart. */
static bool racy(const struct stat *st)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now))
		return true;
	return ts_ns(&st->st_ctim) > ts_ns(&now) - ELFCACHE_RACY_NS ||
	       ts_ns(&st->st_mtim) > ts_ns(&now) - ELFCACHE_RACY_NS;
}

static void keep(struct elfcache *c, const struct stat *st, const char *name,
		 const struct elftls_info *info)
{
	struct elfcache_entry *slot = NULL;
	char *copy;

	if (racy(st)) {
		c->stats.racy++;
		return;
	}
	copy = strdup(name);
	if (!copy)
		return; /* not kept: the next read parses again */
	for (size_t i = 0; i < c->cap; i++) {
		struct elfcache_entry *e = &c->v[i];

		if (!e->used) {
			slot = e;
			break;
		}
		if (!slot || e->last_use < slot->last_use)
			slot = e;
	}
	if (slot->used) {
		c->stats.evicted++;
		c->stats.size--;
	}
	free(slot->name);
	slot->used = true;
	slot->dev = st->st_dev;
	slot->ino = st->st_ino;
	slot->size = st->st_size;
	slot->mtim = st->st_mtim;
	slot->ctim = st->st_ctim;
	slot->name = copy;
	slot->last_use = ++c->clock;
	slot->info = *info;
	c->stats.kept++;
	c->stats.size++;
}

int elfcache__read_file(struct elfcache *c, const char *path, const char *name,
			struct elftls_info *out, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (!c)
		return elftls_from_file(path, name, out, err, errlen);
	fd = elftls_open_module(path, &name, &st, out, err, errlen);
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < c->cap; i++) {
		struct elfcache_entry *e = &c->v[i];

		if (entry_matches(e, &st, name)) {
			e->last_use = ++c->clock;
			*out = e->info;
			c->stats.hits++;
			close(fd);
			return 0;
		}
	}
	c->stats.misses++;
	rc = elftls_from_fd(fd, &st, name, out, err, errlen);
	close(fd);
	if (!rc)
		keep(c, &st, name, out);
	return rc;
}

int elfcache__read_module(struct elfcache *c, pid_t pid, const struct pmaps_module *mod,
			  struct elftls_info *out, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	int rc = -ENOENT;

	/* A deleted file or a memfd only exists through map_files. */
	if (!mod->deleted && strncmp(mod->path, "/memfd:", 7)) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, mod->path);
		rc = elfcache__read_file(c, path, mod->path, out, err, errlen);
		if (rc != -ENOENT && rc != -EACCES && rc != -EPERM)
			return rc;
	}
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid,
		 mod->exec_start, mod->exec_end);
	return elfcache__read_file(c, path, mod->path, out, err, errlen);
}

void elfcache__stats(const struct elfcache *c, struct elfcache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c)
		*out = c->stats;
}
