// SPDX-License-Identifier: BSD-2-Clause
/*
 * file_writer.c - writes spancap files: pcapng blocks, optionally inside zstd frames.
 *
 * Records are framed as Enhanced Packet Blocks in a staging buffer; full staging buffers go to
 * the zstd stream (or straight to the file when uncompressed). A zstd frame ends at least every
 * frame_ns, after frame_bytes of pcapng data, at every section start and right after the
 * section's header (SHB, IDB, SECTION record), and at close; frames only ever end between
 * blocks: so a capture killed at any moment is readable up to its last finished frame, and a
 * reader takes from the frame that was cut every record drained to the file (zstd is flushed
 * at each drain of the staging buffer); a reader that holds back
 * a frame until it completes never holds more than frame_bytes. Packed records never refer
 * to an earlier frame (the context table is emptied as each frame opens), so a reader that
 * skips a damaged frame reads the next one right (FORMAT.md 2 and 5.10). After each frame of a
 * compressed file, an index frame (a zstd skippable frame) says what the frame holds, gathered
 * from the records as they are appended (frame_index.c, FORMAT.md 7).
 *
 * Compression may run on a thread of its own (scf_writer__compress_thread()): the caller then
 * fills the next staging buffer while the thread compresses and writes the ones handed over,
 * in order, with the same zstd calls on the same bytes as inline, so the file is the same byte
 * for byte. What the thread writes is published as it reaches the file (records_readable,
 * progress_readable, bytes_out); its first error is sticky as an inline one is, and flush(),
 * begin_section() and close() wait until every buffer handed over was written or refused.
 * The frame index is gathered on the caller's side and encoded into the buffer that ends its
 * frame; what only the written frame tells (its offset, compressed size and checksum) is filled
 * in by the compressor's side, which writes the index frame right after the frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "spancap_file.h"
#include "format_internal.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9

#define STAGE_SIZE (128u << 10)
#define EPB_OVERHEAD 32u	 /* EPB header (28) + trailing length (4) */
#define SNAPLEN 65535u		 /* no record is longer */
#define TIME_CHECK_EVERY 1024u	 /* records between clock reads when nobody calls tick() */
#define NSTAGE 4		 /* staging buffers with a compressor thread: one filled, 3 queued */

/* A staging buffer handed over to compression: what it holds and what it makes readable. */
struct stage_job {
	uint8_t *buf;
	size_t len;
	bool end;	   /* the frame ends after it */
	uint64_t records;  /* w->records with its records in */
	uint64_t progress; /* the caller's counter (opts.progress) when it was handed over */
	/*
	 * With end: the index frame of the frame (header and payload, fidx_len bytes; 0 when
	 * none), encoded by the caller; the compressor fills in offset, size and checksum.
	 */
	uint8_t *fidx;
	size_t fidx_len, fidx_cap;
};

