/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spancap_file.h - the public API of formats/: the only code that writes or reads spancap files.
 *
 * A spancap file is a pcapng stream (optionally zstd-compressed) whose Enhanced Packet Blocks
 * each carry one record of record_layout.h. See formats/FORMAT.md.
 *
 * Conventions (libbpf-like):
 *   - functions return 0 or a negative errno; constructors return NULL and set errno;
 *   - iterators return 1 for an item, 0 at a clean end, a negative errno on error;
 *   - errors carry a message (file, byte offset, the numbers compared), never printed here:
 *     writers and readers keep it (scf_*__errmsg), stateless helpers fill a caller's buffer;
 *   - the error kinds a reader distinguishes:
 *       -ENODATA     the input ends inside a block or a zstd frame (truncated: a capture that
 *                    was killed or is still being written)
 *       -EBADMSG     the bytes are not what the format allows (corruption)
 *       -EPROTONOSUPPORT  a section of an unknown major format version
 *       -ENOMEM, -EIO and other errnos: the environment failed
 */
#ifndef SPANCAP_FILE_H
#define SPANCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record_layout.h"
#include "syscall_list.h"

#define SCF_ERRMSG_MAX 512

/* ============================================================================================
 * Record encoding
 * ============================================================================================ */

/*
 * A builder encodes one record into a caller's buffer:
 *   scf_rb_begin(), any number of scf_rb_item*(), then scf_rb_end() returns the record length.
 * Items that do not fit are truncated (strings) or dropped (fixed-size data), and
 * scf_rb_truncated() says so; a record never exceeds SCF_REC_MAX nor the buffer.
 */
struct scf_rec_builder {
	uint8_t *buf;
	size_t cap; /* min(buffer size, SCF_REC_MAX) */
	size_t len;
	bool truncated;
	bool overflow; /* the body itself did not fit: scf_rb_end() returns 0 */
};

void scf_rb_begin(struct scf_rec_builder *b, void *buf, size_t bufsz, uint16_t type,
		  uint16_t flags, const void *body, size_t body_len);
/* Adds an item of len bytes; cut to what fits (at least 0 bytes) and marked truncated. */
void scf_rb_item(struct scf_rec_builder *b, uint16_t tag, const void *data, size_t len);
/* Adds a string item (no NUL stored). NULL adds nothing. */
void scf_rb_item_str(struct scf_rec_builder *b, uint16_t tag, const char *s);
/* Adds a string list item from n strings ({u16 len, bytes} each); cut at whole strings. */
void scf_rb_item_strlist(struct scf_rec_builder *b, uint16_t tag, const char *const *v, size_t n);
/* Adds an item only if all of it fits; otherwise marks the record truncated. */
void scf_rb_item_whole(struct scf_rec_builder *b, uint16_t tag, const void *data, size_t len);
/* ORs flags into the record header. */
void scf_rb_flags(struct scf_rec_builder *b, uint16_t flags);
bool scf_rb_truncated(const struct scf_rec_builder *b);
/* Finishes the record: returns its length, or 0 when the body did not fit. */
size_t scf_rb_end(struct scf_rec_builder *b);

/*
 * Encodes a struct scf_sockaddr item payload from a Linux struct sockaddr of salen bytes into
 * out (at least SCF_SOCKADDR_MAX bytes). Returns the payload length, 0 when salen is too
 * short for its family.
 */
#define SCF_SOCKADDR_MAX (4 + 108)
size_t scf_sockaddr_encode(const void *sa, size_t salen, uint8_t *out);

/* ============================================================================================
 * Record decoding
 * ============================================================================================ */

/* One record as returned by a reader or scf_record_parse(). Pointers are into the reader's
 * buffer and stay valid until the next call on that reader. */
struct scf_record {
	uint64_t ts_ns; /* EPB timestamp: wall clock, ns since the epoch */
	uint16_t type;
	uint16_t flags;
	uint16_t body_len;
	uint16_t len;
	const uint8_t *body;
	const uint8_t *items;
	uint32_t items_len;
	uint32_t section; /* 0-based count of sections seen so far in this input */
	uint64_t offset;  /* offset of the record's EPB in the (decompressed) pcapng stream */
};

/*
 * Checks the record framing (header, lengths, item chain) of len bytes and fills *rec (ts_ns,
 * section and offset are left to the caller). Returns 0 or -EBADMSG with a message in err.
 */
