// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_index_file.c - finds the frame index of a zstd spancap file (FORMAT.md 7): walks the
 * file's zstd frames by their headers and block headers (nothing is decompressed), takes the
 * index frame that follows each data frame, or else the sidecar FILE.idx; and builds that
 * sidecar for a file written without index frames.
 *
 * Every entry is checked against the frame it describes: its offset, compressed size and the
 * frame's content checksum (the frame's last 4 bytes) must be the walked frame's. An entry that
 * does not match is dropped (its frame is then read), a sidecar with one such entry is
 * dropped whole: a wrong index costs reading time, never a record.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "spancap_file.h"
#include "format_internal.h"

#define ZSTD_MAGIC 0xFD2FB528u
#define SKIPPABLE_MASK 0xFFFFFFF0u
#define SKIPPABLE_MAGIC 0x184D2A50u
#define BLOCK_MAX (128u << 10)
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_EPB 0x00000006u
#define SIDECAR_MAGIC "SPCIDX1\n"
#define SIDECAR_VERSION 1
#define SIDECAR_HEADER 48

struct walked {
	uint64_t lead, offset, csize;
	uint32_t checksum;
	bool has_checksum;
	long entry; /* index into the entry list, -1 when none */
};

struct walk {
	int fd;
	uint64_t size;
	struct walked *f;
	size_t n, cap;
	struct scf_fidx_entry *e;
	size_t ne, ecap;
	char note[SCF_ERRMSG_MAX];
};