struct scf_writer {
	int fd;
	bool own_fd;
	bool compress;
	int err; /* first error met by the caller's thread, sticky; see werr() */
	ZSTD_CCtx *cctx;
	uint8_t *stage; /* pcapng bytes not yet handed to zstd or the file: jobs[cur].buf */
	size_t stage_len;
	struct stage_job jobs[NSTAGE]; /* one buffer (jobs[0]) unless threaded */
	unsigned int cur;
	uint8_t *out; /* compressed bytes not yet written */
	size_t out_cap;
	const uint64_t *progress; /* opts.progress */
	/*
	 * Written by whoever compresses (the thread, or the caller inline), read with atomics:
	 * the first compression or write error (its message in cerrmsg, written before it), and
	 * what reached the file.
	 */
	int cerr;
	char cerrmsg[SCF_ERRMSG_MAX];
	uint64_t bytes_out; /* bytes written to the file */
	uint64_t records_readable; /* records whose bytes all reached the file (flushed) */
	uint64_t progress_readable; /* opts.progress as of the last buffer written */
	/* The compressor thread; head, queued and quit under mu. */
	bool threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more; /* a buffer was handed over, or quit */
	pthread_cond_t room; /* a buffer was written (or refused after an error) */
	unsigned int head;   /* the oldest buffer handed over */
	unsigned int queued; /* buffers handed over and not written yet */
	bool quit;
	bool frame_open;
	uint64_t frame_start_ns; /* CLOCK_MONOTONIC */
	uint64_t frame_pcapng;	 /* pcapng bytes in the open frame */
	uint64_t frame_ns;
	uint64_t frame_bytes;
	uint32_t since_time_check;
	bool in_section;
	uint64_t records;
	size_t last_len;    /* on-disk length of the last record */
	bool pack;	    /* pack SYSCALL records (format 1.1) */
	struct scf_ctx_table *ctx; /* per-thread contexts of this section, for packing */
	bool index;		   /* an index frame after each zstd frame (FORMAT.md 7) */
	struct scf_fidx_acc fidx;  /* what the open frame holds (the caller's side) */
	/* The compressor's side: */
	uint64_t frame_cstart;	   /* file offset where the frame being written starts */
	uint8_t last4[4];	   /* the last 4 bytes written: a frame's checksum at its end */
	char appname[64];
	char name[256];
	char errmsg[SCF_ERRMSG_MAX];
};

static uint64_t mono_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* The first error of the writer: the caller's own, or one met compressing or writing. */
static int werr(const struct scf_writer *w)
{
	return w->err ? w->err : __atomic_load_n(&w->cerr, __ATOMIC_ACQUIRE);
}

/* A compression or write error (on the compressor's side); the first one stays. */
static int compress_error(struct scf_writer *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int compress_error(struct scf_writer *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (!__atomic_load_n(&w->cerr, __ATOMIC_ACQUIRE)) {
		va_start(ap, fmt);
		vsnprintf(w->cerrmsg, sizeof(w->cerrmsg), fmt, ap);
		va_end(ap);
		__atomic_store_n(&w->cerr, err, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&w->cerr, __ATOMIC_ACQUIRE);
}

static int write_error(struct scf_writer *w, int err, const char *what)
{
	return compress_error(w, err, "%s: %s at byte offset %" PRIu64 ": %s", w->name, what,
			      w->bytes_out, strerror(-err));
}

/* The sink of every byte of the file: the compressor's side (the thread when there is one). */
static int write_all(struct scf_writer *w, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return write_error(w, -errno, "write failed");
		}
		if (k == 0)
			return write_error(w, -EIO, "write made no progress");
		p += k;
		n -= (size_t)k;
		store64(&w->bytes_out, w->bytes_out + (uint64_t)k);
		if (k >= 4) {
			memcpy(w->last4, p - 4, 4);
		} else {
			memmove(w->last4, w->last4 + k, 4 - (size_t)k);
			memcpy(w->last4 + 4 - k, p - k, (size_t)k);
		}
	}
	return 0;
}

/*
 * Compresses one staging buffer and writes it (or writes it as it is when uncompressed),
 * ending the frame after it when j->end. zstd is flushed each time (one zstd block per
 * staging buffer, where it would end one anyway), so every record drained is in the file as
 * data a streaming decoder returns, frame ended or not. After an error nothing more is
 * written: the file ends with whole blocks of what came before.
 */
static int compress_job(struct scf_writer *w, const struct stage_job *j)
{
	ZSTD_inBuffer in = { j->buf, j->len, 0 };
	int ret = __atomic_load_n(&w->cerr, __ATOMIC_ACQUIRE);

	if (ret)
		return ret;
	if (!w->compress) {
		ret = write_all(w, j->buf, j->len);
	} else {
		for (;;) {
			ZSTD_outBuffer out = { w->out, w->out_cap, 0 };
			size_t left = ZSTD_compressStream2(w->cctx, &out, &in,
							   j->end ? ZSTD_e_end : ZSTD_e_flush);

			if (ZSTD_isError(left))
				return compress_error(w, -EIO, "%s: zstd: %s", w->name,
						      ZSTD_getErrorName(left));
			ret = write_all(w, w->out, out.pos);
			if (ret || left == 0)
				break;
		}
	}
	/* The frame's index right after its last byte (its checksum, in last4). */
	if (!ret && j->end && j->fidx_len) {
		scf_fidx_patch(j->fidx + 8, j->fidx_len - 8, w->frame_cstart,
			       w->bytes_out - w->frame_cstart, scf_get32(w->last4));
		ret = write_all(w, j->fidx, j->fidx_len);
	}
	if (j->end)
		w->frame_cstart = w->bytes_out;
	if (ret)
		return ret;
	store64(&w->records_readable, j->records);
	store64(&w->progress_readable, j->progress);
	return 0;
}