int scf_record_parse(const void *buf, size_t len, struct scf_record *rec, char *err, size_t errlen);

/*
 * Copies the body of rec into out (out_size bytes) the append-only way: min(body_len,
 * out_size) bytes, the rest zeroed. Returns 0, or -EBADMSG if body_len < min_size.
 */
int scf_record_body(const struct scf_record *rec, void *out, size_t out_size, size_t min_size,
		    char *err, size_t errlen);

/* Item iteration (framing was checked by scf_record_parse: this never fails on a parsed
 * record). Returns 1 with *tag, *data, *len, or 0 at the end. */
struct scf_item_iter {
	const uint8_t *p;
	size_t left;
};
void scf_items_begin(const struct scf_record *rec, struct scf_item_iter *it);
int scf_items_next(struct scf_item_iter *it, uint16_t *tag, const uint8_t **data, uint16_t *len);
/* First item with tag: returns 1 and fills *data, *len, or 0 when absent. */
int scf_record_item(const struct scf_record *rec, uint16_t tag, const uint8_t **data,
		    uint16_t *len);

/* String lists ({u16 len, bytes}*): returns 1 per string, 0 at the end, -EBADMSG when a
 * length overruns the item. */
struct scf_strlist_iter {
	const uint8_t *p;
	size_t left;
};
void scf_strlist_begin(struct scf_strlist_iter *it, const uint8_t *data, size_t len);
int scf_strlist_next(struct scf_strlist_iter *it, const uint8_t **s, uint16_t *len);

/* Attribute lists (see record_layout.h). Same return convention; nested lists are iterated by
 * calling scf_attrs_begin() on an ARRAY or KVLIST value. */
struct scf_attr {
	uint8_t type;
	const uint8_t *key;
	uint16_t key_len;
	const uint8_t *val;
	uint16_t val_len;
};
struct scf_attr_iter {
	const uint8_t *p;
	size_t left;
};
void scf_attrs_begin(struct scf_attr_iter *it, const uint8_t *data, size_t len);
int scf_attrs_next(struct scf_attr_iter *it, struct scf_attr *a);
/* Appends one entry to an attribute list being built in buf (cap bytes, *len used so far).
 * Returns 0, or -ENOSPC when it does not fit (nothing is appended). */
int scf_attrs_append(uint8_t *buf, size_t cap, size_t *len, uint8_t type, const void *key,
		     size_t key_len, const void *val, size_t val_len);

/* Decoded socket address item. */
struct scf_sockaddr {
	uint16_t family;
	uint16_t port;
	uint8_t addr[16];	/* INET: 4 bytes, INET6: 16 bytes */
	uint32_t scope_id;
	const uint8_t *path;	/* UNIX: path bytes (abstract names start with 0) */
	uint16_t path_len;
};
int scf_sockaddr_decode(const uint8_t *data, size_t len, struct scf_sockaddr *sa);
/* Formats "1.2.3.4:80", "[::1]:443", "unix:/path", "unix:@abstract" into buf. */
size_t scf_sockaddr_format(const struct scf_sockaddr *sa, char *buf, size_t bufsz);

/* Names for enums (never NULL; "?" style strings for unknown values). */
const char *scf_rec_type_name(unsigned int type);
const char *scf_item_tag_name(unsigned int tag);
const char *scf_tls_model_name(unsigned int model);
const char *scf_ctx_status_name(unsigned int status);
const char *scf_loss_reason_name(unsigned int reason);
const char *scf_stop_reason_name(unsigned int reason);
const char *scf_fd_kind_name(unsigned int kind);
const char *scf_counter_name(unsigned int id);
/*
 * Whether a LOSS reason means events that are not in the file (dropped, or a syscall whose
 * exit came without its entry) rather than syscalls recorded without some of their content
 * (an argument or the context could not be read). Unknown reasons count as dropped.
 */
bool scf_loss_drops_events(unsigned int reason);
/* Minimum body length of a known record type, 0 for an unknown type. */
size_t scf_rec_min_body(unsigned int type);

/* ============================================================================================
 * Syscalls of abi SCF_ABI_X86_64 (the rows of syscall_list.h)
 * ============================================================================================ */