static int read_at(int fd, uint64_t off, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t k = pread(fd, p, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ENODATA;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The zstd frame at off (FORMAT.md 1, RFC 8878 section 3.1.1): its end, by the frame header and
 * the block headers. 0, or -EBADMSG / -ENODATA (cut) with why.
 */
static int frame_end(int fd, uint64_t size, uint64_t off, uint64_t *end, uint32_t *checksum,
		     bool *has_checksum, char *why, size_t whylen)
{
	static const uint8_t dict_size[4] = { 0, 1, 2, 4 };
	uint8_t h[6], fhd;
	uint64_t pos;
	unsigned int fcs;
	int ret;

	ret = read_at(fd, off + 4, h, 1);
	if (ret) {
		snprintf(why, whylen, "the file ends in the frame header");
		return ret;
	}
	fhd = h[0];
	if (fhd & 0x08) {
		snprintf(why, whylen, "reserved bit of the frame header descriptor set");
		return -EBADMSG;
	}
	fcs = (unsigned int)(fhd >> 6);
	fcs = fcs == 0 ? ((fhd & 0x20) ? 1 : 0) : fcs == 1 ? 2 : fcs == 2 ? 4 : 8;
	pos = off + 5 + ((fhd & 0x20) ? 0 : 1) + dict_size[fhd & 3] + fcs;
	for (;;) {
		uint32_t bh, bsize, type;

		if (pos + 3 > size) {
			snprintf(why, whylen, "the file ends in a block header at offset %" PRIu64, pos);
			return -ENODATA;
		}
		ret = read_at(fd, pos, h, 3);
		if (ret)
			return ret;
		bh = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
		type = (bh >> 1) & 3;
		bsize = bh >> 3;
		if (type == 3 || bsize > BLOCK_MAX) {
			snprintf(why, whylen, "block header at offset %" PRIu64 ": type %u, %u bytes",
				 pos, type, bsize);
			return -EBADMSG;
		}
		pos += 3 + (type == 1 ? 1 : bsize);
		if (bh & 1)
			break;
	}
	*has_checksum = fhd & 0x04;
	if (*has_checksum) {
		uint8_t c[4];

		if (pos + 4 > size || read_at(fd, pos, c, 4)) {
			snprintf(why, whylen, "the file ends in the frame checksum at offset %" PRIu64, pos);
			return -ENODATA;
		}
		*checksum = scf_get32(c);
		pos += 4;
	}
	if (pos > size) {
		snprintf(why, whylen, "the file ends inside the frame");
		return -ENODATA;
	}
	*end = pos;
	return 0;
}

static int push_entry(struct walk *w, const struct scf_fidx_entry *e)
{
	if (w->ne == w->ecap) {
		size_t ncap = w->ecap ? w->ecap * 2 : 64;
		struct scf_fidx_entry *ne = realloc(w->e, ncap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		w->e = ne;
		w->ecap = ncap;
	}
	w->e[w->ne++] = *e;
	return 0;
}

/* An entry describes frame f: the same place, size and checksum. */
static bool entry_matches(const struct scf_fidx_entry *e, const struct walked *f)
{
	return e->offset == f->offset && e->csize == f->csize &&
	       (!f->has_checksum || e->checksum == f->checksum);
}

/* A skippable frame at off: an index frame describing the data frame just before it? */
static int take_index_frame(struct walk *w, uint64_t off, uint32_t len, bool after_data)
{
	struct scf_fidx_entry e;
	char why[256];
	uint8_t *p;
	int ret;

	if (len > SCF_FIDX_PAYLOAD_MAX) {
		scf_errf(w->note, sizeof(w->note),
			 "the index frame at compressed offset %" PRIu64 " claims %u bytes: ignored",
			 off, len);
		return 0;
	}
	p = malloc(len ? len : 1);
	if (!p)
		return -ENOMEM;
	ret = read_at(w->fd, off + 8, p, len);
	if (ret) {
		free(p);
		return ret == -ENODATA ? 0 : ret;
	}
	ret = scf_fidx_parse(p, len, &e, why, sizeof(why));
	free(p);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		scf_errf(w->note, sizeof(w->note),
			 "the index frame at compressed offset %" PRIu64 " is ignored: %s", off, why);
		return 0;
	}
	if (!after_data || !w->n || w->f[w->n - 1].entry >= 0 ||
	    !entry_matches(&e, &w->f[w->n - 1])) {
		scf_errf(w->note, sizeof(w->note),
			 "the index frame at compressed offset %" PRIu64
			 " does not describe the frame before it (it names %" PRIu64 " + %" PRIu64
			 " bytes): ignored, that frame is read",
			 off, e.offset, e.csize);
		scf_fidx_entry_release(&e);
		return 0;
	}
	e.lead = w->f[w->n - 1].lead;
	w->f[w->n - 1].entry = (long)w->ne;
	ret = push_entry(w, &e);
	if (ret)
		scf_fidx_entry_release(&e);
	return ret;
}

/* Walks every frame of the file; stops quietly at damage or a cut (later frames are read). */
static int walk_frames(struct walk *w)
{
	uint64_t off = 0, lead = 0;
	bool after_data = false;

	while (off + 8 <= w->size) {
		uint8_t h[8];
		uint32_t magic;
		int ret = read_at(w->fd, off, h, 8);

		if (ret)
			return ret == -ENODATA ? 0 : ret;
		magic = scf_get32(h);
		if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
			uint32_t len = scf_get32(h + 4);

			if (off + 8 + len > w->size)
				return 0;
			if (magic == SCF_FIDX_MAGIC) {
				ret = take_index_frame(w, off, len, after_data);
				if (ret)
					return ret;
			}
			after_data = false;
			off += 8 + (uint64_t)len;
			continue;
		}
		if (magic != ZSTD_MAGIC)
			return 0;
		{
			struct walked f = { .lead = lead, .offset = off, .entry = -1 };
			uint64_t end;
			char why[160];

			if (frame_end(w->fd, w->size, off, &end, &f.checksum, &f.has_checksum, why,
				      sizeof(why)))
				return 0;
			f.csize = end - off;
			if (w->n == w->cap) {
				size_t ncap = w->cap ? w->cap * 2 : 256;
				struct walked *nf = realloc(w->f, ncap * sizeof(*nf));

				if (!nf)
					return -ENOMEM;
				w->f = nf;
				w->cap = ncap;
			}
			w->f[w->n++] = f;
			off = lead = end;
			after_data = true;
		}
	}
	return 0;
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->ne; i++)
		scf_fidx_entry_release(&w->e[i]);
	free(w->e);
	free(w->f);
	w->e = NULL;
	w->f = NULL;
	w->n = w->ne = 0;
}