static void *compressor_main(void *arg)
{
	struct scf_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		const struct stage_job *j;

		while (!w->queued && !w->quit)
			pthread_cond_wait(&w->more, &w->mu);
		if (!w->queued)
			break;
		j = &w->jobs[w->head];
		pthread_mutex_unlock(&w->mu);
		compress_job(w, j);
		pthread_mutex_lock(&w->mu);
		w->head = (w->head + 1) % NSTAGE;
		w->queued--;
		pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Hands jobs[cur] to the thread and takes the next free buffer (waiting for one). */
static void hand_over(struct scf_writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->queued++;
	pthread_cond_signal(&w->more);
	while (w->queued == NSTAGE)
		pthread_cond_wait(&w->room, &w->mu);
	w->cur = (w->head + w->queued) % NSTAGE;
	pthread_mutex_unlock(&w->mu);
	w->stage = w->jobs[w->cur].buf;
}

/* Waits until every buffer handed over is written (or refused after an error). */
static int wait_written(struct scf_writer *w)
{
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		while (w->queued)
			pthread_cond_wait(&w->room, &w->mu);
		pthread_mutex_unlock(&w->mu);
	}
	return werr(w);
}

/* An error of the caller's side (not of a write); the first one stays. */
static int set_error(struct scf_writer *w, int err, const char *what)
{
	if (!w->err) {
		w->err = err;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s: %s", w->name, what,
			 strerror(-err));
	}
	return w->err;
}

/* Notes a record (plain form) in the open frame's index. */
static int index_record(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	if (!w->index || scf_fidx_acc_add(&w->fidx, ts_ns, rec, len) == 0)
		return 0;
	return set_error(w, -ENOMEM, "no memory for a frame index");
}

/*
 * The index frame of the frame that ends with job j (FORMAT.md 7), a zstd skippable frame
 * that every zstd decoder passes over: encoded into j for the compressor's side to complete
 * and write. The caller's side starts gathering the next frame's.
 */
static int snapshot_index(struct scf_writer *w, struct stage_job *j)
{
	size_t len = scf_fidx_acc_size(&w->fidx);

	j->fidx_len = 0;
	if (!w->index || !w->fidx.records)
		return 0;
	if (len + 8 > j->fidx_cap) {
		uint8_t *nb = realloc(j->fidx, len + 8);

		if (!nb)
			return set_error(w, -ENOMEM, "no memory for a frame index");
		j->fidx = nb;
		j->fidx_cap = len + 8;
	}
	scf_put32(j->fidx, SCF_FIDX_MAGIC);
	scf_put32(j->fidx + 4, (uint32_t)len);
	scf_fidx_acc_encode(&w->fidx, 0, 0, (uint32_t)w->frame_pcapng, 0, j->fidx + 8);
	j->fidx_len = len + 8;
	scf_fidx_acc_reset(&w->fidx);
	return 0;
}

/*
 * Hands the staging buffer over to compression (the thread's, or inline), ending the frame
 * after it when end is set.
 */