struct scf_syscall_info {
	const char *name; /* NULL: no such syscall */
	uint8_t cls;	  /* SCF_CLASS_* */
	uint16_t flags;	  /* SCF_SC_* */
	const char *args; /* argument kinds (syscall_list.h), NULL: printed as "..." */
};

/* The entry of nr, or NULL for an unknown number. */
const struct scf_syscall_info *scf_syscall_info(unsigned int nr);
/* "openat", or "syscall_NNN" written into buf for an unknown number. */
const char *scf_syscall_name(unsigned int nr, char *buf, size_t bufsz);
/* The number of a name ("openat", or "syscall_NNN"), or -ENOENT. */
int scf_syscall_lookup(const char *name);
/* A class's name ("file", "net", ...; "?" past the last) and the class of a name (-ENOENT). */
const char *scf_class_name(unsigned int cls);
int scf_class_lookup(const char *name);
/* How many numbers the table names (for tests). */
unsigned int scf_syscall_count(void);

/*
 * A selection, as both binaries take it: comma-separated syscall names (syscall_NNN for a
 * number without one) and %NAME for a class (%file %net %process %memory %time %sync %ipc
 * %other), a group that cuts across classes (%fd %signal %ids) or every number (%all). Sets
 * the bit nr of bits for each syscall selected (adding to what bits holds). Returns 0, or
 * -EINVAL with a message naming the word and its offset in err.
 */
#define SCF_SYSCALL_SEL_WORDS (SCF_SYSCALL_NR_MAX / 64)
int scf_syscall_select(const char *spec, uint64_t bits[SCF_SYSCALL_SEL_WORDS], char *err,
		       size_t errlen);
/* The %NAMEs, space-separated (for --help and messages). */
const char *scf_syscall_select_names(void);

/* ============================================================================================
 * Writer
 * ============================================================================================ */

struct scf_writer_opts {
	size_t sz;	     /* sizeof(struct scf_writer_opts), for later growth */
	bool uncompressed;   /* plain pcapng instead of zstd */
	int level;	     /* zstd level; 0 means SCF_DEFAULT_LEVEL */
	uint64_t frame_ns;   /* end a zstd frame at least this often; 0 means 1 s */
	size_t frame_bytes;  /* ... or after this many pcapng bytes; 0 means 4 MiB */
	const char *appname; /* pcapng shb_userappl option; NULL means "spancap" */
	bool plain_syscalls; /* write SYSCALL records as given (format 1.0), never packed */
	bool no_index;	     /* no frame index after each zstd frame (format 1.2 layout) */
	/*
	 * A counter of the caller's (for example the events whose records it appended), read by
	 * the writer each time it hands buffered records over to be written: see
	 * scf_writer__progress_readable(). NULL: none.
	 */
	const uint64_t *progress;
};
#define SCF_DEFAULT_LEVEL 1
#define SCF_FRAME_BYTES_MAX (64u << 20) /* readers refuse larger frames */

struct scf_writer;

/*
 * Creates path for writing: mode 0600 whatever the umask, never through a symbolic link, an
 * existing regular file is truncated and its mode set to 0600. NULL on error with errno set
 * and the reason in err.
 */
struct scf_writer *scf_writer__open(const char *path, const struct scf_writer_opts *opts,
				    char *err, size_t errlen);
/* Writes to an open descriptor (for example stdout); name is used in messages. The
 * descriptor is not closed by scf_writer__close(). */
struct scf_writer *scf_writer__fdopen(int fd, const char *name, const struct scf_writer_opts *opts,
				      char *err, size_t errlen);

/*
 * Starts a section: ends any open zstd frame, writes a Section Header Block, an Interface
 * Description Block and rec (an encoded SCF_REC_SECTION record) at time ts_ns.
 */
int scf_writer__begin_section(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len);
/* Appends one encoded record as one Enhanced Packet Block. A SYSCALL record is written packed
 * (FORMAT.md 5.10) unless opts.plain_syscalls; readers give it back unchanged. */
int scf_writer__append(struct scf_writer *w, uint64_t ts_ns, const void *rec, size_t len);
/*
 * Appends a SYSCALL record given by its flags (SCF_SYSCALL_F_*), its body and items_len bytes
 * of encoded items: the file gets the same bytes as from scf_writer__append() of the record
 * built of them, packed straight into the writer's buffer (the capture's path per syscall).
 */
