// SPDX-License-Identifier: BSD-2-Clause
/*
 * file_reader.c - reads spancap files: zstd frames -> pcapng blocks (libpcap) -> records.
 *
 * The pcapng layer is parsed by libpcap, fed through a stdio cookie stream so that libpcap
 * never sees the file itself: the cookie supplies plain bytes from the file, or the bytes of
 * zstd frames. A frame is decoded whole into one buffer before any of it is handed on, so
 * memory is bounded by the largest frame (SCF_FRAME_BYTES_MAX), not by the file, and what
 * libpcap sees is, per frame (FORMAT.md 2):
 *   - a frame that decoded whole with a matching checksum: all of it;
 *   - a frame cut short by the end of the file (a capture killed, a full disk): its whole
 *     pcapng blocks, found by walking their lengths, then the end (truncated);
 *   - a frame that fails to decode or whose checksum differs: nothing. The reader looks for
 *     the next zstd frame magic after that frame's start and resumes at the first frame that
 *     decodes whole and holds whole pcapng blocks (a section header first, when nothing was
 *     read yet), and reports the skipped region as a gap (scf_reader__next_gap()).
 *
 * Offsets in messages: "offset" is in the pcapng stream (the decompressed bytes), "compressed
 * offset" is in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "spancap_file.h"
#include "format_internal.h"

#define ZSTD_MAGIC 0xFD2FB528u
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_BOM 0x1A2B3C4Du
#define PCAPNG_BOM_SWAPPED 0x4D3C2B1Au
#define GAPS_MAX 16 /* skipped regions found but not yet taken by the caller */
#define SRC_BUF_SIZE (128u << 10)
#define FRAME_BUF_INITIAL (1u << 20)

struct scf_reader {
	/* source: a file descriptor or a memory buffer */
	int fd;
	const uint8_t *mem;
	uint64_t mem_len;
	uint64_t src_size; /* file size when known, else 0 */
	uint64_t src_pos;  /* bytes consumed from the source */
	bool src_eof;
	uint8_t peek[4];   /* the magic, read ahead from a descriptor (pipes cannot pread) */
	size_t peek_len, peek_pos;

	/* zstd */
	bool compressed;
	ZSTD_DCtx *dctx;
	uint8_t *inbuf; /* compressed bytes read from fd, not yet consumed */
	size_t in_len, in_pos;
	uint8_t *frame; /* decompressed bytes of the current (verified) frame */
	size_t frame_cap, frame_len, frame_pos;
	uint64_t frame_cstart; /* compressed offset where the frame being decoded started */
	bool src_done;	       /* no frame after the one handed out last (cut, or fatal error) */
	struct skip { uint64_t lead, from, to; uint32_t pcapng_len; } *skips; /* frames to pass */
	size_t nskips, skips_cap, skip_next;
	bool dpos_break;   /* cookie_read() ended early at a frame to skip */
	uint64_t last_cstart, last_cend; /* the data frame decoded last, for its index frame */
	bool last_known;
	uint64_t skipped;

	/* damaged regions skipped (FORMAT.md 2): gaps[gap_head .. +gap_ready) are ready for the
	 * caller, the gap_pending after them wait for a record past their pcapng offset */
	bool resyncing;	 /* between a damaged frame and the next good one */
	struct scf_gap gaps[GAPS_MAX];
	uint64_t gap_dpos[GAPS_MAX]; /* pcapng offset where the data after each gap starts */
	unsigned int gap_head, gap_ready, gap_pending;
	uint64_t last_ts; /* time of the last record returned */
	char why[160];	 /* what is wrong with the frame decode_frame() refused last */
	char gap_why[160]; /* ... with the first damaged frame of the open gap */

	/* the pcapng stream as libpcap sees it */
	FILE *fp;
	pcap_t *pcap;
	uint64_t dpos;	      /* bytes handed to the stdio stream */
	uint64_t block_start; /* offset where the block being read starts (end of the last one) */
	uint64_t next_block;  /* offset where the last block libpcap returned ends */
	bool stream_eof;      /* the cookie returned end of input */
	bool short_read;      /* ... in the middle of a read: the stream is truncated */
	int layer_err;	      /* a truncation or corruption found below libpcap */
	uint8_t first4[4];
	unsigned int first_len;

	/* records */
	int err; /* sticky */
	uint32_t section;
	bool have_section;
	struct scf_section sec;
	struct scf_ctx_table *ctx; /* per-thread contexts of this section (packed syscalls) */
	uint8_t *unpacked;	   /* the plain form of the last packed record */
	uint64_t records;
	char name[256];
	char errmsg[SCF_ERRMSG_MAX];

	/* scf_reader__set_threads(): fw reads while it can; seq then reads it all again */
	struct scf_fw *fw;
	struct scf_reader *seq;
};

