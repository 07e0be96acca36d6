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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

struct scf_writer {
	int fd;
	bool own_fd;
	bool compress;
	int err; /* first error, sticky */
	ZSTD_CCtx *cctx;
	uint8_t *stage; /* pcapng bytes not yet handed to zstd or the file */
	size_t stage_len;
	uint8_t *out; /* compressed bytes not yet written */
	size_t out_cap;
	bool frame_open;
	uint64_t frame_start_ns; /* CLOCK_MONOTONIC */
	uint64_t frame_pcapng;	 /* pcapng bytes in the open frame */
	uint64_t frame_ns;
	uint64_t frame_bytes;
	uint32_t since_time_check;
	bool in_section;
	uint64_t bytes_out; /* bytes written to the file */
	uint64_t records;
	uint64_t records_readable; /* records whose bytes all reached the file (flushed) */
	size_t last_len;    /* on-disk length of the last record */
	bool pack;	    /* pack SYSCALL records (format 1.1) */
	struct scf_ctx_table *ctx; /* per-thread contexts of this section, for packing */
	bool index;		   /* an index frame after each zstd frame (FORMAT.md 7) */
	struct scf_fidx_acc fidx;  /* what the open frame holds */
	uint64_t frame_cstart;	   /* file offset where the open frame starts */
	uint8_t last4[4];	   /* the last 4 bytes written: a frame's checksum at its end */
	uint8_t *fidx_buf;
	size_t fidx_cap;
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

static int set_error(struct scf_writer *w, int err, const char *what)
{
	if (!w->err) {
		w->err = err;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s at byte offset %" PRIu64 ": %s",
			 w->name, what, w->bytes_out, strerror(-err));
	}
	return w->err;
}

static int write_all(struct scf_writer *w, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return set_error(w, -errno, "write failed");
		}
		if (k == 0)
			return set_error(w, -EIO, "write made no progress");
		p += k;
		n -= (size_t)k;
		w->bytes_out += (uint64_t)k;
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
 * Hands the staging buffer to zstd (or the file), ending the frame when end is set. zstd is
 * flushed each time (one zstd block per staging buffer, where it would end one anyway), so
 * every record drained is in the file as data a streaming decoder returns, frame ended or not.
 */
static int drain_stage(struct scf_writer *w, bool end)
{
	ZSTD_inBuffer in = { w->stage, w->stage_len, 0 };

	if (w->err)
		return w->err;
	if (!w->compress) {
		int ret = write_all(w, w->stage, w->stage_len);

		w->stage_len = 0;
		if (end)
			w->frame_open = false;
		if (!ret)
			w->records_readable = w->records;
		return ret;
	}
	for (;;) {
		ZSTD_outBuffer out = { w->out, w->out_cap, 0 };
		size_t left = ZSTD_compressStream2(w->cctx, &out, &in,
						   end ? ZSTD_e_end : ZSTD_e_flush);
		int ret;

		if (ZSTD_isError(left)) {
			snprintf(w->errmsg, sizeof(w->errmsg), "%s: zstd: %s", w->name,
				 ZSTD_getErrorName(left));
			w->err = -EIO;
			return w->err;
		}
		ret = write_all(w, w->out, out.pos);
		if (ret)
			return ret;
		if (left == 0)
			break;
	}
	w->stage_len = 0;
	if (end)
		w->frame_open = false;
	w->records_readable = w->records;
	return 0;
}

/*
 * After a zstd frame ends: the index frame that describes it (FORMAT.md 7), a zstd skippable
 * frame that every zstd decoder passes over.
 */
static int write_index(struct scf_writer *w, uint32_t pcapng_len)
{
	size_t len = scf_fidx_acc_size(&w->fidx);
	uint64_t csize = w->bytes_out - w->frame_cstart;
	int ret;

	if (len + 8 > w->fidx_cap) {
		uint8_t *nb = realloc(w->fidx_buf, len + 8);

		if (!nb)
			return set_error(w, -ENOMEM, "no memory for a frame index");
		w->fidx_buf = nb;
		w->fidx_cap = len + 8;
	}
	scf_put32(w->fidx_buf, SCF_FIDX_MAGIC);
	scf_put32(w->fidx_buf + 4, (uint32_t)len);
	scf_fidx_acc_encode(&w->fidx, w->frame_cstart, csize, pcapng_len, scf_get32(w->last4),
			    w->fidx_buf + 8);
	ret = write_all(w, w->fidx_buf, len + 8);
	scf_fidx_acc_reset(&w->fidx);
	return ret;
}