int scf_writer__append_syscall(struct scf_writer *w, uint64_t ts_ns, uint16_t flags,
			       const struct scf_syscall *s, const void *items, size_t items_len);
/*
 * From now on compresses and writes on a thread of its own, which the caller's thread hands
 * full buffers (128 KiB of pcapng) and ended frames to while it fills the next one: the same
 * bytes in the file as inline, in the same order; a write error is seen by the next call
 * after it (append, tick, flush, error). The thread blocks every signal and has, on Linux,
 * the capabilities of the calling thread as they are now: call it once the process has
 * dropped those it does not keep. Does nothing for an uncompressed writer. 0, or a
 * negative errno (the writer then goes on compressing inline).
 */
int scf_writer__compress_thread(struct scf_writer *w);
/* Ends the zstd frame if it has been open for frame_ns (now_ns: CLOCK_MONOTONIC) or holds
 * frame_bytes. Cheap: call it on every poll tick. */
int scf_writer__tick(struct scf_writer *w, uint64_t now_ns);
/* Ends the current zstd frame and writes everything out: the file is readable up to here. */
int scf_writer__flush(struct scf_writer *w);
/* Flushes, closes and frees. Returns the first error the writer met, or 0, with its message
 * copied to err (which may be NULL). NULL w is fine. */
int scf_writer__close(struct scf_writer *w, char *err, size_t errlen);
/* Bytes written to the file so far (after compression); data still buffered (or handed to
 * the compressor thread and not written yet) is not counted, so call flush() first for an
 * exact size. */
uint64_t scf_writer__bytes(const struct scf_writer *w);
uint64_t scf_writer__records(const struct scf_writer *w);
/* Records a reader gets back from the file as it is now: those whose bytes were all written
 * (zstd is flushed every 128 KiB of pcapng data and at each frame end; FORMAT.md 2 says how a
 * reader takes those of a frame not ended yet). After a write error it stays at what the file
 * held before it. */
uint64_t scf_writer__records_readable(const struct scf_writer *w);
/* The value opts.progress pointed to when the last records now readable were handed over to
 * be written (its value at open before any). */
uint64_t scf_writer__progress_readable(const struct scf_writer *w);
/* Length on disk (the EPB captured length) of the last record written: a SYSCALL record is
 * shorter once packed. 0 before the first record. */
size_t scf_writer__last_record_len(const struct scf_writer *w);
const char *scf_writer__errmsg(const struct scf_writer *w);
/* The first error that stopped the writer (a negative errno; later calls return it), or 0. */
int scf_writer__error(const struct scf_writer *w);

/* ============================================================================================
 * Reader
 * ============================================================================================ */

struct scf_reader;

/* Opens a spancap file, compressed or not (told apart by magic); "-" reads standard input
 * (a pipe is fine: the file is read front to back). NULL with errno and err. */
struct scf_reader *scf_reader__open(const char *path, char *err, size_t errlen);
/* Reads from memory (tests, fuzzers); buf must outlive the reader; name is used in messages. */
struct scf_reader *scf_reader__open_mem(const void *buf, size_t len, const char *name, char *err,
					size_t errlen);

/*
 * Returns 1 and fills *rec with the next record (records of unknown types included: callers
 * skip them; packed syscall records come out as the SCF_REC_SYSCALL records they stand for,
 * byte for byte, rec->len included), 0 at a clean end of input, or a negative errno (see the
 * top of this file) with a message from scf_reader__errmsg(). Every whole record before a
 * cut or an unrecoverable corruption is returned first. In a zstd file (FORMAT.md 2) a frame
 * that decompressed whole gives its records once its checksum matched; a frame cut short by
 * the end of the file gives the records of its whole pcapng blocks, then -ENODATA; a frame
 * that fails to decode or to match its checksum gives none, and reading resumes at the next
 * frame that decodes whole (scf_reader__next_gap() describes what was skipped). After an
 * error, further calls return the same error.
 */
int scf_reader__next(struct scf_reader *r, struct scf_record *rec);

/*
 * Has n threads decompress and decode the zstd frames of the file ahead of scf_reader__next()
 * (FORMAT.md 2: frames of format 1.2 read alone), which still returns the records in file
 * order on the caller's thread, the same records, gaps and errors as without threads (each of
the n threads and the caller hold one decoded frame: a few times its 4 MiB). Where
 * the file is damaged, cut, still growing, or holds what the threads leave to the sequential
 * read, the reader reads it again sequentially from its start, passing over the records it
 * returned. Call before the first scf_reader__next(); n = 0, an uncompressed file or a pipe
 * reads without threads. Returns 0 or -ENOMEM.
 */