__attribute__((format(printf, 3, 4))) static int fail(struct scf_reader *r, int err,
						     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err)
		return r->err;
	r->err = err;
	n = snprintf(r->errmsg, sizeof(r->errmsg), "%s: ", r->name);
	if (n < 0 || (size_t)n >= sizeof(r->errmsg))
		return err;
	va_start(ap, fmt);
	vsnprintf(r->errmsg + n, sizeof(r->errmsg) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

/* Like fail() but for the layers under libpcap: remembered, reported once libpcap stops. */
__attribute__((format(printf, 3, 4))) static void layer_fail(struct scf_reader *r, int err,
							    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->layer_err)
		return;
	r->layer_err = err;
	n = snprintf(r->errmsg, sizeof(r->errmsg), "%s: ", r->name);
	if (n < 0 || (size_t)n >= sizeof(r->errmsg))
		return;
	va_start(ap, fmt);
	vsnprintf(r->errmsg + n, sizeof(r->errmsg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Reads up to n source bytes into buf; returns bytes read, 0 at end, -errno. */
static ssize_t src_read(struct scf_reader *r, uint8_t *buf, size_t n)
{
	ssize_t k;

	if (r->mem) {
		uint64_t left = r->mem_len - r->src_pos;

		if (n > left)
			n = (size_t)left;
		memcpy(buf, r->mem + r->src_pos, n);
		r->src_pos += n;
		return (ssize_t)n;
	}
	if (r->peek_pos < r->peek_len) {
		size_t m = r->peek_len - r->peek_pos < n ? r->peek_len - r->peek_pos : n;

		memcpy(buf, r->peek + r->peek_pos, m);
		r->peek_pos += m;
		r->src_pos += m;
		return (ssize_t)m;
	}
	do
		k = read(r->fd, buf, n);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	r->src_pos += (uint64_t)k;
	return k;
}

/* Makes compressed input available; returns bytes available, 0 at end of file, -errno. */
static ssize_t fill_input(struct scf_reader *r)
{
	ssize_t k;

	if (r->in_pos < r->in_len)
		return (ssize_t)(r->in_len - r->in_pos);
	if (r->mem) {
		/* Memory sources are consumed in place. */
		uint64_t left = r->mem_len - r->src_pos;
		size_t n = left > SRC_BUF_SIZE ? SRC_BUF_SIZE : (size_t)left;

		r->inbuf = (uint8_t *)(r->mem + r->src_pos);
		r->src_pos += n;
		r->in_len = n;
		r->in_pos = 0;
		return (ssize_t)n;
	}
	k = src_read(r, r->inbuf, SRC_BUF_SIZE);
	if (k < 0)
		return k;
	r->in_len = (size_t)k;
	r->in_pos = 0;
	return k;
}

static uint64_t compressed_pos(const struct scf_reader *r)
{
	return r->src_pos - (r->in_len - r->in_pos);
}

/*
 * Moves the input to compressed offset pos: 0, or -ESPIPE for a source that cannot seek (a
 * pipe), which stays where it is.
 */
static int src_seek(struct scf_reader *r, uint64_t pos)
{
	if (r->mem) {
		if (pos > r->mem_len)
			pos = r->mem_len;
	} else if (!r->src_size || lseek(r->fd, (off_t)pos, SEEK_SET) < 0) {
		return -ESPIPE;
	}
	r->src_pos = pos;
	r->in_len = r->in_pos = 0;
	r->peek_pos = r->peek_len;
	return 0;
}

static uint32_t bswap32_if(uint32_t v, bool swap)
{
	return swap ? __builtin_bswap32(v) : v;
}

/*
 * Length of the longest prefix of p[0..n) made of whole pcapng blocks: each block's length
 * is at least 12, a multiple of 4, within the data, and repeated in its last 4 bytes.
 * spancap writes little-endian sections; a section header says when one is not. *count
 * gets the number of blocks and *first_type the type of the first one (0 when none).
 */
static size_t whole_blocks(const uint8_t *p, size_t n, size_t *count, uint32_t *first_type)
{
	bool swap = false;
	size_t off = 0;

	*count = 0;
	*first_type = 0;
	while (n - off >= 12) {
		uint32_t type = scf_get32(p + off), len;

		if (type == PCAPNG_SHB) {
			uint32_t bom = scf_get32(p + off + 8);

			if (bom != PCAPNG_BOM && bom != PCAPNG_BOM_SWAPPED)
				break;
			swap = bom == PCAPNG_BOM_SWAPPED;
		}
		len = bswap32_if(scf_get32(p + off + 4), swap);
		if (len < 12 || len % 4 || len > n - off ||
		    bswap32_if(scf_get32(p + off + len - 4), swap) != len)
			break;
		if (!*count)
			*first_type = bswap32_if(type, swap);
		off += len;
		(*count)++;
	}
	return off;
}

enum frame_result {
	FRAME_WHOLE = 1,   /* decoded whole, checksum matched */
	FRAME_NONE = 0,	   /* clean end of input before any frame */
	FRAME_CUT = 2,	   /* the input ends inside the frame */
	FRAME_BAD = -1,	   /* fails to decode, checksum differs, or too large: r->why says */
	FRAME_FATAL = -2,  /* the environment failed (read error, memory): layer_err is set */
};

/*
 * Decodes the zstd frame that starts at compressed offset r->frame_cstart into r->frame;
 * magic, when set, holds its 4 magic bytes that the input has already passed. Skippable
 * frames on the way decode to nothing and are passed over.
 */
static enum frame_result decode_frame(struct scf_reader *r, bool magic)
{
	static const uint8_t magic_bytes[4] = { 0x28, 0xB5, 0x2F, 0xFD };
	bool started = magic;

	r->frame_len = 0;
	r->frame_pos = 0;
	ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	if (magic) {
		ZSTD_inBuffer in = { magic_bytes, sizeof(magic_bytes), 0 };
		ZSTD_outBuffer out = { r->frame, r->frame_cap, 0 };
		size_t ret = ZSTD_decompressStream(r->dctx, &out, &in);

		if (ZSTD_isError(ret) || in.pos != in.size) {
			snprintf(r->why, sizeof(r->why), "its header is refused: %s",
				 ZSTD_isError(ret) ? ZSTD_getErrorName(ret) : "magic not taken");
			return FRAME_BAD;
		}
	}
	for (;;) {
		ZSTD_inBuffer in;
		ZSTD_outBuffer out;
		ssize_t avail = fill_input(r);
		size_t ret;

		if (avail < 0) {
			layer_fail(r, (int)avail, "read error at compressed offset %" PRIu64 ": %s",
				   compressed_pos(r), strerror((int)-avail));
			return FRAME_FATAL;
		}
		if (avail == 0)
			return started ? FRAME_CUT : FRAME_NONE;
		started = true;
		if (r->frame_len == r->frame_cap) {
			size_t ncap = r->frame_cap * 2;
			uint8_t *nf;

			if (r->frame_cap >= SCF_FRAME_BYTES_MAX) {
				snprintf(r->why, sizeof(r->why),
					 "it decompresses to more than %u bytes, the most a "
					 "spancap frame holds",
					 SCF_FRAME_BYTES_MAX);
				return FRAME_BAD;
			}
			nf = realloc(r->frame, ncap);
			if (!nf) {
				layer_fail(r, -ENOMEM, "out of memory for a %zu-byte frame", ncap);
				return FRAME_FATAL;
			}
			r->frame = nf;
			r->frame_cap = ncap;
		}
		in = (ZSTD_inBuffer){ r->inbuf, r->in_len, r->in_pos };
		out = (ZSTD_outBuffer){ r->frame, r->frame_cap, r->frame_len };
		ret = ZSTD_decompressStream(r->dctx, &out, &in);
		r->in_pos = in.pos;
		r->frame_len = out.pos;
		if (ZSTD_isError(ret)) {
			snprintf(r->why, sizeof(r->why), "it fails to decode: %s",
				 ZSTD_getErrorName(ret));
			return FRAME_BAD;
		}
		if (ret == 0) {
			/* Frame complete, checksum verified; skippable frames decode to nothing. */
			if (r->frame_len)
				return FRAME_WHOLE;
			started = false;
			r->frame_cstart = compressed_pos(r);
		}
	}
}

/*
 * Looks for the next zstd frame magic at or after compressed offset from (a pipe: after the
 * current position) and leaves the input just past it, with r->frame_cstart at it. Returns 1,
 * 0 at the end of the input, -1 after a read error (layer_err set).
 */
static int find_magic(struct scf_reader *r, uint64_t from)
{
	uint32_t win = 0;

	src_seek(r, from); /* a pipe stays where it is: only magics at from or later count */
	for (;;) {
		ssize_t avail = fill_input(r);

		if (avail < 0) {
			layer_fail(r, (int)avail, "read error at compressed offset %" PRIu64 ": %s",
				   compressed_pos(r), strerror((int)-avail));
			return -1;
		}
		if (avail == 0)
			return 0;
		while (r->in_pos < r->in_len) {
			uint64_t end;

			win = (win >> 8) | ((uint32_t)r->inbuf[r->in_pos++] << 24);
			end = compressed_pos(r);
			if (win == ZSTD_MAGIC && end >= from + 4) {
				r->frame_cstart = end - 4;
				return 1;
			}
		}
	}
}

/* A frame found after damage is taken only when it holds whole pcapng blocks, and starts
 * with a section header when nothing was read before it (libpcap needs one first). */
static bool frame_fits(const struct scf_reader *r, size_t len)
{
	size_t count;
	uint32_t first;

	return whole_blocks(r->frame, len, &count, &first) == len && count &&
	       (r->dpos || first == PCAPNG_SHB);
}

/*
 * The damage of the frame at r->frame_cstart opens a gap (or extends the open one). False
 * when GAPS_MAX gaps wait already for libpcap to read past them: so much damage so close
 * together ends the reading.
 */
static bool gap_open(struct scf_reader *r)
{
	unsigned int n = r->gap_ready + r->gap_pending;
	struct scf_gap *g;

	if (r->resyncing)
		return true;
	if (n == GAPS_MAX) {
		if (!r->gap_ready)
			return false;
		/* forget the oldest gap the caller did not take */
		r->gap_head = (r->gap_head + 1) % GAPS_MAX;
		r->gap_ready--;
		n--;
	}
	r->resyncing = true;
	g = &r->gaps[(r->gap_head + n) % GAPS_MAX];
	memset(g, 0, sizeof(*g));
	g->offset = r->frame_cstart;
	snprintf(r->gap_why, sizeof(r->gap_why), "%s", r->why);
	r->gap_dpos[(r->gap_head + n) % GAPS_MAX] = r->dpos;
	return true;
}

/* Reading resumes at the frame at r->frame_cstart: the open gap ends there. */
static void gap_close(struct scf_reader *r, const char *what)
{
	unsigned int i = (r->gap_head + r->gap_ready + r->gap_pending) % GAPS_MAX;
	struct scf_gap *g = &r->gaps[i];
	int n;

	r->resyncing = false;
	g->end_offset = r->frame_cstart;
	n = snprintf(g->msg, sizeof(g->msg),
		     "%s: corrupt: compressed bytes %" PRIu64 " to %" PRIu64
		     " skipped (the zstd frame at compressed offset %" PRIu64
		     ": %s); reading resumed at the %s frame at compressed offset %" PRIu64,
		     r->name, g->offset, g->end_offset, g->offset, r->gap_why, what,
		     g->end_offset);
	if (n < 0 || (size_t)n >= sizeof(g->msg)) /* a long file name: the message is cut */
		g->msg[sizeof(g->msg) - 1] = 0;
	r->gap_pending++;
}

/* Past pcapng offset dpos: the pending gaps before it become ready, at time ts (0: end). */
static void gaps_reached(struct scf_reader *r, uint64_t dpos, uint64_t ts)
{
	while (r->gap_pending) {
		unsigned int i = (r->gap_head + r->gap_ready) % GAPS_MAX;

		if (r->gap_dpos[i] > dpos)
			break;
		r->gaps[i].last_ts_ns = r->last_ts;
		r->gaps[i].next_ts_ns = ts;
		r->gap_pending--;
		r->gap_ready++;
		/* packed records after the gap may not refer to what it held (FORMAT.md 5.10) */
		scf_ctx_table_reset(r->ctx);
	}
}

int scf_reader__next_gap(struct scf_reader *r, struct scf_gap *gap)
{
	if (r->seq)
		return scf_reader__next_gap(r->seq, gap);
	if (!r->gap_ready)
		return 0;
	*gap = r->gaps[r->gap_head];
	r->gap_head = (r->gap_head + 1) % GAPS_MAX;
	r->gap_ready--;
	return 1;
}

/* No frame after the damaged one decodes: the reading ends at the open gap. */
static int fail_unreadable(struct scf_reader *r)
{
	unsigned int open = (r->gap_head + r->gap_ready + r->gap_pending) % GAPS_MAX;
	const struct scf_gap *g = &r->gaps[open];

	layer_fail(r, -EBADMSG,
		   "corrupt: the zstd frame at compressed offset %" PRIu64
		   " (pcapng offset %" PRIu64 ") is damaged: %s; no later frame decodes, the "
		   "rest of the file is unreadable",
		   g->offset, r->dpos, r->gap_why);
	r->src_done = true;
	return -1;
}

/* The input ends inside the frame at r->frame_cstart, after count whole blocks (whole bytes). */
static void fail_cut(struct scf_reader *r, size_t count, size_t whole)
{
	if (count)
		layer_fail(r, -ENODATA,
			   "truncated: the zstd frame at compressed offset %" PRIu64
			   " (pcapng offset %" PRIu64 ") ends early at compressed offset %" PRIu64
			   " (end of file); the %zu whole pcapng blocks it began with were read "
			   "(no checksum covers them), records from pcapng offset %" PRIu64
			   " on are missing",
			   r->frame_cstart, r->dpos, compressed_pos(r), count, r->dpos + whole);
	else
		layer_fail(r, -ENODATA,
			   "truncated: the zstd frame at compressed offset %" PRIu64
			   " (pcapng offset %" PRIu64 ") ends early at compressed offset %" PRIu64
			   " (end of file), before its first whole pcapng block; records from that "
			   "frame on are missing",
			   r->frame_cstart, r->dpos, compressed_pos(r));
	r->src_done = true;
}

/*
 * Makes at least n bytes of compressed input (n <= SRC_BUF_SIZE) available at r->in_pos.
 * Returns the bytes available (fewer at the end of the input) or a negative errno.
 */
static ssize_t input_ensure(struct scf_reader *r, size_t n)
{
	size_t avail = r->in_len - r->in_pos;

	if (avail >= n)
		return (ssize_t)avail;
	if (r->mem) {
		uint64_t left = r->mem_len - r->src_pos;
		size_t add = n - avail < left ? n - avail : (size_t)left;

		if (!avail) {
			r->inbuf = (uint8_t *)(r->mem + r->src_pos);
			r->in_len = r->in_pos = 0;
		}
		r->in_len += add;
		r->src_pos += add;
		return (ssize_t)(r->in_len - r->in_pos);
	}
	memmove(r->inbuf, r->inbuf + r->in_pos, avail);
	r->in_len = avail;
	r->in_pos = 0;
	while (r->in_len < n) {
		ssize_t k = src_read(r, r->inbuf + r->in_len, SRC_BUF_SIZE - r->in_len);

		if (k < 0)
			return k;
		if (k == 0)
			break;
		r->in_len += (size_t)k;
	}
	return (ssize_t)r->in_len;
}

/* Copies n bytes of compressed input into buf: 0, -ENODATA at the end of input, -errno. */
static int input_take(struct scf_reader *r, uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t avail = input_ensure(r, 1);
		size_t k;

		if (avail <= 0)
			return avail < 0 ? (int)avail : -ENODATA;
		k = (size_t)avail < n ? (size_t)avail : n;
		memcpy(buf, r->inbuf + r->in_pos, k);
		r->in_pos += k;
		buf += k;
		n -= k;
	}
	return 0;
}

/*
 * An index frame (FORMAT.md 7) at the input: zstd would pass over it unchecked, and a damaged
 * length would swallow the frames after it without a word; so it is read and checked here,
 * then passed over. Returns 2 when one was passed, 0 when none is here, 1 when it is damaged
 * (r->why says how; its start is r->frame_cstart), -1 when the input ends inside it or fails
 * (layer_err set).
 */
static int pass_index_frame(struct scf_reader *r)
{
	struct scf_fidx_entry e;
	uint64_t start = compressed_pos(r), need;
	ssize_t avail = input_ensure(r, 8);
	char msg[140];
	uint8_t *buf;
	uint32_t len;
	int ret;

	if (avail < 0) {
		layer_fail(r, (int)avail, "read error at compressed offset %" PRIu64 ": %s", start,
			   strerror((int)-avail));
		r->src_done = true;
		return -1;
	}
	if (avail < 8 || scf_get32(r->inbuf + r->in_pos) != SCF_FIDX_MAGIC)
		return 0;
	len = scf_get32(r->inbuf + r->in_pos + 4);
	if (len > SCF_FIDX_PAYLOAD_MAX || len < 84) {
		snprintf(r->why, sizeof(r->why), "an index frame (no record) of %u bytes, %s", len,
			 len < 84 ? "less than its fixed part" : "more than any");
		return 1;
	}
	buf = malloc(len);
	if (!buf) {
		layer_fail(r, -ENOMEM, "out of memory for an index frame of %u bytes", len);
		r->src_done = true;
		return -1;
	}
	r->in_pos += 8;
	/* the payload's counts give its length: a damaged length is caught here, before it
	 * could pass over the frames after it */
	ret = input_take(r, buf, 80);
	if (!ret) {
		need = (uint64_t)scf_get16(buf + 6) + 4ull * scf_get32(buf + 60) +
		       8ull * scf_get32(buf + 64) + 8ull * scf_get32(buf + 68) + 4;
		if (memcmp(buf, "SCIX", 4) || need != len) {
			free(buf);
			snprintf(r->why, sizeof(r->why),
				 "an index frame (no record) of %u bytes whose payload makes %" PRIu64,
				 len, need);
			return 1;
		}
		ret = input_take(r, buf + 80, len - 80);
	}
	if (ret) {
		free(buf);
		if (ret != -ENODATA)
			layer_fail(r, ret, "read error at compressed offset %" PRIu64 ": %s",
				   compressed_pos(r), strerror(-ret));
		else
			layer_fail(r, -ENODATA,
				   "truncated: the index frame at compressed offset %" PRIu64
				   " (pcapng offset %" PRIu64 ") ends early at compressed offset %" PRIu64
				   " (end of file); no record is missing",
				   start, r->dpos, compressed_pos(r));
		r->src_done = true;
		return -1;
	}
	ret = scf_fidx_parse(buf, len, &e, msg, sizeof(msg));
	free(buf);
	if (ret) {
		scf_errf(r->why, sizeof(r->why), "an index frame (no record): %s", msg);
		return 1;
	}
	if (r->last_known && (e.offset != r->last_cstart ||
			      e.csize != r->last_cend - r->last_cstart)) {
		snprintf(r->why, sizeof(r->why),
			 "an index frame (no record) for a frame at compressed offset %" PRIu64
			 " of %" PRIu64
			 " bytes follows the one at %" PRIu64 " of %" PRIu64,
			 e.offset, e.csize, r->last_cstart, r->last_cend - r->last_cstart);
		scf_fidx_entry_release(&e);
		return 1;
	}
	scf_fidx_entry_release(&e);
	r->last_known = false;
	return 2;
}

/*
 * Passes over the frame at r->frame_cstart when the caller asked to skip it (an index said
 * it holds nothing the caller wants): true when the input moved.
 */
static bool skip_here(struct scf_reader *r)
{
	const struct skip *s;

	while (r->skip_next < r->nskips && r->skips[r->skip_next].from < r->frame_cstart)
		r->skip_next++;
	if (r->skip_next == r->nskips || r->skips[r->skip_next].from != r->frame_cstart)
		return false;
	s = &r->skips[r->skip_next++];
	if (src_seek(r, s->to))
		return false;
	r->frame_cstart = s->to;
	r->dpos += s->pcapng_len;
	r->last_known = false;
	r->skipped++;
	return true;
}

int scf_reader__skip_frame(struct scf_reader *r, const struct scf_fidx_entry *e)
{
	if (e->lead > e->offset || e->offset > UINT64_MAX - e->csize || !e->csize ||
	    (r->nskips && e->lead < r->skips[r->nskips - 1].to))
		return -EINVAL;
	if (r->nskips == r->skips_cap) {
		size_t ncap = r->skips_cap ? r->skips_cap * 2 : 64;
		struct skip *ns = realloc(r->skips, ncap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		r->skips = ns;
		r->skips_cap = ncap;
	}
	r->skips[r->nskips++] =
		(struct skip){ e->lead, e->offset, e->offset + e->csize, e->pcapng_len };
	return 0;
}

uint64_t scf_reader__frames_skipped(const struct scf_reader *r)
{
	return r->skipped;
}

/* Whether the next frame to read is one to skip (then cookie_read() ends its read first). */
static bool skip_next_is_here(struct scf_reader *r)
{
	uint64_t at = compressed_pos(r);

	while (r->skip_next < r->nskips && r->skips[r->skip_next].from < at &&
	       r->skips[r->skip_next].lead < at)
		r->skip_next++;
	return r->skip_next < r->nskips && r->skips[r->skip_next].lead == at;
}

/*
 * Makes the next frame's pcapng bytes r->frame[0..frame_len) (FORMAT.md 2). Returns 1 with
 * bytes to hand out, 0 at the end of the input, or -1 when nothing more can be read (layer_err
 * says why; a cut frame's whole blocks come before that, with r->src_done set).
 */
static int next_frame(struct scf_reader *r)
{
	bool magic = false;

	if (r->src_done)
		return -1;
	r->frame_cstart = compressed_pos(r);
	for (;;) {
		enum frame_result fr;
		size_t count, whole;
		uint32_t first;
		int found;

		if (!magic && !r->resyncing) {
			int ix;

			r->frame_cstart = compressed_pos(r);
			if (skip_here(r))
				continue;
			ix = pass_index_frame(r);
			if (ix == 2)
				continue;
			if (ix < 0)
				return -1;
			fr = ix == 1 ? FRAME_BAD : decode_frame(r, magic);
		} else {
			fr = decode_frame(r, magic);
		}
		if (fr == FRAME_WHOLE) {
			r->last_cstart = r->frame_cstart;
			r->last_cend = compressed_pos(r);
			r->last_known = true;
		}
		switch (fr) {
		case FRAME_WHOLE:
			if (r->resyncing && !frame_fits(r, r->frame_len))
				break; /* not where the writer ended a frame: look further */
			if (r->resyncing)
				gap_close(r, "next whole");
			return 1;
		case FRAME_NONE:
			return 0;
		case FRAME_CUT:
			whole = whole_blocks(r->frame, r->frame_len, &count, &first);
			if (r->resyncing && (!whole || !frame_fits(r, whole)))
				return fail_unreadable(r);
			if (r->resyncing)
				gap_close(r, "cut");
			fail_cut(r, count, whole);
			r->frame_len = whole;
			return whole ? 1 : -1;
		case FRAME_BAD:
			break;
		case FRAME_FATAL:
		default:
			r->src_done = true;
			return -1;
		}
		/* Damaged: skip to the next frame magic after this frame's start. */
		if (!gap_open(r)) {
			layer_fail(r, -EBADMSG,
				   "corrupt: the zstd frame at compressed offset %" PRIu64
				   " (pcapng offset %" PRIu64 ") is damaged: %s; it is the %uth damaged "
				   "frame before a record after the first was read: the rest of the "
				   "file is not read",
				   r->frame_cstart, r->dpos, r->why, GAPS_MAX + 1);
			r->src_done = true;
			return -1;
		}
		found = find_magic(r, r->frame_cstart + 1);
		if (found < 0) {
			r->src_done = true;
			return -1;
		}
		if (!found)
			return fail_unreadable(r);
		magic = true;
	}
}

/* stdio cookie: the pcapng stream as libpcap reads it. */
static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	struct scf_reader *r = cookie;
	size_t done = 0;

	while (done < size) {
		size_t n;

		if (r->compressed) {
			if (r->frame_pos == r->frame_len) {
				/*
				 * A skip moves the pcapng offset: the stdio buffer must hold no byte
				 * from before it, so that ftell() stays exact for every record.
				 */
				if (done && r->nskips && !r->src_done && skip_next_is_here(r)) {
					r->dpos_break = true;
					break;
				}
				/* libpcap's open reads the header (frame 0) only: the frames after
				 * it may still be skipped (scf_reader__skip_frame()) */
				if (done && !r->pcap)
					break;
				if (r->stream_eof || next_frame(r) != 1) {
					/* A frame that did not complete gives nothing. */
					r->frame_len = r->frame_pos = 0;
					r->stream_eof = true;
					break;
				}
			}
			n = r->frame_len - r->frame_pos;
			if (n > size - done)
				n = size - done;
			memcpy(buf + done, r->frame + r->frame_pos, n);
			r->frame_pos += n;
		} else {
			ssize_t k = r->stream_eof ? 0 : src_read(r, (uint8_t *)buf + done, size - done);

			if (k < 0) {
				layer_fail(r, (int)k, "read error at offset %" PRIu64 ": %s",
					   r->dpos, strerror((int)-k));
				r->stream_eof = true;
				break;
			}
			if (k == 0) {
				r->stream_eof = true;
				break;
			}
			n = (size_t)k;
		}
		if (r->first_len < 4) {
			size_t c = 4 - r->first_len < n ? 4 - r->first_len : n;

			memcpy(r->first4 + r->first_len, buf + done, c);
			r->first_len += (unsigned int)c;
		}
		done += n;
		r->dpos += n;
	}
	if (done && done < size && !r->dpos_break)
		r->short_read = true;
	r->dpos_break = false;
	return (ssize_t)done;
}

/*
 * stdio asks the cookie where it is to answer ftell(); that is the only seek it supports, so
 * ftell(r->fp) gives the exact pcapng offset libpcap has consumed, buffering included.
 */
static int cookie_seek(void *cookie, off64_t *off, int whence)
{
	struct scf_reader *r = cookie;

	if (whence != SEEK_CUR || *off != 0) {
		errno = ESPIPE;
		return -1;
	}
	*off = (off64_t)r->dpos;
	return 0;
}

static const cookie_io_functions_t reader_io = { .read = cookie_read, .seek = cookie_seek };

/* Offset libpcap has consumed in the pcapng stream. */
static uint64_t stream_pos(struct scf_reader *r)
{
	long pos = ftell(r->fp);

	return pos < 0 ? r->dpos : (uint64_t)pos;
}

static struct scf_reader *reader_new(const char *name, char *err, size_t errlen)
{
	struct scf_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		scf_errf(err, errlen, "%s: out of memory", name);
		errno = ENOMEM;
		return NULL;
	}
	r->fd = -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->ctx = calloc(1, sizeof(*r->ctx));
	r->unpacked = malloc(SCF_REC_MAX);
	if (!r->ctx || !r->unpacked) {
		scf_errf(err, errlen, "%s: out of memory", name);
		scf_reader__free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

/* Common part of open: detect compression, set up zstd and libpcap. */
static int reader_start(struct scf_reader *r, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	uint8_t magic[4];
	uint32_t m;
	ssize_t k;

	/* Peek the magic without consuming it. */
	if (r->mem) {
		k = r->mem_len < 4 ? (ssize_t)r->mem_len : 4;
		memcpy(magic, r->mem, (size_t)k);
	} else {
		/* Read ahead (a pipe cannot pread); src_read() hands these bytes out first. */
		k = 0;
		while (k < 4) {
			ssize_t got = read(r->fd, r->peek + k, 4 - (size_t)k);

			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				scf_errf(err, errlen, "%s: cannot read: %s", r->name, strerror(errno));
				return -errno;
			}
			if (got == 0)
				break;
			k += got;
		}
		r->peek_len = (size_t)k;
		memcpy(magic, r->peek, (size_t)k);
	}
	if (k == 0) {
		scf_errf(err, errlen, "%s: empty file: no spancap data", r->name);
		return -ENODATA;
	}
	if (k < 4) {
		scf_errf(err, errlen, "%s: truncated: %zd bytes, too short for any header", r->name,
			 k);
		return -ENODATA;
	}
	m = scf_get32(magic);
	if (m == ZSTD_MAGIC) {
		r->compressed = true;
		r->dctx = ZSTD_createDCtx();
		r->frame = malloc(FRAME_BUF_INITIAL);
		r->frame_cap = FRAME_BUF_INITIAL;
		if (!r->mem)
			r->inbuf = malloc(SRC_BUF_SIZE);
		if (!r->dctx || !r->frame || (!r->mem && !r->inbuf)) {
			scf_errf(err, errlen, "%s: out of memory", r->name);
			return -ENOMEM;
		}
	} else if (m != PCAPNG_SHB) {
		scf_errf(err, errlen,
			 "%s: not a spancap file: starts with %02x %02x %02x %02x, neither a zstd frame nor a pcapng section header",
			 r->name, magic[0], magic[1], magic[2], magic[3]);
		return -EBADMSG;
	}

	r->fp = fopencookie(r, "r", reader_io);
	if (!r->fp) {
		scf_errf(err, errlen, "%s: fopencookie: %s", r->name, strerror(errno));
		return -errno;
	}
	setvbuf(r->fp, NULL, _IOFBF, 64u << 10);
	/* One thread reads a reader: stdio need not lock around libpcap's two freads a block. */
	__fsetlocking(r->fp, FSETLOCKING_BYCALLER);
	pcap_err[0] = 0;
	r->pcap = pcap_fopen_offline_with_tstamp_precision(r->fp, PCAP_TSTAMP_PRECISION_NANO,
							   pcap_err);
	if (!r->pcap) {
		int ret = r->layer_err ? r->layer_err : r->short_read ? -ENODATA : -EBADMSG;

		if (r->layer_err)
			scf_errf(err, errlen, "%s", r->errmsg);
		else if (r->first_len == 4 && scf_get32(r->first4) != PCAPNG_SHB)
			scf_errf(err, errlen,
				 "%s: not a spancap file: the %s stream is not pcapng", r->name,
				 r->compressed ? "decompressed" : "");
		else
			scf_errf(err, errlen, "%s: %s pcapng section header at offset 0: %s",
				 r->name, ret == -ENODATA ? "truncated" : "bad", pcap_err);
		/* libpcap did not take ownership of the stream. */
		fclose(r->fp);
		r->fp = NULL;
		return ret;
	}
	if (r->first_len == 4 && scf_get32(r->first4) != PCAPNG_SHB) {
		scf_errf(err, errlen, "%s: not a spancap file: a pcap file, not pcapng", r->name);
		return -EBADMSG;
	}
	if (pcap_datalink(r->pcap) != SCF_LINKTYPE) {
		scf_errf(err, errlen,
			 "%s: not a spancap file: link type %d, spancap records use %d (USER0)",
			 r->name, pcap_datalink(r->pcap), SCF_LINKTYPE);
		return -EBADMSG;
	}
	return 0;
}

static struct scf_reader *reader_open_fail(struct scf_reader *r, int ret)
{
	scf_reader__free(r);
	errno = -ret;
	return NULL;
}

struct scf_reader *scf_reader__open(const char *path, char *err, size_t errlen)
{
	struct scf_reader *r = reader_new(path, err, errlen);
	struct stat st;
	int ret;

	if (!r)
		return NULL;
	/* "-" is standard input, for `spancap -w - | spancap-analyze info -`. */
	r->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC)
				  : fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0) {
		ret = -errno;
		scf_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return reader_open_fail(r, ret);
	}
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		scf_errf(err, errlen, "%s: is a directory", path);
		return reader_open_fail(r, -EISDIR);
	}
	if (S_ISREG(st.st_mode))
		r->src_size = (uint64_t)st.st_size;
	ret = reader_start(r, err, errlen);
	if (ret)
		return reader_open_fail(r, ret);
	return r;
}