static int drain_stage(struct scf_writer *w, bool end)
{
	struct stage_job *j = &w->jobs[w->cur];
	int ret = werr(w);

	if (ret)
		return ret;
	if (end) {
		ret = snapshot_index(w, j);
		if (ret)
			return ret;
	}
	j->len = w->stage_len;
	j->end = end;
	j->records = w->records;
	j->progress = w->progress ? *w->progress : 0;
	if (w->threaded) {
		hand_over(w); /* the next buffer is an empty one, whatever the thread meets */
		ret = werr(w);
	} else {
		ret = compress_job(w, j);
		if (ret)
			return ret;
	}
	w->stage_len = 0;
	if (end)
		w->frame_open = false;
	return ret;
}

static int end_frame(struct scf_writer *w)
{
	if (!w->frame_open && !w->stage_len)
		return werr(w);
	return drain_stage(w, true);
}

/* Makes room for n bytes of pcapng in the staging buffer, opening a frame if needed. */
static int stage_reserve(struct scf_writer *w, size_t n)
{
	int ret = werr(w);

	if (ret)
		return ret;
	if (w->stage_len + n > STAGE_SIZE) {
		ret = drain_stage(w, false);
		if (ret)
			return ret;
	}
	if (!w->frame_open) {
		w->frame_open = true;
		w->frame_start_ns = mono_ns(CLOCK_MONOTONIC);
		w->frame_pcapng = 0;
	}
	return 0;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Appends an option {code, length, value, padding} at p; returns bytes used. */
static size_t put_option(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	size_t total = 4 + pad4(len);

	memset(p, 0, total);
	scf_put16(p, code);
	scf_put16(p + 2, len);
	memcpy(p + 4, val, len);
	return total;
}

/* Writes a whole block whose body (between the type/length words and the trailing length)
 * is given. */
static int stage_block(struct scf_writer *w, uint32_t type, const uint8_t *body, size_t body_len)
{
	size_t total = 12 + body_len;
	uint8_t *p;
	int ret;

	ret = stage_reserve(w, total);
	if (ret)
		return ret;
	p = w->stage + w->stage_len;
	scf_put32(p, type);
	scf_put32(p + 4, (uint32_t)total);
	memcpy(p + 8, body, body_len);
	scf_put32(p + 8 + body_len, (uint32_t)total);
	w->stage_len += total;
	w->frame_pcapng += total;
	return 0;
}

static int write_shb_idb(struct scf_writer *w)
{
	static const char ifname[] = "spancap";
	uint8_t body[256];
	uint8_t tsresol = SCF_TSRESOL;
	size_t n = 0;
	int64_t section_len = -1; /* unknown: the file is written as a stream */
	int ret;

	scf_put32(body, PCAPNG_BYTE_ORDER);
	scf_put16(body + 4, 1);
	scf_put16(body + 6, 0);
	memcpy(body + 8, &section_len, 8);
	n = 16;
	n += put_option(body + n, OPT_SHB_USERAPPL, w->appname, (uint16_t)strlen(w->appname));
	n += put_option(body + n, OPT_ENDOFOPT, "", 0);
	ret = stage_block(w, PCAPNG_SHB, body, n);
	if (ret)
		return ret;

	scf_put16(body, SCF_LINKTYPE);
	scf_put16(body + 2, 0);
	scf_put32(body + 4, SNAPLEN);
	n = 8;
	n += put_option(body + n, OPT_IF_NAME, ifname, sizeof(ifname) - 1);
	n += put_option(body + n, OPT_IF_TSRESOL, &tsresol, 1);
	n += put_option(body + n, OPT_ENDOFOPT, "", 0);
	return stage_block(w, PCAPNG_IDB, body, n);
}

/*
 * Frames the len bytes of record staged at the end of the staging buffer (from its byte 28)
 * as an EPB: header, padding and trailing length; the caller made room (stage_reserve()).
 */
static void stage_epb(struct scf_writer *w, uint64_t ts_ns, size_t len)
{
	uint8_t *p = w->stage + w->stage_len;
	size_t total = EPB_OVERHEAD + pad4(len);

	scf_put32(p, PCAPNG_EPB);
	scf_put32(p + 4, (uint32_t)total);
	scf_put32(p + 8, 0); /* interface 0 */
	scf_put32(p + 12, (uint32_t)(ts_ns >> 32));
	scf_put32(p + 16, (uint32_t)ts_ns);
	scf_put32(p + 20, (uint32_t)len);
	scf_put32(p + 24, (uint32_t)len);
	memset(p + 28 + len, 0, pad4(len) - len);
	scf_put32(p + 28 + pad4(len), (uint32_t)total);
	w->stage_len += total;
	w->frame_pcapng += total;
	w->records++;
	w->last_len = len;
}

/* Appends one record, given as a head (header and body) and its items, as an EPB. */
static int append_epb2(struct scf_writer *w, uint64_t ts_ns, const void *head, size_t head_len,
		       const void *tail, size_t tail_len)
{
	size_t len = head_len + tail_len;
	size_t total = EPB_OVERHEAD + pad4(len);
	uint8_t *p;
	int ret;

	ret = stage_reserve(w, total);
	if (ret)
		return ret;
	p = w->stage + w->stage_len;
	memcpy(p + 28, head, head_len);
	if (tail_len)
		memcpy(p + 28 + head_len, tail, tail_len);
	stage_epb(w, ts_ns, len);
	return 0;
}

static int append_epb(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	return append_epb2(w, ts_ns, rec, len, NULL, 0);
}

/* A SYSCALL record goes packed when packing represents it exactly (syscall_pack.c). */
static int append_record(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	uint8_t head[SCF_PACKED_HEAD_MAX];
	const uint8_t *items;
	size_t head_len, items_len;

	/* A frame's packed records refer only to that frame: it reads alone (FORMAT.md 5.10). */
	if (w->pack && w->compress && !w->frame_open)
		scf_ctx_table_reset(w->ctx);
	if (index_record(w, ts_ns, rec, len))
		return w->err;
	if (w->pack && scf_get16(rec) == SCF_REC_SYSCALL) {
		head_len = scf_syscall_pack(w->ctx, rec, len, head, &items, &items_len);
		if (head_len)
			return append_epb2(w, ts_ns, head, head_len, items, items_len);
	}
	return append_epb(w, ts_ns, rec, len);
}

static int check_record(struct scf_writer *w, const void *rec, size_t len)
{
	struct scf_rec_hdr h;

	if (len < sizeof(h) || len > SCF_REC_MAX) {
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: record of %zu bytes is out of range",
			 w->name, len);
		return -EINVAL;
	}
	memcpy(&h, rec, sizeof(h));
	if (h.len != len || (size_t)h.body_len + sizeof(h) > len) {
		snprintf(w->errmsg, sizeof(w->errmsg),
			 "%s: record header (len %u, body %u) does not match its %zu bytes", w->name,
			 h.len, h.body_len, len);
		return -EINVAL;
	}
	return 0;
}