int scf_reader__set_threads(struct scf_reader *r, unsigned int n);

/* A damaged region of a zstd file that the reader skipped. */
struct scf_gap {
	uint64_t offset;     /* compressed offset of the first damaged frame */
	uint64_t end_offset; /* compressed offset of the frame reading resumed at */
	uint64_t last_ts_ns; /* time of the last record before the gap, 0 when none */
	uint64_t next_ts_ns; /* time of the first record after it, 0 when none */
	char msg[SCF_ERRMSG_MAX]; /* "FILE: corrupt: ..." naming both offsets and the damage */
};

/*
 * Returns 1 and fills *gap with the oldest gap not yet taken that lies before the record
 * scf_reader__next() returned last (or before its end of input), 0 when there is none.
 * Callers that want every gap call it after each scf_reader__next(); the reader keeps at
 * most 16 gaps not taken, forgetting the oldest.
 */
int scf_reader__next_gap(struct scf_reader *r, struct scf_gap *gap);
const char *scf_reader__errmsg(const struct scf_reader *r);
/* The section record in force (decoded body), NULL before the first record. */
const struct scf_section *scf_reader__section(const struct scf_reader *r);
bool scf_reader__compressed(const struct scf_reader *r);
/* Bytes of the input consumed so far (compressed bytes for a zstd file). */
uint64_t scf_reader__input_offset(const struct scf_reader *r);
uint64_t scf_reader__input_size(const struct scf_reader *r);
struct scf_fidx_entry;
/*
 * Tells the reader not to decompress the data frame an index entry (scf_fidx__load())
 * describes: when reading reaches it, the input moves past it and the pcapng offsets of later
 * records count its pcapng_len bytes as read. Index frames are read and checked all the same.
 * Calls come in file order, before the reader reaches the frames; a pipe ignores them.
 * 0, -EINVAL (out of order, or an entry that makes no sense) or -ENOMEM.
 */
int scf_reader__skip_frame(struct scf_reader *r, const struct scf_fidx_entry *e);
/* Frames the reader skipped so far. */
uint64_t scf_reader__frames_skipped(const struct scf_reader *r);
void scf_reader__free(struct scf_reader *r);

/* ============================================================================================
 * Frame index (FORMAT.md 7): what each zstd frame holds, readable without decompressing it
 * ============================================================================================ */

#define SCF_FIDX_MAGIC 0x184D2A5Cu   /* the zstd skippable frame magic of an index frame */
#define SCF_FIDX_ANY_PID 0xFFFFFFFFu /* scf_fidx_entry_may_hold_trace(): in any process */
#define SCF_FIDX_PAYLOAD_MAX (8u << 20)

/* flags of an entry */
#define SCF_FIDX_F_PIDS_ALL 0x0001    /* too many processes to list: pids[] is empty */
#define SCF_FIDX_F_PARENTS_ALL 0x0002 /* too many parent links to list: parents[] is partial */
#define SCF_FIDX_F_TRACES_ALL 0x0004  /* too many traces for the filter: any trace may be there */
#define SCF_FIDX_F_FD_PAIR 0x0008     /* a SYSCALL record carries an FD_PAIR item */
#define SCF_FIDX_F_LOSS_ANY 0x0010    /* a LOSS record not tied to one process (pid 0) */

/* The descriptor part of an entry (FORMAT.md 7.2, since 1.4): which (pid, fd) the frame's
 * records may change. */
#define SCF_FIDX_FDS_ABSENT 0 /* an older writer's entry: any descriptor may change */
#define SCF_FIDX_FDS_LISTED 1 /* fds[] lists every (pid, fd) the frame may change */
#define SCF_FIDX_FDS_ALL 2    /* too many to list: any descriptor may change */
#define SCF_FIDX_FD_PROCESS 0xFFFFFFFFu /* fd of an entry for all of a process's descriptors */
#define SCF_FIDX_FD_CHANGED 0x1 /* a record may change the slot or the description behind it */
#define SCF_FIDX_FD_SETTLED 0x2 /* what it names at the frame's end is decided by the frame */
#define SCF_FIDX_FD_ALIAS 0x4	/* its description is made from, or copied to, another's */
#define SCF_FIDX_FD_KILL 0x8	/* (fd PROCESS) the process died of a signal */
#define SCF_FIDX_FDS_HEAD 8	/* u32 count, u32 state */
#define SCF_FIDX_FD_ENTRY 12	/* u32 pid, u32 fd, u32 bits */