struct scf_reader *scf_reader__open_mem(const void *buf, size_t len, const char *name, char *err,
					size_t errlen)
{
	struct scf_reader *r = reader_new(name ? name : "(memory)", err, errlen);
	int ret;

	if (!r)
		return NULL;
	r->mem = buf;
	r->mem_len = len;
	r->src_size = len;
	ret = reader_start(r, err, errlen);
	if (ret)
		return reader_open_fail(r, ret);
	return r;
}

/* Accepts a section record: the format version must be one this reader knows. */
static int take_section(struct scf_reader *r, const struct scf_record *rec)
{
	char msg[256];
	struct scf_section s;

	if (scf_record_body(rec, &s, sizeof(s), SCF_SECTION_MIN, msg, sizeof(msg)))
		return fail(r, -EBADMSG, "corrupt: %s", msg);
	if (s.format_major != SCF_FORMAT_MAJOR)
		return fail(r, -EPROTONOSUPPORT,
			    "section at offset %" PRIu64 " uses format version %u.%u; this reader "
			    "reads version %u.x only",
			    rec->offset, s.format_major, s.format_minor, SCF_FORMAT_MAJOR);
	if (r->have_section)
		r->section++;
	r->have_section = true;
	r->sec = s;
	scf_ctx_table_reset(r->ctx); /* packed records refer only to their own section */
	return 0;
}