int scf_writer__begin_section(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	struct scf_rec_hdr h;
	int ret = werr(w);

	if (ret)
		return ret;
	ret = check_record(w, rec, len);
	if (ret)
		return ret;
	memcpy(&h, rec, sizeof(h));
	if (h.type != SCF_REC_SECTION) {
		snprintf(w->errmsg, sizeof(w->errmsg),
			 "%s: a section must start with a section record, not type %u", w->name,
			 h.type);
		return -EINVAL;
	}
	ret = end_frame(w);
	if (ret)
		return ret;
	ret = write_shb_idb(w);
	if (ret)
		return ret;
	w->in_section = true;
	if (w->pack)
		scf_ctx_table_reset(w->ctx);
	ret = index_record(w, ts_ns, rec, len);
	ret = ret ? ret : append_epb(w, ts_ns, rec, len);
	/*
	 * A section that may hold packed records says it is version 1.1 at least, 1.2 when they
	 * never refer to an earlier frame (compressed), 1.4 when index frames (with the
	 * descriptors each frame changes) follow its frames.
	 */
	if (!ret && w->pack && h.body_len >= 4) {
		uint8_t *minor = w->stage + w->stage_len - EPB_OVERHEAD - pad4(len) + 28 + 8 + 2;
		uint16_t least = w->index ? 4 : w->compress ? 2 : 1;

		if (scf_get16(minor) < least)
			scf_put16(minor, least);
	}
	if (ret)
		return ret;
	/* The header in a frame of its own: damage to the data after it leaves it readable. */
	return end_frame(w);
}