struct scf_fidx_fd {
	uint32_t pid, fd, bits;
};

/* One data frame, as its index describes it (decoded, host order). */
struct scf_fidx_entry {
	uint64_t lead;	      /* where the skippable frames just before it start (loader) */
	uint64_t offset;      /* compressed offset of the zstd frame */
	uint64_t csize;	      /* its compressed size */
	uint32_t pcapng_len;  /* bytes it decompresses to */
	uint32_t records;     /* records (EPBs) it holds */
	uint64_t ts_min, ts_max; /* EPB times of its records (wall clock ns) */
	uint32_t types;	      /* bit t: a record of type t (bit 31: of a type >= 31) */
	uint32_t flags;	      /* SCF_FIDX_F_* */
	uint32_t checksum;    /* the frame's zstd content checksum (its last 4 bytes) */
	uint32_t npids, nparents, bloom_words, bloom_k;
	uint32_t *pids;	   /* ascending: every pid a record of the frame names */
	uint32_t *parents; /* nparents pairs {pid, ppid} from PROCESS and fork records */
	uint64_t *bloom;   /* Bloom filter of {first 8 bytes of trace id, pid} */
	uint32_t fds_state; /* SCF_FIDX_FDS_* */
	uint32_t nfds;
	struct scf_fidx_fd *fds; /* ascending (pid, fd) */
};

/*
 * Decodes one index payload (the content of an index frame, or of a sidecar entry) into *e,
 * whose arrays are allocated (scf_fidx_entry_release()). 0, -EBADMSG (with a message naming
 * the payload offset) or -ENOMEM. Every length and count is checked against len.
 */
int scf_fidx_parse(const uint8_t *p, size_t len, struct scf_fidx_entry *e, char *err,
		   size_t errlen);
void scf_fidx_entry_release(struct scf_fidx_entry *e);
bool scf_fidx_entry_has_pid(const struct scf_fidx_entry *e, uint32_t pid);
/* The descriptor entry of (pid, fd) (fd SCF_FIDX_FD_PROCESS: the process-wide one) of an
 * entry whose fds_state is LISTED, or NULL when the frame does not change it. */
const struct scf_fidx_fd *scf_fidx_entry_fd(const struct scf_fidx_entry *e, uint32_t pid,
					    uint32_t fd);
/* Whether the frame may hold a record of the trace whose id starts with id8 in process pid
 * (SCF_FIDX_ANY_PID: in any). False means certainly not; true may be a false positive. */
bool scf_fidx_entry_may_hold_trace(const struct scf_fidx_entry *e, const uint8_t id8[8],
				   uint32_t pid);

/* The index of one file: an entry per data frame that has one, in file order. */
struct scf_fidx {
	struct scf_fidx_entry *e;
	size_t n;
	size_t frames;	  /* data frames the file holds (those without an entry are read) */
	bool sidecar;	  /* the entries come from FILE.idx */
	char note[SCF_ERRMSG_MAX]; /* why there is no index, or what was ignored */
};

/*
 * Loads the index of a zstd spancap file: the index frames it holds (format 1.3), else its
 * sidecar PATH.idx when that matches the file. Walks the file's frame headers (no
 * decompression); an index frame that does not describe the frame before it, or a sidecar
 * that does not match the file, is ignored with a note. Returns 1 with *out, 0 when there is
 * no usable index (x->note says why, *out set all the same), or a negative errno with err.
 */
int scf_fidx__load(const char *path, struct scf_fidx **out, char *err, size_t errlen);
void scf_fidx__free(struct scf_fidx *x);
/*
 * Builds PATH.idx (mode 0600) for a zstd spancap file of format 1.2 or later: decompresses
 * every frame once. 1 written, 0 not needed (the file has index frames; msg says so), or a
 * negative errno with msg (a damaged frame: its compressed offset).
 */
int scf_fidx__build_sidecar(const char *path, char *msg, size_t msglen);

#endif /* SPANCAP_FILE_H */
