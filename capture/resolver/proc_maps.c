// SPDX-License-Identifier: BSD-2-Clause
/* proc_maps.c - /proc/PID/maps parser and module listing. */
#include "proc_maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolve_internal.h"

static const char deleted_suffix[] = " (deleted)";

/* Line-local cursor state for one maps line. */
struct line_cur {
	const char *s;
	size_t len;
	size_t off;
};

/* Parses 1..max_digits hex digits. Returns 0, or -1 when there is no digit or too many. */
static int take_hex(struct line_cur *lc, unsigned max_digits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (lc->off < lc->len) {
		char ch = lc->s[lc->off];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			break;
		if (++n > max_digits)
			return -1;
		v = (v << 4) | d;
		lc->off++;
	}
	if (!n)
		return -1;
	*out = v;
	return 0;
}

static int take_dec(struct line_cur *lc, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (lc->off < lc->len && lc->s[lc->off] >= '0' && lc->s[lc->off] <= '9') {
		uint64_t d = (uint64_t)(lc->s[lc->off] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		n++;
		lc->off++;
	}
	if (!n)
		return -1;
	*out = v;
	return 0;
}

static int take_char(struct line_cur *lc, char ch)
{
	if (lc->off >= lc->len || lc->s[lc->off] != ch)
		return -1;
	lc->off++;
	return 0;
}

/*
 * Parses one line (without its newline) into *e; the path is returned as (off, len) within the
 * line. Returns 0, or -1 with *what naming the column that failed.
 */
static int parse_line(struct line_cur *lc, struct pmaps_entry *e, size_t *path_off,
		      size_t *path_len, const char **what)
{
	uint64_t dev_major, dev_minor;
	const char *p;

	*what = "start address";
	if (take_hex(lc, 16, &e->start) || take_char(lc, '-'))
		return -1;
	*what = "end address";
	if (take_hex(lc, 16, &e->end) || take_char(lc, ' '))
		return -1;
	*what = "permissions";
	if (lc->len - lc->off < 5)
		return -1;
	p = lc->s + lc->off;
	e->perms = 0;
	if (p[0] == 'r')
		e->perms |= PMAPS_PERM_R;
	else if (p[0] != '-')
		return -1;
	if (p[1] == 'w')
		e->perms |= PMAPS_PERM_W;
	else if (p[1] != '-')
		return -1;
	if (p[2] == 'x')
		e->perms |= PMAPS_PERM_X;
	else if (p[2] != '-')
		return -1;
	if (p[3] == 's')
		e->perms |= PMAPS_PERM_SHARED;
	else if (p[3] != 'p')
		return -1;
	if (p[4] != ' ')
		return -1;
	lc->off += 5;
	*what = "offset";
	if (take_hex(lc, 16, &e->offset) || take_char(lc, ' '))
		return -1;
	*what = "device";
	if (take_hex(lc, 8, &dev_major) || take_char(lc, ':') || take_hex(lc, 8, &dev_minor))
		return -1;
	e->dev_major = (uint32_t)dev_major;
	e->dev_minor = (uint32_t)dev_minor;
	*what = "inode";
	if (take_char(lc, ' ') || take_dec(lc, &e->inode))
		return -1;
	/* Optional path after padding spaces. */
	*what = "path separator";
	if (lc->off < lc->len && lc->s[lc->off] != ' ')
		return -1;
	while (lc->off < lc->len && lc->s[lc->off] == ' ')
		lc->off++;
	*path_off = lc->off;
	*path_len = lc->len - lc->off;
	*what = "address range";
	if (e->end <= e->start)
		return -1;
	return 0;
}

struct pmaps *pmaps__parse(const char *buf, size_t len, size_t max_entries, const char *name,
			   char *err, size_t errlen)
{
	struct pmaps *m;
	size_t cap = 0, off = 0, lineno = 0;
	int rc = 0;

	if (!name)
		name = "maps";
	if (!max_entries)
		max_entries = PMAPS_DEFAULT_MAX_ENTRIES;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto err_nomem;
	m->text = malloc(len + 1);
	if (!m->text)
		goto err_free;
	if (len)
		memcpy(m->text, buf, len);
	m->text[len] = '\0';

	while (off < len) {
		const char *line = m->text + off;
		size_t scan = len - off, line_len, path_off = 0, path_len = 0;
		bool has_nl;
		const char *nl, *what = "";
		struct line_cur lc;
		struct pmaps_entry e;

		lineno++;
		if (scan > PMAPS_LINE_MAX + 1)
			scan = PMAPS_LINE_MAX + 1;
		nl = memchr(line, '\n', scan);
		has_nl = nl != NULL;
		line_len = has_nl ? (size_t)(nl - line) : scan;
		if (line_len > PMAPS_LINE_MAX) {
			scf_errf(err, errlen, "%s: line %zu at byte %zu is longer than %u bytes",
				 name, lineno, off, (unsigned)PMAPS_LINE_MAX);
			rc = -EBADMSG;
			goto err_free;
		}
		if (memchr(line, '\0', line_len)) {
			scf_errf(err, errlen, "%s: line %zu at byte %zu contains a NUL byte", name,
				 lineno, off);
			rc = -EBADMSG;
			goto err_free;
		}
		memset(&e, 0, sizeof(e));
		lc.s = line;
		lc.len = line_len;
		lc.off = 0;
		if (parse_line(&lc, &e, &path_off, &path_len, &what)) {
			bool truncated = !has_nl && lc.off >= lc.len;

			scf_errf(err, errlen, "%s: line %zu at byte %zu: bad %s at column %zu%s",
				 name, lineno, off, what, lc.off,
				 truncated ? " (text ends inside the line)" : "");
			rc = truncated ? -ENODATA : -EBADMSG;
			goto err_free;
		}
		if (m->n >= max_entries) {
			scf_errf(err, errlen, "%s: more than %zu entries (line %zu at byte %zu)",
				 name, max_entries, lineno, off);
			rc = -E2BIG;
			goto err_free;
		}
		/* Terminate the path in place and strip " (deleted)". */
		m->text[off + line_len] = '\0';
		if (path_len >= sizeof(deleted_suffix) - 1 &&
		    !memcmp(line + path_off + path_len - (sizeof(deleted_suffix) - 1),
			    deleted_suffix, sizeof(deleted_suffix) - 1)) {
			e.deleted = true;
			path_len -= sizeof(deleted_suffix) - 1;
			m->text[off + path_off + path_len] = '\0';
		}
		if (m->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct pmaps_entry *nv;

			if (ncap > max_entries)
				ncap = max_entries;
			nv = realloc(m->v, ncap * sizeof(*nv));
			if (!nv)
				goto err_nomem_free;
			m->v = nv;
			cap = ncap;
		}
		e.path = m->text + off + path_off;
		m->v[m->n++] = e;
		off += line_len + (has_nl ? 1 : 0);
	}
	return m;

err_nomem_free:
	rc = -ENOMEM;
	scf_errf(err, errlen, "%s: out of memory", name);
err_free:
	pmaps__free(m);
	errno = -rc;
	return NULL;
err_nomem:
	scf_errf(err, errlen, "%s: out of memory", name);
	errno = ENOMEM;
	return NULL;
}

struct pmaps *pmaps__read(pid_t pid, size_t max_entries, char *err, size_t errlen)
{
	char path[64];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct pmaps *m;
	int fd, saved;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		scf_errf(err, errlen, "%s: open: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;

			if (cap >= PMAPS_READ_MAX) {
				scf_errf(err, errlen, "%s: larger than %u bytes", path,
					 (unsigned)PMAPS_READ_MAX);
				saved = E2BIG;
				goto err_close;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				scf_errf(err, errlen, "%s: out of memory", path);
				saved = ENOMEM;
				goto err_close;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			scf_errf(err, errlen, "%s: read at byte %zu: %s", path, len,
				 strerror(saved));
			goto err_close;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	m = pmaps__parse(buf, len, max_entries, path, err, errlen);
	saved = errno;
	free(buf);
	errno = saved;
	return m;

err_close:
	close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

void pmaps__free(struct pmaps *m)
{
	if (!m)
		return;
	free(m->v);
	free(m->text);
	free(m);
}

bool pmaps_entry_is_file(const struct pmaps_entry *e)
{
	return e->path[0] == '/' && e->inode != 0;
}

static bool same_file(const struct pmaps_entry *a, const struct pmaps_entry *b)
{
	return a->inode == b->inode && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor && !strcmp(a->path, b->path);
}

int pmaps__modules(const struct pmaps *m, struct pmaps_module **out, size_t *n)
{
	struct pmaps_module *v = NULL;
	size_t nv = 0, cap = 0, i = 0;

	*out = NULL;
	*n = 0;
	while (i < m->n) {
		const struct pmaps_entry *first = &m->v[i], *exec = NULL;
		size_t j = i + 1, last = i;

		if (!pmaps_entry_is_file(first)) {
			i++;
			continue;
		}
		if (first->perms & PMAPS_PERM_X)
			exec = first;
		/* A run: entries of the same file, anonymous gaps (.bss) allowed in between. */
		while (j < m->n) {
			const struct pmaps_entry *e = &m->v[j];

			if (same_file(e, first)) {
				/*
				 * Offsets never decrease within one load; they repeat when
				 * segments share a page (lld), and then the mappings touch.
				 * Going back, or repeating after a hole, is a second load.
				 */
				if (e->offset < m->v[last].offset ||
				    (e->offset == m->v[last].offset && e->start != m->v[j - 1].end))
					break;
				if (!exec && (e->perms & PMAPS_PERM_X))
					exec = e;
				last = j;
			} else if (e->path[0] != '\0') {
				break;
			}
			j++;
		}
		i = last + 1;
		if (!exec)
			continue;
		if (nv == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct pmaps_module *nb = realloc(v, ncap * sizeof(*nb));

			if (!nb) {
				free(v);
				return -ENOMEM;
			}
			v = nb;
			cap = ncap;
		}
		v[nv].path = first->path;
		v[nv].inode = first->inode;
		v[nv].dev_major = first->dev_major;
		v[nv].dev_minor = first->dev_minor;
		v[nv].deleted = first->deleted;
		v[nv].base_start = first->start;
		v[nv].base_offset = first->offset;
		v[nv].exec_start = exec->start;
		v[nv].exec_end = exec->end;
		nv++;
	}
	*out = v;
	*n = nv;
	return 0;
}

uint64_t pmaps_load_bias(uint64_t map_start, uint64_t map_offset, uint64_t seg_vaddr,
			 uint64_t seg_offset)
{
	/* Unsigned wrap-around is intended: a bias may be "negative" in theory. */
	return map_start - map_offset - (seg_vaddr - seg_offset);
}

static const char *const otel_ctx_prefixes[] = {
    "/memfd:OTEL_CTX",
    "[anon_shmem:OTEL_CTX]",
    "[anon:OTEL_CTX]",
};

bool pmaps_is_otel_ctx_name(const char *path)
{
	for (size_t i = 0; i < sizeof(otel_ctx_prefixes) / sizeof(otel_ctx_prefixes[0]); i++)
		if (!strncmp(path, otel_ctx_prefixes[i], strlen(otel_ctx_prefixes[i])))
			return true;
	return false;
}

const struct pmaps_entry *pmaps__find_otel_ctx(const struct pmaps *m, size_t *from)
{
	for (size_t i = *from; i < m->n; i++) {
		if (pmaps_is_otel_ctx_name(m->v[i].path)) {
			*from = i + 1;
			return &m->v[i];
		}
	}
	*from = m->n;
	return NULL;
}