static int check_append(struct scf_writer *w)
{
	int ret = werr(w);

	if (ret)
		return ret;
	if (!w->in_section) {
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: record appended before any section",
			 w->name);
		return -EINVAL;
	}
	return 0;
}

/* After a record was staged: the frame ends when it is full, or open for frame_ns. */
static int appended(struct scf_writer *w)
{
	if (w->frame_pcapng >= w->frame_bytes)
		return end_frame(w);
	if (++w->since_time_check >= TIME_CHECK_EVERY) {
		w->since_time_check = 0;
		return scf_writer__tick(w, mono_ns(CLOCK_MONOTONIC_COARSE));
	}
	return 0;
}

int scf_writer__append(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	int ret = check_append(w);

	if (ret)
		return ret;
	ret = check_record(w, rec, len);
	if (ret)
		return ret;
	ret = append_record(w, ts_ns, rec, len);
	if (ret)
		return ret;
	return appended(w);
}

/* The plain record of the fields, as given: when packing does not represent it exactly. */
static int append_plain_syscall(struct scf_writer *w, uint64_t ts_ns, uint16_t flags,
				const struct scf_syscall *s, const void *items, size_t items_len)
{
	struct scf_rec_hdr h = { .type = SCF_REC_SYSCALL, .flags = flags,
				 .body_len = sizeof(*s) };
	uint8_t head[sizeof(h) + sizeof(*s)];

	h.len = (uint16_t)(sizeof(head) + items_len);
	memcpy(head, &h, sizeof(h));
	memcpy(head + sizeof(h), s, sizeof(*s));
	return append_epb2(w, ts_ns, head, sizeof(head), items, items_len);
}

int scf_writer__append_syscall(struct scf_writer *w, uint64_t ts_ns, uint16_t flags,
			       const struct scf_syscall *s, const void *items, size_t items_len)
{
	size_t len = sizeof(struct scf_rec_hdr) + sizeof(*s) + items_len, head_len = 0;
	uint8_t head[SCF_PACKED_HEAD_MAX];
	int ret = check_append(w);

	if (ret)
		return ret;
	if (len > SCF_REC_MAX) {
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: record of %zu bytes is out of range",
			 w->name, len);
		return -EINVAL;
	}
	/* In the open frame's index as append_record() notes a record (plain form). */
	if (w->index && scf_fidx_acc_add_syscall(&w->fidx, ts_ns, flags, s, items, items_len))
		return set_error(w, -ENOMEM, "no memory for a frame index");
	if (!w->pack)
		ret = append_plain_syscall(w, ts_ns, flags, s, items, items_len);
	else if (w->frame_open &&
		 w->stage_len + EPB_OVERHEAD + pad4(SCF_PACKED_HEAD_MAX + items_len) <= STAGE_SIZE) {
		/* Room for the longest packing: packed in place, in the staging buffer. */
		uint8_t *p = w->stage + w->stage_len;

		head_len = scf_syscall_pack_fields(w->ctx, flags, s, items_len, p + 28);
		if (head_len) {
			if (items_len)
				memcpy(p + 28 + head_len, items, items_len);
			stage_epb(w, ts_ns, head_len + items_len);
		} else {
			ret = append_plain_syscall(w, ts_ns, flags, s, items, items_len);
		}
	} else {
		/* As append_record(): a frame's packed records refer only to that frame. */
		if (w->compress && !w->frame_open)
			scf_ctx_table_reset(w->ctx);
		head_len = scf_syscall_pack_fields(w->ctx, flags, s, items_len, head);
		ret = head_len ? append_epb2(w, ts_ns, head, head_len, items, items_len)
			       : append_plain_syscall(w, ts_ns, flags, s, items, items_len);
	}
	if (ret)
		return ret;
	return appended(w);
}