static int end_frame(struct scf_writer *w)
{
	uint32_t pcapng_len = (uint32_t)w->frame_pcapng;
	int ret;

	if (!w->frame_open && !w->stage_len)
		return w->err;
	ret = drain_stage(w, true);
	if (!ret && w->index && w->fidx.records)
		ret = write_index(w, pcapng_len);
	return ret;
}

/* Notes a record (plain form) in the open frame's index. */
static int index_record(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	if (!w->index || scf_fidx_acc_add(&w->fidx, ts_ns, rec, len) == 0)
		return 0;
	return set_error(w, -ENOMEM, "no memory for a frame index");
}

/* Makes room for n bytes of pcapng in the staging buffer, opening a frame if needed. */
static int stage_reserve(struct scf_writer *w, size_t n)
{
	int ret;

	if (w->err)
		return w->err;
	if (w->stage_len + n > STAGE_SIZE) {
		ret = drain_stage(w, false);
		if (ret)
			return ret;
	}
	if (!w->frame_open) {
		w->frame_open = true;
		w->frame_start_ns = mono_ns(CLOCK_MONOTONIC);
		w->frame_pcapng = 0;
		w->frame_cstart = w->bytes_out;
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
	scf_put32(p, PCAPNG_EPB);
	scf_put32(p + 4, (uint32_t)total);
	scf_put32(p + 8, 0); /* interface 0 */
	scf_put32(p + 12, (uint32_t)(ts_ns >> 32));
	scf_put32(p + 16, (uint32_t)ts_ns);
	scf_put32(p + 20, (uint32_t)len);
	scf_put32(p + 24, (uint32_t)len);
	memcpy(p + 28, head, head_len);
	if (tail_len)
		memcpy(p + 28 + head_len, tail, tail_len);
	memset(p + 28 + len, 0, pad4(len) - len);
	scf_put32(p + 28 + pad4(len), (uint32_t)total);
	w->stage_len += total;
	w->frame_pcapng += total;
	w->records++;
	w->last_len = len;
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
	int ret;

	if (w->err)
		return w->err;
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
	 * never refer to an earlier frame (compressed), 1.3 when index frames follow its frames.
	 */
	if (!ret && w->pack && h.body_len >= 4) {
		uint8_t *minor = w->stage + w->stage_len - EPB_OVERHEAD - pad4(len) + 28 + 8 + 2;
		uint16_t least = w->index ? 3 : w->compress ? 2 : 1;

		if (scf_get16(minor) < least)
			scf_put16(minor, least);
	}
	if (ret)
		return ret;
	/* The header in a frame of its own: damage to the data after it leaves it readable. */
	return end_frame(w);
}

int scf_writer__append(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len)
{
	int ret;

	if (w->err)
		return w->err;
	if (!w->in_section) {
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: record appended before any section",
			 w->name);
		return -EINVAL;
	}
	ret = check_record(w, rec, len);
	if (ret)
		return ret;
	ret = append_record(w, ts_ns, rec, len);
	if (ret)
		return ret;
	if (w->frame_pcapng >= w->frame_bytes)
		return end_frame(w);
	if (++w->since_time_check >= TIME_CHECK_EVERY) {
		w->since_time_check = 0;
		return scf_writer__tick(w, mono_ns(CLOCK_MONOTONIC_COARSE));
	}
	return 0;
}

int scf_writer__tick(struct scf_writer *w, uint64_t now_ns)
{
	if (w->err)
		return w->err;
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
	return end_frame(w);
}

uint64_t scf_writer__bytes(const struct scf_writer *w)
{
	return w->bytes_out;
}

uint64_t scf_writer__records(const struct scf_writer *w)
{
	return w->records;
}

uint64_t scf_writer__records_readable(const struct scf_writer *w)
{
	return w->records_readable;
}

int scf_writer__error(const struct scf_writer *w)
{
	return w->err;
}

size_t scf_writer__last_record_len(const struct scf_writer *w)
{
	return w->last_len;
}

const char *scf_writer__errmsg(const struct scf_writer *w)
{
	return w->errmsg;
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

int scf_writer__close(struct scf_writer *w, char *err, size_t errlen)
{
	int ret;

	if (!w)
		return 0;
	ret = end_frame(w);
	if (w->own_fd && close(w->fd) < 0 && !ret)
		ret = set_error(w, -errno, "close failed");
	if (ret)
		scf_errf(err, errlen, "%s", w->errmsg);
	ZSTD_freeCCtx(w->cctx);
	free(w->out);
	free(w->ctx);
	free(w->stage);
	scf_fidx_acc_free(&w->fidx);
	free(w->fidx_buf);
	free(w);
	return ret;
}
