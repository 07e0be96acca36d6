/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * proc_maps.h - parse /proc/PID/maps text and derive what the resolver needs from it: the
 * file-backed executable modules with the address of their lowest mapping, and the OTEP 4719
 * process context mapping.
 *
 * The parser works on a memory buffer (tests and fuzzers feed it bytes); pmaps__read() reads
 * the file of a live process and hands it to the parser. Conventions: constructors return NULL
 * and set errno; other functions return 0 or a negative errno; messages go to a caller's buffer:
 *   -ENODATA  the text ends inside a line that cannot be complete (no fields)
 *   -EBADMSG  a line does not have the /proc/PID/maps syntax, or is too long
 *   -E2BIG    more entries than the cap
 */
#ifndef SPANCAP_PROC_MAPS_H
#define SPANCAP_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A line is at most the kernel's fixed fields plus a path (PATH_MAX, possibly escaped). */
#define PMAPS_LINE_MAX (4096 + 256)
/* Default cap on entries: pathological processes have millions of mappings. */
#define PMAPS_DEFAULT_MAX_ENTRIES 262144
/* Cap on the bytes pmaps__read() accepts from /proc/PID/maps. */
#define PMAPS_READ_MAX (256u << 20)

enum {
	PMAPS_PERM_R = 1u << 0,
	PMAPS_PERM_W = 1u << 1,
	PMAPS_PERM_X = 1u << 2,
	PMAPS_PERM_SHARED = 1u << 3, /* 's' in the fourth column, otherwise 'p' */
};

struct pmaps_entry {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t perms;	  /* PMAPS_PERM_* */
	bool deleted;	  /* the path ended with " (deleted)", stripped from path */
	const char *path; /* "" for an anonymous mapping; NUL-terminated, owned by struct pmaps */
};

struct pmaps {
	size_t n;
	struct pmaps_entry *v; /* sorted as the kernel printed them (by address) */
	char *text;	       /* private copy of the input the paths point into */
};

/*
 * Parses len bytes of /proc/PID/maps text. max_entries == 0 means PMAPS_DEFAULT_MAX_ENTRIES.
 * name labels messages (e.g. "/proc/42/maps"), may be NULL. Returns NULL with errno set and a
 * message naming the line, its byte offset and the column that failed.
 */
struct pmaps *pmaps__parse(const char *buf, size_t len, size_t max_entries, const char *name,
			   char *err, size_t errlen);
/* Reads and parses /proc/PID/maps. */
struct pmaps *pmaps__read(pid_t pid, size_t max_entries, char *err, size_t errlen);
void pmaps__free(struct pmaps *m);

/* True for a mapping of a file (absolute path, non-zero inode): not [heap], [vdso], anon. */
bool pmaps_entry_is_file(const struct pmaps_entry *e);

/*
 * One loaded instance of a file with at least one executable mapping. base_* describe the
 * lowest mapping of that instance (the first of a run of consecutive entries of the same file,
 * anonymous entries such as .bss allowed in between).
 */
struct pmaps_module {
	const char *path;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	bool deleted;
	uint64_t base_start;  /* start of the lowest mapping */
	uint64_t base_offset; /* its file offset */
	uint64_t exec_start;  /* the first executable mapping, for /proc/PID/map_files */
	uint64_t exec_end;
};

/*
 * Lists the modules in address order; *out is malloc'ed (free() it), *n may be 0. The same file
 * loaded twice yields two modules. Returns 0 or -ENOMEM.
 */
int pmaps__modules(const struct pmaps *m, struct pmaps_module **out, size_t *n);

/*
 * Load bias of a module from its lowest mapping and the ELF segment that mapping comes from
 * (normally the first PT_LOAD): bias = start - offset - (p_vaddr - p_offset). p_vaddr and
 * p_offset are congruent modulo the page size, so page rounding cancels out. PIE and shared
 * objects linked at 0 get bias == start; a non-PIE executable gets 0.
 */
uint64_t pmaps_load_bias(uint64_t map_start, uint64_t map_offset, uint64_t seg_vaddr,
			 uint64_t seg_offset);

/* True if path names an OTEP 4719 mapping: "/memfd:OTEL_CTX", "[anon_shmem:OTEL_CTX]" or
 * "[anon:OTEL_CTX]" as a prefix. */
bool pmaps_is_otel_ctx_name(const char *path);
/* The first OTEL_CTX mapping at or after index *from (0 to start); sets *from past it so the
 * caller can look for another. NULL when none is left. */
const struct pmaps_entry *pmaps__find_otel_ctx(const struct pmaps *m, size_t *from);

#endif /* SPANCAP_PROC_MAPS_H */