int scf_writer__tick(struct scf_writer *w, uint64_t now_ns)
{
	int ret = werr(w);

	if (ret)
		return ret;
	if (!w->frame_open)
		return 0;
	/*
	 * now_ns may come from a coarser clock than frame_start_ns and lag behind it: a frame
	 * that started "later" than now has not been open for frame_ns (without this check the
	 * unsigned difference wrapped and ended frames after a thousand records).
	 */
	if (w->frame_pcapng >= w->frame_bytes ||
	    (now_ns > w->frame_start_ns && now_ns - w->frame_start_ns >= w->frame_ns))
		return end_frame(w);
	return 0;
}

int scf_writer__flush(struct scf_writer *w)
{
	int ret = end_frame(w);

	return ret ? ret : wait_written(w);
}

uint64_t scf_writer__bytes(const struct scf_writer *w)
{
	return load64(&w->bytes_out);
}

uint64_t scf_writer__records(const struct scf_writer *w)
{
	return w->records;
}

uint64_t scf_writer__records_readable(const struct scf_writer *w)
{
	return load64(&w->records_readable);
}

uint64_t scf_writer__progress_readable(const struct scf_writer *w)
{
	return load64(&w->progress_readable);
}

int scf_writer__error(const struct scf_writer *w)
{
	return werr(w);
}

size_t scf_writer__last_record_len(const struct scf_writer *w)
{
	return w->last_len;
}

const char *scf_writer__errmsg(const struct scf_writer *w)
{
	/* cerrmsg is written once, before cerr is set. */
	return !w->err && __atomic_load_n(&w->cerr, __ATOMIC_ACQUIRE) ? w->cerrmsg : w->errmsg;
}

static struct scf_writer *writer_new(int fd, const char *name, const struct scf_writer_opts *opts,
				     char *err, size_t errlen)
{
	struct scf_writer_opts o = { .sz = sizeof(o) };
	struct scf_writer *w;

	if (opts) {
		size_t n = opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o);

		memcpy(&o, opts, n);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto err_nomem;
	w->fd = fd;
	w->compress = !o.uncompressed;
	w->frame_ns = o.frame_ns ? o.frame_ns : 1000000000ull;
	w->frame_bytes = o.frame_bytes ? o.frame_bytes : (4u << 20);
	if (w->frame_bytes > SCF_FRAME_BYTES_MAX - STAGE_SIZE)
		w->frame_bytes = SCF_FRAME_BYTES_MAX - STAGE_SIZE;
	snprintf(w->name, sizeof(w->name), "%s", name ? name : "(output)");
	snprintf(w->appname, sizeof(w->appname), "%s", o.appname ? o.appname : "spancap");
	w->stage = malloc(STAGE_SIZE);
	if (!w->stage)
		goto err_free;
	w->jobs[0].buf = w->stage;
	w->progress = o.progress;
	w->progress_readable = o.progress ? *o.progress : 0;
	w->pack = !o.plain_syscalls;
	w->index = w->compress && !o.no_index;
	if (w->pack) {
		w->ctx = malloc(sizeof(*w->ctx));
		if (!w->ctx)
			goto err_free;
	}
	if (w->compress) {
		int level = o.level ? o.level : SCF_DEFAULT_LEVEL;

		w->out_cap = ZSTD_CStreamOutSize();
		w->out = malloc(w->out_cap);
		w->cctx = ZSTD_createCCtx();
		if (!w->out || !w->cctx)
			goto err_free;
		if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
			scf_errf(err, errlen, "zstd level %d is outside %d..%d", level,
				 ZSTD_minCLevel(), ZSTD_maxCLevel());
			errno = EINVAL;
			goto err_free_keep_errno;
		}
		if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1))) {
			scf_errf(err, errlen, "zstd refused the compression parameters");
			errno = EINVAL;
			goto err_free_keep_errno;
		}
		/*
		 * At the default level, a hash table of 2^15 entries instead of level 1's 2^14
		 * finds more of the repeats between syscall records: 16.03 -> 15.94 bytes a record
		 * for 5-10% more write CPU (bench/format_bench.c); the table still fits in L2.
		 */
		if (level == SCF_DEFAULT_LEVEL &&
		    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_hashLog, 15))) {
			scf_errf(err, errlen, "zstd refused the hash table size");
			errno = EINVAL;
			goto err_free_keep_errno;
		}
	}
	return w;