/* Hands a packed syscall record out as the plain SYSCALL record it stands for. */
static int unpack_syscall(struct scf_reader *r, struct scf_record *rec)
{
	char msg[256];
	int len = scf_syscall_unpack(r->ctx, rec, r->unpacked, SCF_REC_MAX, msg, sizeof(msg));

	if (len < 0)
		return fail(r, -EBADMSG, "corrupt: record at offset %" PRIu64 ": %s", rec->offset,
			    msg);
	rec->type = SCF_REC_SYSCALL;
	rec->flags &= SCF_PACKED_F_SYSCALL_MASK;
	rec->len = (uint16_t)len;
	rec->body_len = sizeof(struct scf_syscall);
	rec->body = r->unpacked + sizeof(struct scf_rec_hdr);
	rec->items = rec->body + sizeof(struct scf_syscall);
	return 0;
}

int scf_reader__set_threads(struct scf_reader *r, unsigned int n)
{
	if (!n || !r->compressed || !r->src_size || r->records || r->fw || r->seq)
		return 0;
	r->fw = scf_fw__new(r->fd, r->mem, r->src_size, n);
	return r->fw ? 0 : -ENOMEM;
}

/*
 * The threads stopped after r->records records: a new sequential reader of the same input
 * reads from its start and passes over those. The records it passes over are the ones the
 * threads returned (the threads stop at the first thing they would read differently).
 */
