// SPDX-License-Identifier: BSD-2-Clause
/*
 * frame_workers.c - reads a zstd spancap file with worker threads (FORMAT.md 2): each zstd
 * frame is found by its compressed size, decompressed, cut into pcapng blocks and its packed
 * syscall records unpacked on a worker; the records come out in file order on the caller's
 * thread, which applies what crosses frames (section headers, interfaces, section records).
 *
 * It reads only what a sequential read gives the same way: a frame that does not decode whole,
 * a block libpcap would refuse or read differently, a packed record that refers to something
 * before its frame (or anything else this file does not take) ends it with SCF_FW_IRREGULAR
 * after the records before it, and the caller reads on sequentially from there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "spancap_file.h"
#include "format_internal.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
/* libpcap refuses blocks past 16 MiB; records are far shorter, so anything near is left to
 * the sequential read */
#define BLOCK_MAX (1u << 20)
#define WINDOW_MAX (SCF_FRAME_BYTES_MAX + (8u << 20))

enum entry_kind { E_REC, E_SHB, E_IDB };

/*
 * One block of a frame that matters to the reader, in file order: 32 bytes, as a frame holds
 * up to about 90,000 records.
 */
struct entry {
	uint64_t raw_ts; /* E_REC: the EPB's timestamp in its interface's units */
	uint32_t iface;	 /* E_REC: the EPB's interface */
	uint32_t start;	 /* E_REC: offset in the frame of its block, as the sequential reader
			  * finds it: back from the block's end, assuming no EPB options */
	uint32_t at;	 /* E_REC: offset of the record in dbuf, or of its plain form in ubuf */
	uint16_t type, flags, len, body_len; /* E_REC: as handed out (a packed one unpacked) */
	uint8_t kind;	 /* enum entry_kind */
	uint8_t tsresol; /* E_IDB: 9 (ns) or 6 (us) */
	bool unpacked;	 /* at is in ubuf */
};
_Static_assert(sizeof(struct entry) == 32, "an entry is 32 bytes");

enum job_state { JOB_FREE, JOB_QUEUED, JOB_DONE };

struct job {
	enum job_state state;
	uint64_t cstart; /* compressed offset of the frame */
	size_t clen;
	const uint8_t *cptr; /* its compressed bytes in the caller's memory, or NULL: the worker
			      * reads them into cbuf */
	uint8_t *cbuf;
	size_t ccap;
	uint8_t *dbuf; /* decompressed */
	size_t dcap, dlen;
	uint8_t *ubuf; /* plain forms of its packed records */
	size_t ucap, ulen;
	struct entry *ents;
	uint32_t nents, ecap;
	bool irregular; /* what follows ents[nents) is not read here */
};

struct scf_fw {
	int fd;
	const uint8_t *mem;
	uint64_t size;
	unsigned int nthreads;
	pthread_t *threads;
	unsigned int started;
	pthread_mutex_t lock;
	pthread_cond_t work_cv, done_cv;
	bool stop;

	struct job *jobs;
	unsigned int njobs;
	uint64_t next_fill, next_work, next_take; /* job sequence numbers (ring index: % njobs) */

	/* the scan for frame boundaries, on the caller's thread */
	uint8_t *skip; /* an index frame's bytes */
	size_t skip_cap;
	uint64_t scan;	 /* compressed offset of the next frame to find */
	bool scan_end;	 /* no more frames: the file ends at scan, or scan_bad */
	bool scan_bad;	 /* ... something at scan is not a frame read here */
	/* the data frame found last, which an index frame right after it must describe */
	uint64_t last_cstart, last_clen;
	bool last_known;

	/* the reader's state, on the caller's thread */
	struct job *cur;
	uint32_t pos; /* next entry of cur */
	uint64_t dbase; /* pcapng offset of cur's first byte */
	uint64_t dnext; /* pcapng offset past cur */
	uint64_t consumed; /* compressed bytes of the frames handed out */
	uint8_t ifres[64]; /* tsresol of the section's interfaces */
	uint32_t nifaces;
	bool have_shb, have_section, failed;
	uint32_t section;
	struct scf_section sec;
};