static int walk_open(const char *path, struct walk *w, struct stat *st, char *err, size_t errlen)
{
	uint8_t m[4];
	int ret;

	memset(w, 0, sizeof(*w));
	w->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0) {
		ret = -errno;
		scf_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(w->fd, st) < 0 || !S_ISREG(st->st_mode)) {
		scf_errf(err, errlen, "%s: not a regular file: it has no frame index", path);
		return -EINVAL;
	}
	w->size = (uint64_t)st->st_size;
	if (read_at(w->fd, 0, m, 4) || scf_get32(m) != ZSTD_MAGIC) {
		scf_errf(err, errlen, "%s: not a zstd spancap file: only compressed files have "
			 "frames to index", path);
		return -EINVAL;
	}
	ret = walk_frames(w);
	if (ret)
		scf_errf(err, errlen, "%s: walking its frames: %s", path, strerror(-ret));
	return ret;
}

static uint64_t mtime_ns(const struct stat *st)
{
	return (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec;
}

/* Reads PATH.idx into w's entries when it matches the file; a note says why not. */
static int load_sidecar(const char *path, struct walk *w, const struct stat *st)
{
	char side[4096], why[256];
	uint8_t h[SIDECAR_HEADER];
	uint64_t off, n, size;
	struct stat sst;
	int fd, ret = 0;

	if ((size_t)snprintf(side, sizeof(side), "%s.idx", path) >= sizeof(side))
		return 0;
	fd = open(side, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		scf_errf(w->note, sizeof(w->note),
			 "%s has no frame index (written before format 1.3, with -u, or by a "
			 "writer without one) and no sidecar %s (spancap-analyze index builds it)",
			 path, side);
		return 0;
	}
	if (fstat(fd, &sst) < 0 || read_at(fd, 0, h, sizeof(h)) ||
	    memcmp(h, SIDECAR_MAGIC, 8) || scf_get32(h + 8) != SIDECAR_VERSION ||
	    scf_get32(h + 12) != SIDECAR_HEADER) {
		scf_errf(w->note, sizeof(w->note), "%s: not a spancap sidecar index of version %d: "
			 "ignored", side, SIDECAR_VERSION);
		goto out;
	}
	if (get64(h + 16) != w->size || get64(h + 24) != mtime_ns(st)) {
		scf_errf(w->note, sizeof(w->note),
			 "%s is stale: built for %" PRIu64 " bytes modified at %" PRIu64
			 " ns, %s has %" PRIu64 " modified at %" PRIu64 ": ignored (spancap-analyze "
			 "index rebuilds it)",
			 side, get64(h + 16), get64(h + 24), path, w->size, mtime_ns(st));
		goto out;
	}
	n = get64(h + 32);
	size = (uint64_t)sst.st_size;
	if (n > w->n) {
		scf_errf(w->note, sizeof(w->note), "%s: %" PRIu64 " entries at offset 32 for %zu "
			 "frames: ignored", side, n, w->n);
		goto out;
	}
	off = SIDECAR_HEADER;
	for (uint64_t i = 0, fi = 0; i < n; i++) {
		struct scf_fidx_entry e;
		uint8_t lb[4], *p;
		uint32_t len;

		if (off + 4 > size || read_at(fd, off, lb, 4) ||
		    (len = scf_get32(lb)) > SCF_FIDX_PAYLOAD_MAX || off + 4 + len > size) {
			scf_errf(w->note, sizeof(w->note), "%s: entry %" PRIu64 " at offset %" PRIu64
				 " overruns the file: ignored", side, i, off);
			goto drop;
		}
		p = malloc(len ? len : 1);
		if (!p) {
			ret = -ENOMEM;
			goto drop;
		}
		ret = read_at(fd, off + 4, p, len);
		ret = ret ? ret : scf_fidx_parse(p, len, &e, why, sizeof(why));
		free(p);
		if (ret == -ENOMEM)
			goto drop;
		if (ret) {
			scf_errf(w->note, sizeof(w->note), "%s: entry at offset %" PRIu64
				 ": %s: ignored", side, off, why);
			ret = 0;
			goto drop;
		}
		while (fi < w->n && w->f[fi].offset < e.offset)
			fi++;
		if (fi == w->n || !entry_matches(&e, &w->f[fi])) {
			scf_errf(w->note, sizeof(w->note),
				 "%s is stale: its entry at offset %" PRIu64 " describes a frame at "
				 "compressed offset %" PRIu64 " of %" PRIu64 " bytes that %s does not "
				 "hold: ignored",
				 side, off, e.offset, e.csize, path);
			scf_fidx_entry_release(&e);
			goto drop;
		}
		e.lead = w->f[fi].lead;
		w->f[fi].entry = (long)w->ne;
		ret = push_entry(w, &e);
		if (ret) {
			scf_fidx_entry_release(&e);
			goto drop;
		}
		off += 4 + (uint64_t)len;
	}
	close(fd);
	return 1;
drop:
	for (size_t i = 0; i < w->ne; i++)
		scf_fidx_entry_release(&w->e[i]);
	w->ne = 0;
	for (size_t i = 0; i < w->n; i++)
		w->f[i].entry = -1;
out:
	close(fd);
	return ret;
}

int scf_fidx__load(const char *path, struct scf_fidx **out, char *err, size_t errlen)
{
	struct scf_fidx *x = calloc(1, sizeof(*x));
	struct stat st;
	struct walk w;
	int ret;

	*out = x;
	if (!x) {
		scf_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ret = walk_open(path, &w, &st, x->note, sizeof(x->note));
	if (ret == -EINVAL) {
		ret = 0;
		goto done;
	}
	if (ret) {
		scf_errf(err, errlen, "%s", x->note);
		goto done;
	}
	scf_errf(x->note, sizeof(x->note), "%s", w.note);
	if (!w.ne) {
		ret = load_sidecar(path, &w, &st);
		if (ret < 0) {
			scf_errf(err, errlen, "%s: loading its sidecar index: %s", path,
				 strerror(-ret));
			goto done;
		}
		x->sidecar = w.ne > 0;
		scf_errf(x->note, sizeof(x->note), "%s", w.note);
	}
	x->frames = w.n;
	x->e = w.e;
	x->n = w.ne;
	w.e = NULL;
	w.ne = 0;
	ret = x->n ? 1 : 0;
done:
	if (w.fd >= 0)
		close(w.fd);
	walk_free(&w);
	return ret;
}

void scf_fidx__free(struct scf_fidx *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		scf_fidx_entry_release(&x->e[i]);
	free(x->e);
	free(x);
}

/* ---- building the sidecar ---- */

struct builder {
	const char *path;
	ZSTD_DCtx *dctx;
	uint8_t *in, *out, *plain;
	size_t in_cap, out_cap;
	struct scf_ctx_table ctx;
	struct scf_fidx_acc acc;
	uint8_t *side;
	size_t side_len, side_cap;
	char *msg;
	size_t msglen;
};

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 1u << 20;
	uint8_t *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Decompresses frame f whole into b->out; returns its length or a negative errno. */
static long decompress(struct builder *b, int fd, const struct walked *f)
{
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	size_t r;
	int ret;

	if (f->csize > SCF_FRAME_BYTES_MAX + (SCF_FRAME_BYTES_MAX >> 4)) {
		scf_errf(b->msg, b->msglen, "%s: corrupt: the zstd frame at compressed offset %" PRIu64
			 " is %" PRIu64 " bytes, more than a spancap frame", b->path, f->offset,
			 f->csize);
		return -EBADMSG;
	}
	ret = grow(&b->in, &b->in_cap, (size_t)f->csize);
	if (ret)
		return ret;
	ret = read_at(fd, f->offset, b->in, (size_t)f->csize);
	if (ret)
		return ret;
	ZSTD_DCtx_reset(b->dctx, ZSTD_reset_session_only);
	in = (ZSTD_inBuffer){ b->in, (size_t)f->csize, 0 };
	out = (ZSTD_outBuffer){ b->out, b->out_cap, 0 };
	for (;;) {
		r = ZSTD_decompressStream(b->dctx, &out, &in);
		if (ZSTD_isError(r)) {
			scf_errf(b->msg, b->msglen, "%s: corrupt: the zstd frame at compressed offset %"
				 PRIu64 " fails to decode: %s", b->path, f->offset,
				 ZSTD_getErrorName(r));
			return -EBADMSG;
		}
		if (r == 0)
			return (long)out.pos;
		if (in.pos == in.size && out.pos < out.size) {
			scf_errf(b->msg, b->msglen, "%s: truncated: the zstd frame at compressed offset %"
				 PRIu64 " ends early", b->path, f->offset);
			return -ENODATA;
		}
		if (out.pos == out.size) {
			if (b->out_cap >= SCF_FRAME_BYTES_MAX) {
				scf_errf(b->msg, b->msglen, "%s: corrupt: the zstd frame at compressed "
					 "offset %" PRIu64 " decompresses to more than %u bytes", b->path,
					 f->offset, SCF_FRAME_BYTES_MAX);
				return -EBADMSG;
			}
			ret = grow(&b->out, &b->out_cap, b->out_cap * 2);
			if (ret)
				return ret;
			out.dst = b->out;
			out.size = b->out_cap;
		}
	}
}

/* Notes the records of one decompressed frame (whole pcapng blocks) in b->acc. */
static int index_blocks(struct builder *b, const struct walked *f, size_t n)
{
	char why[256];
	size_t off = 0;

	scf_fidx_acc_reset(&b->acc);
	scf_ctx_table_reset(&b->ctx); /* format 1.2: a frame refers to no earlier one */
	while (off < n) {
		uint32_t type, len;

		if (n - off < 12 || (len = scf_get32(b->out + off + 4)) < 12 || len % 4 ||
		    len > n - off || scf_get32(b->out + off + len - 4) != len)
			goto bad;
		type = scf_get32(b->out + off);
		if (type == PCAPNG_SHB && scf_get32(b->out + off + 8) != 0x1A2B3C4Du)
			goto bad;
		if (type == PCAPNG_EPB) {
			struct scf_record rec;
			uint32_t caplen;
			uint64_t ts;
			const uint8_t *data;
			int plen;

			if (len < 32 || (caplen = scf_get32(b->out + off + 20)) > len - 32)
				goto bad;
			ts = (uint64_t)scf_get32(b->out + off + 12) << 32 | scf_get32(b->out + off + 16);
			data = b->out + off + 28;
			if (scf_record_parse(data, caplen, &rec, why, sizeof(why)))
				goto bad_rec;
			if (rec.type == SCF_REC_SECTION) {
				struct scf_section s;

				if (scf_record_body(&rec, &s, sizeof(s), SCF_SECTION_MIN, why, sizeof(why)))
					goto bad_rec;
				/* 1.0 has no packed records; 1.1 packs across frames */
				if (s.format_minor == 1) {
					scf_errf(b->msg, b->msglen,
						 "%s: a section of format %u.%u (pcapng offset %zu of the "
						 "frame at compressed offset %" PRIu64 "): its frames may "
						 "refer to earlier ones, so they cannot be read alone; no "
						 "index is built", b->path, s.format_major, s.format_minor,
						 off, f->offset);
					return -EPROTONOSUPPORT;
				}
				scf_ctx_table_reset(&b->ctx);
			}
			if (rec.type == SCF_REC_SYSCALL_PACKED) {
				plen = scf_syscall_unpack(&b->ctx, &rec, b->plain, SCF_REC_MAX, why,
							  sizeof(why));
				if (plen < 0)
					goto bad_rec;
				data = b->plain;
				caplen = (uint32_t)plen;
			}
			if (scf_fidx_acc_add(&b->acc, ts, data, caplen))
				return -ENOMEM;
		}
		off += len;
	}
	return 0;
bad:
	scf_errf(b->msg, b->msglen, "%s: corrupt: pcapng block at offset %zu of the zstd frame at "
		 "compressed offset %" PRIu64, b->path, off, f->offset);
	return -EBADMSG;
bad_rec:
	scf_errf(b->msg, b->msglen, "%s: corrupt: record at offset %zu of the zstd frame at "
		 "compressed offset %" PRIu64 ": %s", b->path, off, f->offset, why);
	return -EBADMSG;
}

static int write_sidecar(struct builder *b, const char *path, const struct stat *st, size_t n)
{
	char side[4096], tmp[4200];
	uint8_t h[SIDECAR_HEADER] = { 0 };
	int fd, ret = 0;

	if ((size_t)snprintf(side, sizeof(side), "%s.idx", path) >= sizeof(side)) {
		scf_errf(b->msg, b->msglen, "%s: name too long for a sidecar", path);
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", side, (long)getpid());
	memcpy(h, SIDECAR_MAGIC, 8);
	scf_put32(h + 8, SIDECAR_VERSION);
	scf_put32(h + 12, SIDECAR_HEADER);
	memcpy(h + 16, &(uint64_t){ (uint64_t)st->st_size }, 8);
	memcpy(h + 24, &(uint64_t){ mtime_ns(st) }, 8);
	memcpy(h + 32, &(uint64_t){ n }, 8);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		scf_errf(b->msg, b->msglen, "%s: cannot create: %s", tmp, strerror(errno));
		return ret;
	}
	if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    write(fd, b->side, b->side_len) != (ssize_t)b->side_len || fsync(fd) < 0) {
		ret = errno ? -errno : -EIO;
		scf_errf(b->msg, b->msglen, "%s: write failed: %s", tmp, strerror(-ret));
	}
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, side) < 0) {
		ret = -errno;
		scf_errf(b->msg, b->msglen, "%s: cannot rename to %s: %s", tmp, side,
			 strerror(errno));
	}
	if (ret)
		unlink(tmp);
	return ret;
}