static int read_on_sequentially(struct scf_reader *r)
{
	struct scf_record skip;
	struct scf_reader *s;
	int ret;

	scf_fw__free(r->fw);
	r->fw = NULL;
	s = reader_new(r->name, NULL, 0);
	if (!s)
		return fail(r, -ENOMEM, "out of memory for a second reader");
	if (r->mem) {
		s->mem = r->mem;
		s->mem_len = r->mem_len;
	} else {
		s->fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
		if (s->fd < 0 || lseek(s->fd, 0, SEEK_SET) < 0) {
			scf_reader__free(s);
			return fail(r, -errno, "cannot read the file again: %s", strerror(errno));
		}
	}
	s->src_size = r->src_size;
	ret = reader_start(s, s->errmsg, sizeof(s->errmsg));
	if (ret) {
		s->err = ret;
		r->seq = s;
		return ret;
	}
	r->seq = s;
	for (uint64_t i = 0; i < r->records; i++) {
		ret = scf_reader__next(s, &skip);
		if (ret != 1)
			return ret ? ret : fail(r, -EIO, "the file changed while it was read");
	}
	return 0;
}

int scf_reader__next(struct scf_reader *r, struct scf_record *rec)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	char msg[256];
	int ret;

	if (r->err)
		return r->err;
	if (r->fw) {
		ret = scf_fw__next(r->fw, rec);
		if (ret == 1) {
			r->records++;
			r->last_ts = rec->ts_ns;
			return 1;
		}
		if (ret == 0)
			return 0;
		ret = read_on_sequentially(r);
		if (ret)
			return ret;
	}
	if (r->seq) {
		ret = scf_reader__next(r->seq, rec);
		if (ret == 1)
			r->records++;
		return ret;
	}
	r->block_start = r->next_block;
	ret = pcap_next_ex(r->pcap, &h, &data);
	if (ret != 1)
		gaps_reached(r, UINT64_MAX, 0); /* nothing follows them */
	if (ret == PCAP_ERROR_BREAK) {
		/* libpcap saw the end of the stream at a block boundary. */
		if (r->layer_err)
			return r->err = r->layer_err; /* errmsg already says why */
		if (!r->have_section)
			return fail(r, -ENODATA,
				    "truncated: the file ends at offset %" PRIu64
				    " before its first record",
				    r->dpos);
		return 0;
	}
	if (ret != 1) {
		const char *why = pcap_geterr(r->pcap);

		if (r->layer_err)
			return r->err = r->layer_err;
		if (r->short_read || r->stream_eof)
			return fail(r, -ENODATA,
				    "truncated: the pcapng data after offset %" PRIu64
				    " is cut short at offset %" PRIu64 " (%s)",
				    r->block_start, r->dpos, why);
		return fail(r, -EBADMSG, "corrupt: pcapng block at or after offset %" PRIu64 ": %s",
			    r->block_start, why);
	}
	if (h->caplen != h->len)
		return fail(r, -EBADMSG,
			    "corrupt: the block at or after offset %" PRIu64
			    " holds %u of %u record bytes (records are never cut)",
			    r->block_start, h->caplen, h->len);
	if (scf_record_parse(data, h->caplen, rec, msg, sizeof(msg)))
		return fail(r, -EBADMSG, "corrupt: record at or after offset %" PRIu64 ": %s",
			    r->block_start, msg);
	rec->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	/*
	 * libpcap skips other blocks (section and interface headers) on its own, so the EPB
	 * start is found back from its end: 28-byte header, padded data, 4-byte trailer (spancap
	 * writes no EPB options).
	 */
	r->next_block = stream_pos(r);
	rec->offset = r->next_block - (32 + (((uint64_t)h->caplen + 3) & ~3ull));
	if (r->gap_pending)
		gaps_reached(r, rec->offset, rec->ts_ns);
	if (rec->type == SCF_REC_SECTION) {
		ret = take_section(r, rec);
		if (ret)
			return ret;
	} else if (!r->have_section) {
		return fail(r, -EBADMSG,
			    "corrupt: the first record, at offset %" PRIu64
			    ", is a %s record; a section record must come first",
			    rec->offset, scf_rec_type_name(rec->type));
	} else if (rec->type == SCF_REC_SYSCALL_PACKED) {
		ret = unpack_syscall(r, rec);
		if (ret)
			return ret;
	}
	rec->section = r->section;
	r->records++;
	r->last_ts = rec->ts_ns;
	return 1;
}