/* ---- workers -------------------------------------------------------------------------------- */

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *nb;

	while (ncap < need)
		ncap *= 2;
	if (ncap == *cap)
		return 0;
	nb = realloc(*buf, ncap * elem);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

static struct entry *add_entry(struct job *j, uint8_t kind)
{
	struct entry *e;
	size_t cap = j->ecap;

	if (j->nents == j->ecap) {
		if (grow((void **)&j->ents, &cap, (size_t)j->nents + 1, sizeof(*j->ents)))
			return NULL;
		j->ecap = (uint32_t)cap;
	}
	e = &j->ents[j->nents++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	return e;
}

/* n bytes of the file at pos into buf; false when it has fewer or cannot be read. */
static bool read_at(int fd, uint64_t pos, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = pread(fd, (uint8_t *)buf + done, n - done, (off_t)(pos + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		done += (size_t)k;
	}
	return true;
}

/* The job's compressed bytes, read on the worker from the file when they are not in memory. */
static bool load(struct job *j, int fd)
{
	if (j->cptr)
		return true;
	if (j->clen > j->ccap && grow((void **)&j->cbuf, &j->ccap, j->clen, 1))
		return false;
	return read_at(fd, j->cstart, j->cbuf, j->clen);
}

static bool decompress(struct job *j, ZSTD_DCtx *dctx)
{
	ZSTD_inBuffer in = { j->cptr ? j->cptr : j->cbuf, j->clen, 0 };

	j->dlen = 0;
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	for (;;) {
		ZSTD_outBuffer out;
		size_t ret;

		if (j->dlen == j->dcap) {
			if (j->dcap >= SCF_FRAME_BYTES_MAX ||
			    grow((void **)&j->dbuf, &j->dcap, j->dcap ? j->dcap * 2 : 1u << 20, 1))
				return false;
		}
		out = (ZSTD_outBuffer){ j->dbuf, j->dcap, j->dlen };
		ret = ZSTD_decompressStream(dctx, &out, &in);
		j->dlen = out.pos;
		if (ZSTD_isError(ret))
			return false;
		if (ret == 0) /* the frame ended, its checksum verified */
			return in.pos == in.size;
		if (in.pos == in.size && out.pos < out.size)
			return false; /* the frame needs more input than its length */
	}
}

/* The options of an IDB as libpcap reads them: tsresol 9 or 6 (its default) and nothing that
 * shifts or rescales time otherwise. */
static bool idb_options(const uint8_t *p, size_t n, uint8_t *tsresol)
{
	bool seen = false;
	size_t off = 0;

	*tsresol = 6;
	while (off < n) {
		uint16_t code, len;

		if (n - off < 4)
			return false;
		code = scf_get16(p + off);
		len = scf_get16(p + off + 2);
		off += 4;
		if (code == 0)
			return true;
		if (((size_t)len + 3) / 4 * 4 > n - off)
			return false;
		if (code == OPT_IF_TSOFFSET)
			return false;
		if (code == OPT_IF_TSRESOL) {
			if (seen || len != 1 || (p[off] != 9 && p[off] != 6))
				return false;
			seen = true;
			*tsresol = p[off];
		}
		off += ((size_t)len + 3) / 4 * 4;
	}
	return true;
}

/* Cuts the frame into blocks and unpacks its packed records; stops at the first thing it
 * does not take (j->irregular). */
static void decode(struct job *j, struct scf_ctx_table *ctx)
{
	size_t off = 0;

	j->nents = 0;
	j->ulen = 0;
	j->irregular = false;
	scf_ctx_table_reset(ctx); /* packed records of 1.2 never refer to an earlier frame */
	while (off < j->dlen) {
		const uint8_t *b = j->dbuf + off;
		uint32_t type, len, caplen, keep = j->nents;
		struct scf_record rec;
		struct entry *e;
		char msg[8];

		if (j->dlen - off < 12)
			goto irregular;
		type = scf_get32(b);
		len = scf_get32(b + 4);
		if (len < 12 || len % 4 || len > j->dlen - off || len > BLOCK_MAX ||
		    scf_get32(b + len - 4) != len)
			goto irregular;
		switch (type) {
		case PCAPNG_SHB:
			if (len < 28 || scf_get32(b + 8) != PCAPNG_BOM || scf_get16(b + 12) != 1 ||
			    scf_get16(b + 14) != 0 || !add_entry(j, E_SHB))
				goto irregular;
			break;
		case PCAPNG_IDB: {
			uint8_t res;
			uint32_t snap;

			if (len < 20)
				goto irregular;
			snap = scf_get32(b + 12);
			if (scf_get16(b + 8) != SCF_LINKTYPE || (snap && snap < SCF_REC_MAX) ||
			    !idb_options(b + 16, len - 20, &res))
				goto irregular;
			e = add_entry(j, E_IDB);
			if (!e)
				goto irregular;
			e->tsresol = res;
			break;
		}
		case PCAPNG_EPB:
			if (len < 32)
				goto irregular;
			caplen = scf_get32(b + 20);
			if (caplen != scf_get32(b + 24) || caplen > SCF_REC_MAX ||
			    caplen > len - 32)
				goto irregular;
			e = add_entry(j, E_REC);
			if (!e || scf_record_parse(b + 28, caplen, &rec, msg, sizeof(msg)))
				goto irregular;
			e->iface = scf_get32(b + 8);
			e->raw_ts = (uint64_t)scf_get32(b + 12) << 32 | scf_get32(b + 16);
			e->start = (uint32_t)(off + len - (32 + (((size_t)caplen + 3) & ~(size_t)3)));
			e->at = (uint32_t)(off + 28);
			e->type = rec.type;
			e->flags = rec.flags;
			e->len = rec.len;
			e->body_len = rec.body_len;
			if (rec.type == SCF_REC_SECTION) {
				scf_ctx_table_reset(ctx);
			} else if (rec.type == SCF_REC_SYSCALL_PACKED) {
				int n;

				if (grow((void **)&j->ubuf, &j->ucap, j->ulen + SCF_REC_MAX, 1))
					goto irregular;
				n = scf_syscall_unpack(ctx, &rec, j->ubuf + j->ulen, SCF_REC_MAX, msg,
						       sizeof(msg));
				if (n < 0)
					goto irregular;
				e->unpacked = true;
				e->at = (uint32_t)j->ulen;
				e->type = SCF_REC_SYSCALL;
				e->flags = rec.flags & SCF_PACKED_F_SYSCALL_MASK;
				e->len = (uint16_t)n;
				e->body_len = sizeof(struct scf_syscall);
				j->ulen += ((size_t)n + 7) & ~(size_t)7;
			}
			break;
		case PCAPNG_PB:
		case PCAPNG_SPB:
			goto irregular; /* libpcap hands these out as packets too */
		default:
			break; /* libpcap passes over other blocks */
		}
		off += len;
		continue;
irregular:
		j->nents = keep; /* the block that failed gives nothing */
		j->irregular = true;
		return;
	}
}

static void *worker(void *arg)
{
	struct scf_fw *fw = arg;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	struct scf_ctx_table *ctx = calloc(1, sizeof(*ctx));

	pthread_mutex_lock(&fw->lock);
	for (;;) {
		struct job *j;

		while (!fw->stop && fw->next_work == fw->next_fill)
			pthread_cond_wait(&fw->work_cv, &fw->lock);
		if (fw->stop)
			break;
		j = &fw->jobs[fw->next_work++ % fw->njobs];
		pthread_mutex_unlock(&fw->lock);
		if (!dctx || !ctx || !load(j, fw->fd) || !decompress(j, dctx)) {
			j->nents = 0;
			j->irregular = true;
		} else {
			decode(j, ctx);
		}
		pthread_mutex_lock(&fw->lock);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&fw->done_cv);
	}
	pthread_mutex_unlock(&fw->lock);
	ZSTD_freeDCtx(dctx);
	free(ctx);
	return NULL;
}

/* ---- the scan for frames, on the caller's thread -------------------------------------------- */

/* The bytes around the headers a frame's scan reads: one pread serves the headers of blocks
 * shorter than it (a frame of many tiny blocks costs a pread per 512 bytes, not per block). */
struct hdr_buf {
	uint8_t b[512];
	uint64_t at; /* file offset of b[0] */
	size_t len;
};

/* n bytes of the file at pos into out, through hb; false past the end or on a read error. */
static bool peek(const struct scf_fw *fw, struct hdr_buf *hb, uint64_t pos, uint8_t *out,
		 size_t n)
{
	if (pos < hb->at || pos - hb->at + n > hb->len) {
		size_t want = sizeof(hb->b);

		if (pos >= fw->size)
			return false;
		if (want > fw->size - pos)
			want = (size_t)(fw->size - pos);
		if (want < n || !read_at(fw->fd, pos, hb->b, want))
			return false;
		hb->at = pos;
		hb->len = want;
	}
	memcpy(out, hb->b + (pos - hb->at), n);
	return true;
}

/*
 * The compressed length of the frame at fw->scan, 0 when there is none it reads (as
 * ZSTD_findFrameCompressedSize finds it), and whether it is a skippable frame. In memory, from
 * its bytes; in a file, from its frame header and block headers only (RFC 8878 3.1): the
 * worker reads the frame itself.
 */
static size_t find_frame(struct scf_fw *fw, bool *skippable)
{
	static const uint8_t did_size[4] = { 0, 1, 2, 4 };
	uint64_t left = fw->size - fw->scan, pos;
	struct hdr_buf hb = { .len = 0 };
	uint8_t h[6];
	uint32_t magic;
	uint8_t fhd;

	if (fw->mem) {
		size_t n = ZSTD_findFrameCompressedSize(fw->mem + fw->scan, (size_t)left);

		if (ZSTD_isError(n) || n < 4)
			return 0;
		*skippable = (scf_get32(fw->mem + fw->scan) & 0xfffffff0u) ==
			     ZSTD_MAGIC_SKIPPABLE_START;
		return n;
	}
	if (left < 8 || !peek(fw, &hb, fw->scan, h, 6))
		return 0;
	magic = scf_get32(h);
	*skippable = (magic & 0xfffffff0u) == ZSTD_MAGIC_SKIPPABLE_START;
	if (*skippable) {
		uint8_t sz[4];

		if (!peek(fw, &hb, fw->scan + 4, sz, 4) || scf_get32(sz) > left - 8)
			return 0;
		return 8 + (size_t)scf_get32(sz);
	}
	fhd = h[4];
	if (magic != ZSTD_MAGICNUMBER || (fhd & 0x08)) /* the reserved bit */
		return 0;
	/* magic, descriptor, window descriptor (not with a single segment), dictionary id,
	 * content size (1 byte with a single segment and flag 0) */
	pos = 5 + !(fhd & 0x20) + did_size[fhd & 3] +
	      ((fhd >> 6) ? 1u << (fhd >> 6) : (fhd & 0x20) ? 1 : 0);
	for (;;) {
		uint32_t bh, type, size;

		if (left - pos < 3 || !peek(fw, &hb, fw->scan + pos, h, 3))
			return 0;
		bh = h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16;
		type = (bh >> 1) & 3;
		size = bh >> 3;
		if (type == 3 || size > ZSTD_BLOCKSIZE_MAX)
			return 0;
		pos += 3 + (type == 1 ? 1 : size); /* an RLE block holds one byte */
		if (pos > left || pos > WINDOW_MAX)
			return 0;
		if (bh & 1)
			break;
	}
	if (fhd & 0x04) /* the content checksum */
		pos += 4;
	return pos <= left && pos <= WINDOW_MAX ? (size_t)pos : 0;
}

/*
 * Whether the skippable frame of n bytes at p is an index frame (FORMAT.md 7) whose payload
 * checks and which describes the data frame found just before it, as pass_index_frame() of
 * file_reader.c requires.
 */
static bool index_frame_ok(const struct scf_fw *fw, const uint8_t *p, size_t n)
{
	struct scf_fidx_entry e;
	char msg[140];
	uint32_t len;
	bool ok;

	if (n < 8 + 80 || scf_get32(p) != SCF_FIDX_MAGIC)
		return false;
	len = scf_get32(p + 4);
	if (len > SCF_FIDX_PAYLOAD_MAX || len < 84 || (size_t)len != n - 8)
		return false;
	if (scf_fidx_parse(p + 8, len, &e, msg, sizeof(msg)))
		return false;
	ok = !fw->last_known || (e.offset == fw->last_cstart && e.csize == fw->last_clen);
	scf_fidx_entry_release(&e);
	return ok;
}

/* Queues frames while a job is free; where none can be found, sets scan_end (and scan_bad). */
static void fill(struct scf_fw *fw)
{
	bool queued = false;

	while (!fw->scan_end && fw->next_fill - fw->next_take < fw->njobs) {
		struct job *j = &fw->jobs[fw->next_fill % fw->njobs];
		const uint8_t *at;
		bool skippable = false;
		size_t n;

		if (fw->scan == fw->size) {
			struct stat st;

			/* a file that grew since it was opened is read on sequentially */
			fw->scan_bad = fw->mem ? false
					       : fstat(fw->fd, &st) || (uint64_t)st.st_size != fw->size;
			fw->scan_end = true;
			break;
		}
		n = find_frame(fw, &skippable);
		if (!n) {
			fw->scan_bad = fw->scan_end = true;
			break;
		}
		if (skippable) {
			/* a skippable frame: a whole index frame of the data frame before it is
			 * passed over; anything else is the sequential reader's (which checks an
			 * index frame the same way, and says what is wrong with it) */
			if (fw->mem) {
				at = fw->mem + fw->scan;
			} else if (n > 8 + SCF_FIDX_PAYLOAD_MAX ||
				   (n > fw->skip_cap &&
				    grow((void **)&fw->skip, &fw->skip_cap, n, 1)) ||
				   !read_at(fw->fd, fw->scan, fw->skip, n)) {
				fw->scan_bad = fw->scan_end = true;
				break;
			} else {
				at = fw->skip;
			}
			if (!index_frame_ok(fw, at, n)) {
				fw->scan_bad = fw->scan_end = true;
				break;
			}
			fw->scan += n;
			fw->last_known = false;
			continue;
		}
		j->cptr = fw->mem ? fw->mem + fw->scan : NULL; /* NULL: the worker reads it */
		j->cstart = fw->scan;
		j->clen = n;
		fw->last_cstart = fw->scan;
		fw->last_clen = n;
		fw->last_known = true;
		fw->scan += n;
		pthread_mutex_lock(&fw->lock);
		j->state = JOB_QUEUED;
		fw->next_fill++;
		pthread_mutex_unlock(&fw->lock);
		queued = true;
	}
	if (queued) {
		pthread_mutex_lock(&fw->lock);
		pthread_cond_broadcast(&fw->work_cv);
		pthread_mutex_unlock(&fw->lock);
	}
}

/* ---- API (format_internal.h) ---------------------------------------------------------------- */

void scf_fw__free(struct scf_fw *fw)
{
	if (!fw)
		return;
	pthread_mutex_lock(&fw->lock);
	fw->stop = true;
	pthread_cond_broadcast(&fw->work_cv);
	pthread_mutex_unlock(&fw->lock);
	for (unsigned int i = 0; i < fw->started; i++)
		pthread_join(fw->threads[i], NULL);
	for (unsigned int i = 0; fw->jobs && i < fw->njobs; i++) {
		free(fw->jobs[i].cbuf);
		free(fw->jobs[i].dbuf);
		free(fw->jobs[i].ubuf);
		free(fw->jobs[i].ents);
	}
	free(fw->jobs);
	free(fw->threads);
	free(fw->skip);
	pthread_cond_destroy(&fw->work_cv);
	pthread_cond_destroy(&fw->done_cv);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

struct scf_fw *scf_fw__new(int fd, const void *mem, uint64_t size, unsigned int nthreads)
{
	struct scf_fw *fw = calloc(1, sizeof(*fw));

	if (!fw)
		return NULL;
	fw->fd = fd;
	fw->mem = mem;
	fw->size = size;
	fw->nthreads = nthreads;
	pthread_mutex_init(&fw->lock, NULL);
	pthread_cond_init(&fw->work_cv, NULL);
	pthread_cond_init(&fw->done_cv, NULL);
	/* one frame handed out, one decoding per thread: each holds its compressed and
	 * decompressed bytes, its records' plain forms and their index (about 4.5 times the
	 * decompressed size for small records: 18 MiB for a 4 MiB frame) */
	fw->njobs = nthreads + 1;
	fw->jobs = calloc(fw->njobs, sizeof(*fw->jobs));
	fw->threads = calloc(nthreads, sizeof(*fw->threads));
	if (!fw->jobs || !fw->threads)
		goto fail;
	for (; fw->started < nthreads; fw->started++)
		if (pthread_create(&fw->threads[fw->started], NULL, worker, fw))
			goto fail;
	return fw;
fail:
	scf_fw__free(fw);
	errno = ENOMEM;
	return NULL;
}

/* Hands cur's entry e out as a record; false when the sequential read would differ. */
static bool take(struct scf_fw *fw, const struct entry *e, struct scf_record *rec)
{
	const uint8_t *p;

	switch (e->kind) {
	case E_SHB:
		fw->have_shb = true;
		fw->nifaces = 0;
		return true;
	case E_IDB:
		if (!fw->have_shb || fw->nifaces == sizeof(fw->ifres))
			return false;
		fw->ifres[fw->nifaces++] = e->tsresol;
		return true;
	default:
		break;
	}
	if (e->iface >= fw->nifaces)
		return false;
	p = (e->unpacked ? fw->cur->ubuf : fw->cur->dbuf) + e->at;
	rec->type = e->type;
	rec->flags = e->flags;
	rec->len = e->len;
	rec->body_len = e->body_len;
	rec->body = p + sizeof(struct scf_rec_hdr);
	rec->items = rec->body + e->body_len;
	rec->items_len = (uint32_t)e->len - sizeof(struct scf_rec_hdr) - e->body_len;
	rec->ts_ns = fw->ifres[e->iface] == 9 ? e->raw_ts : e->raw_ts * 1000;
	rec->offset = fw->dbase + e->start;
	if (rec->type == SCF_REC_SECTION) {
		struct scf_section s;
		char msg[8];

		if (scf_record_body(rec, &s, sizeof(s), SCF_SECTION_MIN, msg, sizeof(msg)) ||
		    s.format_major != SCF_FORMAT_MAJOR)
			return false;
		if (fw->have_section)
			fw->section++;
		fw->have_section = true;
		fw->sec = s;
	} else if (!fw->have_section) {
		return false;
	}
	rec->section = fw->section;
	return true;
}

int scf_fw__next(struct scf_fw *fw, struct scf_record *rec)
{
	if (fw->failed)
		return SCF_FW_IRREGULAR;
	for (;;) {
		struct job *j = fw->cur;

		while (j && fw->pos < j->nents) {
			const struct entry *e = &j->ents[fw->pos++];

			if (!take(fw, e, rec)) {
				fw->failed = true;
				return SCF_FW_IRREGULAR;
			}
			if (e->kind == E_REC)
				return 1;
		}
		if (j && j->irregular) {
			fw->failed = true;
			return SCF_FW_IRREGULAR;
		}
		if (j) {
			pthread_mutex_lock(&fw->lock);
			j->state = JOB_FREE;
			fw->next_take++;
			pthread_mutex_unlock(&fw->lock);
			fw->cur = NULL;
		}
		fill(fw);
		if (fw->next_take == fw->next_fill) {
			/* every frame was handed out; the input ends past the index frames passed
			 * after the last one */
			fw->failed = true;
			if (!fw->scan_bad)
				fw->consumed = fw->scan;
			return fw->scan_bad || !fw->have_section ? SCF_FW_IRREGULAR : 0;
		}
		j = &fw->jobs[fw->next_take % fw->njobs];
		pthread_mutex_lock(&fw->lock);
		while (j->state != JOB_DONE)
			pthread_cond_wait(&fw->done_cv, &fw->lock);
		pthread_mutex_unlock(&fw->lock);
		fw->cur = j;
		fw->pos = 0;
		fw->dbase = fw->dnext;
		fw->dnext += j->dlen;
		fw->consumed = j->cstart + j->clen;
	}
}

const struct scf_section *scf_fw__section(const struct scf_fw *fw)
{
	return fw->have_section ? &fw->sec : NULL;
}

uint64_t scf_fw__input_offset(const struct scf_fw *fw)
{
	return fw->consumed;
}