int scf_fidx__build_sidecar(const char *path, char *msg, size_t msglen)
{
	struct builder b = { .path = path, .msg = msg, .msglen = msglen };
	struct stat st, st2;
	struct walk w;
	size_t done = 0;
	int ret;

	ret = walk_open(path, &w, &st, msg, msglen);
	if (ret)
		goto out;
	if (w.ne) {
		scf_errf(msg, msglen, "%s holds index frames: no sidecar needed", path);
		ret = 0;
		goto out;
	}
	if (!w.n) {
		scf_errf(msg, msglen, "%s: no whole zstd frame to index", path);
		ret = -ENODATA;
		goto out;
	}
	b.dctx = ZSTD_createDCtx();
	b.plain = malloc(SCF_REC_MAX);
	if (!b.dctx || !b.plain || grow(&b.out, &b.out_cap, 1u << 20)) {
		ret = -ENOMEM;
		scf_errf(msg, msglen, "%s: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < w.n; i++) {
		const struct walked *f = &w.f[i];
		long n = decompress(&b, w.fd, f);
		size_t len;

		if (n < 0) {
			ret = (int)n;
			if (ret == -ENOMEM || ret == -EIO)
				scf_errf(msg, msglen, "%s: %s", path, strerror(-ret));
			goto out;
		}
		ret = index_blocks(&b, f, (size_t)n);
		if (ret) {
			if (ret == -ENOMEM)
				scf_errf(msg, msglen, "%s: out of memory", path);
			goto out;
		}
		if (!b.acc.records)
			continue;
		len = scf_fidx_acc_size(&b.acc);
		ret = grow(&b.side, &b.side_cap, b.side_len + 4 + len);
		if (ret) {
			scf_errf(msg, msglen, "%s: out of memory", path);
			goto out;
		}
		scf_put32(b.side + b.side_len, (uint32_t)len);
		scf_fidx_acc_encode(&b.acc, f->offset, f->csize, (uint32_t)n, f->checksum,
				    b.side + b.side_len + 4);
		b.side_len += 4 + len;
		done++;
	}
	if (fstat(w.fd, &st2) < 0 || st2.st_size != st.st_size ||
	    mtime_ns(&st2) != mtime_ns(&st)) {
		scf_errf(msg, msglen, "%s changed while it was indexed: no index written", path);
		ret = -EAGAIN;
		goto out;
	}
	ret = write_sidecar(&b, path, &st, done);
	if (!ret) {
		scf_errf(msg, msglen, "%s.idx: %zu frames of %s indexed", path, done, path);
		ret = 1;
	}
out:
	if (w.fd >= 0)
		close(w.fd);
	walk_free(&w);
	ZSTD_freeDCtx(b.dctx);
	free(b.in);
	free(b.out);
	free(b.plain);
	free(b.side);
	scf_fidx_acc_free(&b.acc);
	return ret;
}