const char *scf_reader__errmsg(const struct scf_reader *r)
{
	return r->seq && !r->err ? scf_reader__errmsg(r->seq) : r->errmsg;
}

const struct scf_section *scf_reader__section(const struct scf_reader *r)
{
	if (r->seq)
		return scf_reader__section(r->seq);
	if (r->fw)
		return scf_fw__section(r->fw);
	return r->have_section ? &r->sec : NULL;
}

bool scf_reader__compressed(const struct scf_reader *r)
{
	return r->compressed;
}

uint64_t scf_reader__input_offset(const struct scf_reader *r)
{
	if (r->seq)
		return scf_reader__input_offset(r->seq);
	if (r->fw)
		return scf_fw__input_offset(r->fw);
	return r->compressed ? compressed_pos(r) : r->src_pos;
}

uint64_t scf_reader__input_size(const struct scf_reader *r)
{
	return r->src_size;
}

void scf_reader__free(struct scf_reader *r)
{
	if (!r)
		return;
	scf_fw__free(r->fw);
	scf_reader__free(r->seq);
	if (r->pcap)
		pcap_close(r->pcap); /* closes r->fp */
	else if (r->fp)
		fclose(r->fp);
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	if (!r->mem)
		free(r->inbuf);
	free(r->frame);
	free(r->skips);
	free(r->ctx);
	free(r->unpacked);
	free(r);
}
