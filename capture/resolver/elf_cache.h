/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elf_cache.h - the facts elf_tls.h reads from an ELF module (struct elftls_info), kept per file,
 * so that resolving a process again (each fork + exec of the same program, each executable
 * mmap) opens each module but does not map and parse it again.
 *
 * A file is known by what fstat() says of the descriptor opened on the path the resolver reads
 * (st_dev, st_ino, st_size, st_mtim, st_ctim) and by the name that labels messages (the facts'
 * `rejected` text carries it). A file rewritten in place gets a new mtime and ctime and is
 * parsed again. A file whose ctime is less than ELFCACHE_RACY_NS before the parse is not kept:
 * a second write within the file system's timestamp granularity could leave every field of the
 * key as it was. Only successful reads are kept; an error is returned, with its message, as
 * elftls_from_file() returns it, every time. At most `capacity` files are kept; a new one
 * replaces the least recently used.
 *
 * Not thread-safe: one user at a time. The read functions accept a NULL cache and then read
 * the file as elftls_from_file() does; elfcache__free() and elfcache__stats() accept NULL.
 */
#ifndef SPANCAP_ELF_CACHE_H
#define SPANCAP_ELF_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "elf_tls.h"
#include "proc_maps.h"

#define ELFCACHE_DEFAULT_CAPACITY 64
/* A file changed less than this before its parse is parsed again at the next read. */
#define ELFCACHE_RACY_NS 1000000000ll

struct elfcache;

struct elfcache_stats {
	uint64_t hits;	  /* reads answered from the cache */
	uint64_t misses;  /* reads that parsed the file */
	uint64_t kept;	  /* parses kept */
	uint64_t racy;	  /* parses not kept: the file had just changed */
	uint64_t evicted; /* files replaced to make room */
	size_t size;	  /* files held now */
};

/* capacity 0 means ELFCACHE_DEFAULT_CAPACITY. Returns NULL with errno set. */
struct elfcache *elfcache__new(size_t capacity);
void elfcache__free(struct elfcache *c);

/* elftls_from_file() through the cache: same results, same errors and messages. */
int elfcache__read_file(struct elfcache *c, const char *path, const char *name,
			struct elftls_info *out, char *err, size_t errlen);
/*
 * Reads a module of a live process: through /proc/PID/root/<path> (containers), falling back to
 * /proc/PID/map_files/<start>-<end> (deleted files, memfd). The message names the path.
 */
int elfcache__read_module(struct elfcache *c, pid_t pid, const struct pmaps_module *mod,
			  struct elftls_info *out, char *err, size_t errlen);

void elfcache__stats(const struct elfcache *c, struct elfcache_stats *out);

#endif /* SPANCAP_ELF_CACHE_H */