err_free:
	scf_errf(err, errlen, "%s: out of memory", name ? name : "(output)");
	errno = ENOMEM;
err_free_keep_errno:
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	free(w->ctx);
	free(w->stage);
	free(w);
	return NULL;
err_nomem:
	scf_errf(err, errlen, "%s: out of memory", name ? name : "(output)");
	errno = ENOMEM;
	return NULL;
}

struct scf_writer *scf_writer__fdopen(int fd, const char *name, const struct scf_writer_opts *opts,
				      char *err, size_t errlen)
{
	return writer_new(fd, name, opts, err, errlen);
}

struct scf_writer *scf_writer__open(const char *path, const struct scf_writer_opts *opts,
				    char *err, size_t errlen)
{
	struct scf_writer *w;
	struct stat st;
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		saved = errno;
		if (saved == ELOOP)
			scf_errf(err, errlen, "%s: refusing to write through a symbolic link", path);
		else
			scf_errf(err, errlen, "%s: cannot create: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	/* An existing file keeps its mode across O_TRUNC: captures are never readable by others. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0600 &&
	    fchmod(fd, 0600) < 0) {
		saved = errno;
		scf_errf(err, errlen, "%s: cannot set mode 0600: %s", path, strerror(saved));
		close(fd);
		errno = saved;
		return NULL;
	}
	w = writer_new(fd, path, opts, err, errlen);
	if (!w) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	w->own_fd = true;
	return w;
}

int scf_writer__compress_thread(struct scf_writer *w)
{
	sigset_t all, old;
	int ret = ENOMEM;

	if (!w->compress || w->threaded)
		return 0;
	for (unsigned int i = 1; i < NSTAGE; i++) {
		w->jobs[i].buf = malloc(STAGE_SIZE);
		if (!w->jobs[i].buf)
			goto fail;
	}
	if ((ret = pthread_mutex_init(&w->mu, NULL)))
		goto fail;
	if ((ret = pthread_cond_init(&w->more, NULL))) {
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	if ((ret = pthread_cond_init(&w->room, NULL))) {
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	/* Signals go to the caller's threads, never this one. The staging buffer being filled
	 * is jobs[0]: the thread takes jobs from there on. */
	w->head = w->cur;
	w->queued = 0;
	w->quit = false;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&w->thread, NULL, compressor_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	pthread_setname_np(w->thread, "spancap-zstd"); /* as top -H and perf show it */
	w->threaded = true;
	return 0;
fail:
	for (unsigned int i = 1; i < NSTAGE; i++) {
		free(w->jobs[i].buf);
		w->jobs[i].buf = NULL;
	}
	return -ret;
}

/* Ends the thread once every buffer handed over is written (close). */
static void stop_thread(struct scf_writer *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->mu);
	w->threaded = false;
}

int scf_writer__close(struct scf_writer *w, char *err, size_t errlen)
{
	int ret;

	if (!w)
		return 0;
	end_frame(w);
	stop_thread(w);
	ret = werr(w);
	if (w->own_fd && close(w->fd) < 0 && !ret)
		ret = write_error(w, -errno, "close failed");
	if (ret)
		scf_errf(err, errlen, "%s", scf_writer__errmsg(w));
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	free(w->ctx);
	for (unsigned int i = 0; i < NSTAGE; i++) {
		free(w->jobs[i].buf);
		free(w->jobs[i].fidx);
	}
	scf_fidx_acc_free(&w->fidx);
	free(w);
	return ret;
}
