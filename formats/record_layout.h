/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * record_layout.h - the on-disk spancap records, byte for byte.
 *
 * This header is the normative layout; formats/FORMAT.md explains it in prose. Every record is
 * the payload of one pcapng Enhanced Packet Block (link type LINKTYPE_USER0 = 147, if_tsresol 9):
 * the EPB timestamp is the record's wall-clock time in nanoseconds since the Unix epoch.
 *
 * A record is
 *
 *   +------+------+----------+-------+----------------------+---------------------------+
 *   | type | len  | body_len | flags | body (body_len bytes)| items (len - 8 - body_len) |
 *   | u16  | u16  | u16      | u16   | fixed fields         | {u16 tag, u16 n, n bytes}* |
 *   +------+------+----------+-------+----------------------+---------------------------+
 *
 * All integers are little-endian. Nothing is aligned on disk: readers copy fields out. Bodies
 * only ever grow at the end (append-only): a reader copies min(body_len, its struct size) bytes
 * into a zeroed struct, so fields a writer did not know read as zero and fields a reader does
 * not know are ignored. Items carry variable-length data (paths, names, addresses); a reader
 * skips tags it does not know. Record types a reader does not know are skipped whole.
 *
 * Structs below have no implicit padding (checked by _Static_assert); a gap is a named field
 * that writers zero.
 */
#ifndef SPANCAP_RECORD_LAYOUT_H
#define SPANCAP_RECORD_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "formats/ stores records little-endian and copies them into host structs: big-endian hosts need byte-swapping decoders, not written yet"
#endif

/* Format version, carried by every section record. A reader rejects an unknown major. */
#define SCF_FORMAT_MAJOR 1
/* 1.1 added SCF_REC_SYSCALL_PACKED; 1.2 packs them per frame, adds SCF_REC_CLOCK and the
 * PROCESS record's pid namespace; 1.3 adds an index frame after each zstd frame
 * (FORMAT.md 7, spancap_file.h); 1.4 adds the descriptors each frame changes to its index
 * frame (FORMAT.md 7.2) */
#define SCF_FORMAT_MINOR 4

#define SCF_LINKTYPE 147 /* LINKTYPE_USER0 */
#define SCF_TSRESOL 9	 /* if_tsresol: 10^-9 s */

/* A record never exceeds 64 KiB - 1 (len is 16 bits); writers truncate items to fit. */
#define SCF_REC_MAX 65535u

enum scf_rec_type {
	SCF_REC_SECTION = 1,	/* capture and host info; first record of every section */
	SCF_REC_PROCESS = 2,	/* a process and how its OTel context was resolved */
	SCF_REC_THREAD = 3,	/* a thread seen, started, renamed or exited */
	SCF_REC_FD = 4,		/* one open file descriptor of a snapshot */
	SCF_REC_THREAD_CTX = 5, /* a thread's context record with its raw attributes */
	SCF_REC_SYSCALL = 6,	/* one syscall: args, result, times, active trace/span */
	SCF_REC_PROC_EVENT = 7, /* fork, exec, exit */
	SCF_REC_LOSS = 8,	/* events lost or degraded, per CPU and time window */
	SCF_REC_END = 9,	/* totals; last record of a section that was closed cleanly */
	SCF_REC_SYSCALL_PACKED = 10, /* 1.1: a SYSCALL record packed (readers unpack it) */
	SCF_REC_CLOCK = 11,	     /* 1.2: a measurement of the boot-to-wall clock offset */
	SCF_REC_TYPE_MAX
};

struct scf_rec_hdr {
	uint16_t type;	   /* enum scf_rec_type */
	uint16_t len;	   /* whole record: header + body + items; equals the EPB captured length */
	uint16_t body_len; /* bytes of the fixed body that follows the header */
	uint16_t flags;	   /* meaning depends on the type (SCF_*_F_*) */
};
_Static_assert(sizeof(struct scf_rec_hdr) == 8, "record header is 8 bytes");

struct scf_item_hdr {
	uint16_t tag; /* enum scf_item_tag */
	uint16_t len; /* bytes of data that follow */
};
_Static_assert(sizeof(struct scf_item_hdr) == 4, "item header is 4 bytes");

/*
 * Item tags share one namespace across record types. Strings are raw bytes without a NUL
 * (the item length says how long); lists of strings (argv, key map) are sequences of
 * {u16 length, bytes}.
 */
enum scf_item_tag {
	SCF_ITEM_PATH = 1,	     /* a path: file opened, exec'ed, fd target */
	SCF_ITEM_PATH2 = 2,	     /* second path: rename/link target */
	SCF_ITEM_SOCKADDR = 3,	     /* remote or target address (struct scf_sockaddr) */
	SCF_ITEM_SOCKADDR_LOCAL = 4, /* local address of a socket */
	SCF_ITEM_ARGV = 5,	     /* string list */
	SCF_ITEM_FD_PAIR = 6,	     /* two int32 fds: pipe, socketpair */
	SCF_ITEM_NAME = 7,	     /* comm of a process or name of a thread */
	SCF_ITEM_EXE = 8,	     /* executable path */
	SCF_ITEM_CGROUP = 9,	     /* cgroup v2 path */
	SCF_ITEM_RESOURCE_ATTRS = 10, /* attribute list (OTEP 4719 Resource.attributes) */
	SCF_ITEM_EXTRA_ATTRS = 11,    /* attribute list (OTEP 4719 ProcessContext.attributes) */
	SCF_ITEM_SCHEMA_VERSION = 12, /* threadlocal.schema_version */
	SCF_ITEM_KEY_MAP = 13,	      /* string list: threadlocal.attribute_key_map */
	SCF_ITEM_REASON = 14,	      /* human-readable explanation (why not resolved, ...) */
	SCF_ITEM_HOSTNAME = 15,
	SCF_ITEM_KERNEL_RELEASE = 16, /* uname -r */
	SCF_ITEM_KERNEL_VERSION = 17, /* uname -v */
	SCF_ITEM_MACHINE = 18,	      /* uname -m */
	SCF_ITEM_TOOL_VERSION = 19,   /* "spancap 0.1.0" */
	SCF_ITEM_CMDLINE = 20,	      /* string list: the capture's own command line */
	SCF_ITEM_ATTRS_RAW = 21,      /* OTEP 4947 attrs_data bytes, as read */
	SCF_ITEM_TLS_MODULE = 22,     /* path of the module defining otel_thread_ctx_v1 */
	SCF_ITEM_COUNTERS = 23,	      /* sequence of struct scf_counter */
	SCF_ITEM_EXE_HOST = 24,	      /* 1.2: the executable's path as the writer saw it */
	SCF_ITEM_SAMPLING = 25,	      /* struct scf_sampling: the section holds a trace sample */
	SCF_ITEM_TAG_MAX
};

/* ---- SCF_ITEM_SOCKADDR / SCF_ITEM_SOCKADDR_LOCAL ------------------------------------------ */

/*
 * { u16 family; u16 port; address }. family uses Linux numbers. port is in host order.
 *   SCF_AF_INET:  4 address bytes (network order), item length 8
 *   SCF_AF_INET6: 16 address bytes, then u32 scope id, item length 24
 *   SCF_AF_UNIX:  path bytes (item length - 4); an abstract name starts with a 0 byte
 * Other families: the raw sockaddr bytes that follow sa_family, port 0.
 */
enum scf_af {
	SCF_AF_UNSPEC = 0,
	SCF_AF_UNIX = 1,
	SCF_AF_INET = 2,
	SCF_AF_INET6 = 10,
};

struct scf_sockaddr_hdr {
	uint16_t family;
	uint16_t port;
};

/* ---- SCF_ITEM_RESOURCE_ATTRS / SCF_ITEM_EXTRA_ATTRS ---------------------------------------- */

/*
 * An attribute list is a sequence of entries
 *   { u8 type; u8 reserved; u16 key_len; u16 val_len; key bytes; value bytes }
 * STRING and BYTES values are raw bytes; BOOL is one byte (0 or 1); INT is an int64 and
 * DOUBLE an IEEE-754 binary64, both 8 bytes little-endian; ARRAY is a nested attribute list
 * whose keys are empty; KVLIST is a nested attribute list. Nesting is at most
 * SCF_ATTR_MAX_DEPTH deep.
 */
enum scf_val_type {
	SCF_VAL_STRING = 1,
	SCF_VAL_BOOL = 2,
	SCF_VAL_INT = 3,
	SCF_VAL_DOUBLE = 4,
	SCF_VAL_ARRAY = 5,
	SCF_VAL_KVLIST = 6,
	SCF_VAL_BYTES = 7,
};
#define SCF_ATTR_MAX_DEPTH 4

struct scf_attr_hdr {
	uint8_t type;
	uint8_t reserved;
	uint16_t key_len;
	uint16_t val_len;
};
_Static_assert(sizeof(struct scf_attr_hdr) == 6, "attribute entry header is 6 bytes");

/* ---- SCF_ITEM_COUNTERS ---------------------------------------------------------------------- */

struct scf_counter {
	uint32_t id; /* enum scf_counter_id */
	uint32_t cpu; /* SCF_CPU_ANY when not per CPU */
	uint64_t value;
};
_Static_assert(sizeof(struct scf_counter) == 16, "counter is 16 bytes");

#define SCF_CPU_ANY 0xffffffffu

/* Counter ids; new ids are only ever appended. */
enum scf_counter_id {
	SCF_CNT_EVENTS = 1,	     /* events received from the kernel */
	SCF_CNT_RINGBUF_DROPS = 2,   /* events the kernel could not reserve room for */
	SCF_CNT_MAP_FULL = 3,	     /* kernel map insertions that failed */
	SCF_CNT_ARG_FAULTS = 4,	     /* syscall records with an argument read that failed */
	SCF_CNT_CTX_FAULTS = 5,	     /* user-memory reads of thread context that failed */
	SCF_CNT_WRITE_DROPS = 6,     /* events user space could not write */
	SCF_CNT_RECORDS = 7,	     /* records written */
	SCF_CNT_BYTES = 8,	     /* bytes written to files (after compression) */
	SCF_CNT_UNMATCHED = 9,	     /* syscall exits without a recorded entry */
	SCF_CNT_CTX_INVALID = 10,    /* context records rejected (valid != 1, bad sizes) */
	/* the flight recorder (spancap --ring), in files it wrote on a trigger: */
	SCF_CNT_RING_TRIGGERS = 11,	     /* triggers fired since the capture started */
	SCF_CNT_RING_DROPPED_SECTIONS = 12, /* sections dropped from memory */
	SCF_CNT_RING_DROPPED_BYTES = 13,    /* ... their compressed bytes */
	SCF_CNT_RING_OVERFLOWS = 14,	     /* ... of them, dropped for room before they aged
					      * out of the window: the ring was too small */
	SCF_CNT_SAMPLED_OUT = 15,	     /* syscalls left out by trace sampling (not lost) */
};

/* ---- SCF_ITEM_SAMPLING (SECTION) ---------------------------------------------------------- */

/*
 * The capture recorded only the syscalls of a sample of traces (FORMAT.md 4.4): with
 * SCF_SAMPLING_FRACTION, a trace whose R (trace_id[9..15] as a big-endian 56-bit integer) is at
 * least threshold; with SCF_SAMPLING_FLAGGED, a trace whose W3C sampled flag is set. The
 * fraction kept is (2^56 - threshold) / 2^56. No item: every trace was recorded.
 *  0 threshold  8 mode  9 reserved[7]
 */
struct scf_sampling {
	uint64_t threshold; /* SCF_SAMPLING_FRACTION: R >= threshold is kept; < 2^56 */
	uint8_t mode;	    /* SCF_SAMPLING_* */
	uint8_t reserved[7];
};
_Static_assert(sizeof(struct scf_sampling) == 16, "sampling item layout");

#define SCF_SAMPLING_FRACTION 0x01 /* --sample-traces */
#define SCF_SAMPLING_FLAGGED 0x02  /* --sampled-only */
#define SCF_SAMPLING_R_BITS 56

/* ---- SCF_REC_SECTION ----------------------------------------------------------------------- */

/*
 *  0 format_major  2 format_minor  4 section_index
 *  8 capture_start_ns  16 section_start_ns  24 boot_to_wall_ns
 * 32 ncpus  36 page_size  40 capture_id[16]  56 boot_id[16]  72 syscall_abi  73 reserved[7]
 * Items: HOSTNAME, KERNEL_RELEASE, KERNEL_VERSION, MACHINE, TOOL_VERSION, CMDLINE, SAMPLING.
 */
struct scf_section {
	uint16_t format_major;
	uint16_t format_minor;
	uint32_t section_index;	   /* 0, 1, 2... across every file of one capture */
	uint64_t capture_start_ns; /* wall clock, same in every section of a capture */
	uint64_t section_start_ns; /* wall clock */
	int64_t boot_to_wall_ns;   /* wall clock = CLOCK_BOOTTIME + boot_to_wall_ns */
	uint32_t ncpus;
	uint32_t page_size;
	uint8_t capture_id[16]; /* random; shared by every section and file of one capture */
	uint8_t boot_id[16];	/* /proc/sys/kernel/random/boot_id: identifies the host boot */
	uint8_t syscall_abi;	/* enum scf_abi of the host kernel's native syscall table */
	uint8_t reserved[7];
};
_Static_assert(sizeof(struct scf_section) == 80, "section body layout");
_Static_assert(offsetof(struct scf_section, capture_id) == 40, "section body layout");
#define SCF_SECTION_MIN 80

enum scf_abi {
	SCF_ABI_UNKNOWN = 0,
	SCF_ABI_X86_64 = 1,
	SCF_ABI_I386 = 2,    /* compat syscalls of a 32-bit task on x86_64 */
	SCF_ABI_AARCH64 = 3,
};

/* ---- SCF_REC_PROCESS ----------------------------------------------------------------------- */

/*
 *  0 pid  4 ppid  8 uid  12 gid  16 start_ns  24 origin  25 ctx_status  26 tls_model
 * 27 reserved0  28 ctx_version  32 ctx_published_ns  40 tls_tp_offset  48 tls_module_id
 * 56 tls_module_offset  64 ns_pid  68 ns_level  69 reserved1[3]  72 pidns_inode  (1.2)
 * Items: NAME (comm), EXE (as the process sees it), EXE_HOST (as the writer saw it, when that
 * differs), ARGV, CGROUP, RESOURCE_ATTRS, EXTRA_ATTRS, SCHEMA_VERSION, KEY_MAP, TLS_MODULE,
 * REASON (why the context is not resolved, when it is not).
 */
struct scf_process {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	uint64_t start_ns;	 /* wall clock */
	uint8_t origin;		 /* enum scf_proc_origin */
	uint8_t ctx_status;	 /* enum scf_ctx_status */
	uint8_t tls_model;	 /* enum scf_tls_model */
	uint8_t reserved0;
	uint32_t ctx_version;	 /* OTEP 4719 header version; 0 when none was read */
	uint64_t ctx_published_ns; /* OTEP 4719 monotonic_published_at_ns of the payload read */
	int64_t tls_tp_offset;	 /* static models: &otel_thread_ctx_v1 = TP + tls_tp_offset */
	uint64_t tls_module_id;	 /* dynamic models: DTV module id ... */
	uint64_t tls_module_offset; /* ... and offset inside that module's TLS block */
	/*
	 * Since 1.2. pid, ppid and every pid and tid of other records are host pids (the initial
	 * pid namespace's). A process in a pid namespace sees other numbers: ns_pid is its pid
	 * in its own (innermost) namespace, ns_level how many namespaces that one sits below the
	 * host's (0: ns_pid == pid), pidns_inode the inode of /proc/PID/ns/pid. The pids that
	 * its syscalls return or take (fork, clone, getpid, wait4, kill, ...) are in its own
	 * namespace's numbering. ns_pid 0: unknown (a writer before 1.2, or the process was gone).
	 */
	uint32_t ns_pid;
	uint8_t ns_level;
	uint8_t reserved1[3];
	uint64_t pidns_inode;
};
_Static_assert(sizeof(struct scf_process) == 80, "process body layout");
_Static_assert(offsetof(struct scf_process, ctx_published_ns) == 32, "process body layout");
_Static_assert(offsetof(struct scf_process, ns_pid) == 64, "process body layout");
#define SCF_PROCESS_MIN 64 /* the 1.0 body; 1.2 writers write 80 bytes */

enum scf_proc_origin {
	SCF_ORIGIN_SCAN = 1,	   /* found by the scan at capture or section start */
	SCF_ORIGIN_FORK = 2,	   /* created during the capture */
	SCF_ORIGIN_EXEC = 3,	   /* re-described after exec */
	SCF_ORIGIN_CTX_UPDATE = 4, /* re-described after its context or mappings changed */
};

enum scf_ctx_status {
	SCF_CTX_NONE = 0,	  /* publishes no process context */
	SCF_CTX_RESOLVED = 1,	  /* thread context located: tls_* fields are valid */
	SCF_CTX_PENDING = 2,	  /* process context without threadlocal.* keys yet */
	SCF_CTX_NO_SYMBOL = 3,	  /* no module defines otel_thread_ctx_v1 */
	SCF_CTX_UNSUPPORTED = 4,  /* schema the reader cannot follow (e.g. go_pprof_labels_v1) */
	SCF_CTX_ERROR = 5,	  /* resolution failed: see REASON */
	SCF_CTX_INHERITED = 6,	  /* fork child using its parent's resolution */
};

enum scf_tls_model {
	SCF_TLS_NONE = 0,
	SCF_TLS_LOCAL_EXEC = 1,
	SCF_TLS_INITIAL_EXEC = 2,
	SCF_TLS_TLSDESC_STATIC = 3,
	SCF_TLS_TLSDESC_DYNAMIC = 4,
	SCF_TLS_GENERAL_DYNAMIC = 5,
	SCF_TLS_LINK_MAP_STATIC = 6,
	SCF_TLS_LINK_MAP_DYNAMIC = 7,
	SCF_TLS_MUSL_DYNAMIC = 8,
};

/* ---- SCF_REC_THREAD ------------------------------------------------------------------------ */

/*
 *  0 pid  4 tid  8 start_ns  16 exit_ns  24 event  25 reserved[7]
 * Items: NAME.
 */
struct scf_thread {
	uint32_t pid;
	uint32_t tid;
	uint64_t start_ns; /* wall clock; 0 when unknown */
	uint64_t exit_ns;  /* wall clock; 0 while alive */
	uint8_t event;	   /* enum scf_thread_event */
	uint8_t reserved[7];
};
_Static_assert(sizeof(struct scf_thread) == 32, "thread body layout");
#define SCF_THREAD_MIN 32

enum scf_thread_event {
	SCF_THREAD_SEEN = 1,   /* present when a section started */
	SCF_THREAD_START = 2,  /* created during the capture */
	SCF_THREAD_EXIT = 3,
	SCF_THREAD_RENAME = 4,
};

/* ---- SCF_REC_FD ---------------------------------------------------------------------------- */

/*
 *  0 pid  4 fd  8 kind  9 sock_type  10 sock_proto  12 open_flags  16 inode
 * Items: PATH (file path, or the link text such as "pipe:[123]"), SOCKADDR_LOCAL, SOCKADDR.
 */
struct scf_fd {
	uint32_t pid;
	int32_t fd;
	uint8_t kind;	     /* enum scf_fd_kind */
	uint8_t sock_type;   /* SOCK_STREAM = 1, SOCK_DGRAM = 2, ...; 0 when not a socket */
	uint16_t sock_proto; /* IPPROTO_TCP = 6, IPPROTO_UDP = 17, ...; 0 when unknown */
	uint32_t open_flags; /* O_* flags from fdinfo, O_CLOEXEC included */
	uint64_t inode;
};
_Static_assert(sizeof(struct scf_fd) == 24, "fd body layout");
#define SCF_FD_MIN 24

enum scf_fd_kind {
	SCF_FD_UNKNOWN = 0,
	SCF_FD_FILE = 1,
	SCF_FD_DIR = 2,
	SCF_FD_PIPE = 3,
	SCF_FD_SOCKET = 4,
	SCF_FD_DEVICE = 5,
	SCF_FD_ANON = 6, /* anon_inode: eventfd, epoll, timerfd, ... */
	SCF_FD_MEMFD = 7,
};

/* ---- SCF_REC_THREAD_CTX -------------------------------------------------------------------- */

/*
 *  0 pid  4 tid  8 trace_id[16]  24 span_id[8]  32 trace_flags  33 valid  34 attrs_size
 * 36 reserved
 * Items: ATTRS_RAW (attrs_data as read; at most SCF_ATTRS_MAX bytes).
 * Written when a thread's attributes change; syscall records carry trace and span ids only.
 */
struct scf_thread_ctx {
	uint32_t pid;
	uint32_t tid;
	uint8_t trace_id[16]; /* W3C byte order */
	uint8_t span_id[8];
	uint8_t trace_flags;
	uint8_t valid;	     /* 1: attached; 0: detached (no context) */
	uint16_t attrs_size; /* attrs_data_size as declared by the writer process */
	uint32_t reserved;
};
_Static_assert(sizeof(struct scf_thread_ctx) == 40, "thread context body layout");
#define SCF_THREAD_CTX_MIN 40
#define SCF_ATTRS_MAX 612 /* OTEP 4947: 640-byte record minus its 28-byte header */

#define SCF_THREAD_CTX_F_TRUNCATED 0x0001 /* declared attrs_size exceeded SCF_ATTRS_MAX */
#define SCF_THREAD_CTX_F_SAMPLED_OUT 0x0002 /* valid 0: the thread moved on to a context whose
					     * trace the sampling leaves out (SCF_ITEM_SAMPLING) */

/* ---- SCF_REC_SYSCALL ----------------------------------------------------------------------- */

/*
 *  0 duration_ns  8 ret  16 args[6]  64 tid  68 pid  72 nr  74 cpu  76 abi  77 trace_flags
 * 78 reserved  80 trace_id[16]  96 span_id[8]
 * Items: PATH, PATH2, SOCKADDR, SOCKADDR_LOCAL, ARGV, FD_PAIR, NAME: the decoded arguments.
 * The EPB timestamp is the entry time; exit = entry + duration_ns.
 *
 * The fields that change from one syscall to the next come first, right after the EPB
 * timestamp and the record header, which are constant between records of one size: zstd then
 * sees one run of new bytes per record instead of several (measured: about 2% smaller).
 */
struct scf_syscall {
	uint64_t duration_ns;
	int64_t ret; /* return value; -errno on failure */
	uint64_t args[6];
	uint32_t tid;
	uint32_t pid;
	uint16_t nr;	     /* syscall number in the table of abi */
	uint16_t cpu;	     /* CPU at entry */
	uint8_t abi;	     /* enum scf_abi */
	uint8_t trace_flags; /* W3C trace flags of the context at entry */
	uint16_t reserved;
	uint8_t trace_id[16]; /* context active at entry; zero when none (see flags) */
	uint8_t span_id[8];
};
_Static_assert(sizeof(struct scf_syscall) == 104, "syscall body layout");
_Static_assert(offsetof(struct scf_syscall, tid) == 64, "syscall body layout");
_Static_assert(offsetof(struct scf_syscall, trace_id) == 80, "syscall body layout");
#define SCF_SYSCALL_MIN 104

#define SCF_SYSCALL_F_CTX 0x0001	/* trace_id/span_id hold a valid context */
#define SCF_SYSCALL_F_NO_EXIT 0x0002	/* no exit seen: ret and duration are meaningless */
#define SCF_SYSCALL_F_TRUNCATED 0x0004	/* a decoded string or address was cut short */
#define SCF_SYSCALL_F_ARG_FAULT 0x0008	/* reading an argument from user memory failed */
#define SCF_SYSCALL_F_CTX_FAULT 0x0010	/* reading the thread context failed */
#define SCF_SYSCALL_F_CTX_CHANGED 0x0020 /* the context changed between entry and exit */
#define SCF_SYSCALL_F_SAMPLED_OUT 0x0040 /* made in a trace the sampling leaves out, recorded
					  * without its context (fork, exec, exit, ...) */

/* ---- SCF_REC_SYSCALL_PACKED (format 1.1) -------------------------------------------------- */

/*
 * A SYSCALL record whose body is packed; its items are the SYSCALL record's, unchanged. The
 * writer packs every SYSCALL record that unpacks to exactly the same bytes; readers unpack it
 * to the plain record (type SCF_REC_SYSCALL, body_len 104, the flags below bit 12).
 *
 * Body, in order ("varint": unsigned LEB128, at most 10 bytes; "zz": zigzag, (v << 1) ^ (v >> 63)):
 *   varint duration_ns, varint zz(ret), varint cpu, varint tid, varint nr,
 *   if SCF_PACKED_F_PROC: varint pid, u8 abi,
 *   u8 arg_mask (bit i: args[i] != 0), varint zz(args[i]) for each bit set, lowest first,
 *   if SCF_PACKED_F_TRACE: u8 trace_id[16], u8 trace_flags,
 *   if SCF_PACKED_F_SPAN:  u8 span_id[8].
 * Bytes after these are fields of later versions: readers ignore them.
 *
 * By reference: readers and writers keep a table of SCF_CTX_SLOTS slots, emptied at every
 * SECTION record; a packed record of thread tid uses slot (tid & 4095). pid and abi that do not
 * follow are the slot's, and so are trace and span ids that do not follow in a record with
 * SCF_SYSCALL_F_CTX (the slot must hold this tid, and a context for ids). Afterwards the slot
 * holds this tid, pid and abi, and with SCF_SYSCALL_F_CTX the record's ids; a slot taken over
 * by another tid forgets the ids. FORMAT.md 5.10 says it step by step.
 */
#define SCF_SYSCALL_PACKED_MIN 6 /* one byte for each field up to arg_mask */
#define SCF_CTX_SLOTS 4096
#define SCF_PACKED_F_SYSCALL_MASK 0x0fff /* SCF_SYSCALL_F_* as in the plain record */
#define SCF_PACKED_F_TRACE 0x1000	 /* trace_id and trace_flags follow */
#define SCF_PACKED_F_SPAN 0x2000	 /* span_id follows */
#define SCF_PACKED_F_PROC 0x4000	 /* pid and abi follow */

/* ---- SCF_REC_PROC_EVENT -------------------------------------------------------------------- */

/*
 *  0 pid  4 tid  8 ppid  12 kind  13 reserved[3]  16 exit_status  20 reserved2
 * Items: PATH (exec: the file executed), NAME (comm after the event).
 */
struct scf_proc_event {
	uint32_t pid;  /* fork: the child; exec, exit: the process */
	uint32_t tid;  /* the thread that forked, exec'ed or exited last */
	uint32_t ppid; /* fork: the parent */
	uint8_t kind;  /* enum scf_proc_event_kind */
	uint8_t reserved[3];
	int32_t exit_status; /* exit: wait(2)-style status (code << 8 | signal) */
	uint32_t reserved2;
};
_Static_assert(sizeof(struct scf_proc_event) == 24, "process event body layout");
#define SCF_PROC_EVENT_MIN 24

enum scf_proc_event_kind {
	SCF_PROC_FORK = 1,
	SCF_PROC_EXEC = 2,
	SCF_PROC_EXIT = 3,
};

/* ---- SCF_REC_LOSS -------------------------------------------------------------------------- */

/*
 *  0 window_start_ns  8 window_end_ns  16 count  24 cpu  28 reason  30 reserved  32 pid
 * 36 reserved2
 * Events in [window_start_ns, window_end_ns] (wall clock) on cpu are incomplete: count of them
 * were dropped (reason ..._DROP) or recorded with missing data (the other reasons).
 */
struct scf_loss {
	uint64_t window_start_ns;
	uint64_t window_end_ns;
	uint64_t count;
	uint32_t cpu; /* SCF_CPU_ANY when not per CPU */
	uint16_t reason; /* enum scf_loss_reason */
	uint16_t reserved;
	uint32_t pid; /* 0 when the loss is not tied to one process */
	uint32_t reserved2;
};
_Static_assert(sizeof(struct scf_loss) == 40, "loss body layout");
#define SCF_LOSS_MIN 40

enum scf_loss_reason {
	SCF_LOSS_RINGBUF_FULL = 1, /* event dropped in the kernel: ring buffer full */
	SCF_LOSS_MAP_FULL = 2,	   /* event dropped in the kernel: a map was full */
	SCF_LOSS_WRITE_ERROR = 3,  /* event dropped in user space: could not be written */
	SCF_LOSS_ARG_FAULT = 4,	   /* event kept, an argument could not be read */
	SCF_LOSS_CTX_FAULT = 5,	   /* event kept, the thread context could not be read */
	SCF_LOSS_UNMATCHED = 6,	   /* an exit without its entry, or an entry never exited */
};

/* ---- SCF_REC_END --------------------------------------------------------------------------- */

/*
 *  0 end_ns  8 records  16 events_lost  24 syscalls  32 stop_reason  33 clean  34 reserved[6]
 * Items: COUNTERS (every counter the capture keeps, kernel and user space).
 */
struct scf_end {
	uint64_t end_ns;
	uint64_t records;     /* records written in this section before this one */
	uint64_t events_lost; /* events dropped since the capture started (all reasons _DROP) */
	uint64_t syscalls;    /* syscall records written since the capture started */
	uint8_t stop_reason;  /* enum scf_stop_reason */
	uint8_t clean;	      /* 1 when the capture stopped as asked, 0 after an error */
	uint8_t reserved[6];
};
_Static_assert(sizeof(struct scf_end) == 40, "end body layout");
#define SCF_END_MIN 40

enum scf_stop_reason {
	SCF_STOP_SIGNAL = 1,	/* SIGINT / SIGTERM */
	SCF_STOP_COUNT = 2,	/* -c COUNT reached */
	SCF_STOP_DURATION = 3,	/* --duration reached */
	SCF_STOP_COMMAND = 4,	/* the command given after -- exited */
	SCF_STOP_ROTATE = 5,	/* the section ended because the file was rotated */
	SCF_STOP_ERROR = 6,	/* a fatal error */
	SCF_STOP_TARGETS_EXITED = 7, /* every process of -p (and their children) exited */
};

/* ---- SCF_REC_CLOCK (format 1.2) --------------------------------------------------------- */

/*
 *  0 boot_ns  8 boot_to_wall_ns  16 uncertainty_ns
 * The writer's measurement of CLOCK_REALTIME - CLOCK_BOOTTIME at boot_ns (CLOCK_BOOTTIME), to
 * within +/- uncertainty_ns: written at the start of every section and whenever the offset
 * moved (an NTP step, a slew that added up); the records that follow have wall-clock times
 * computed with it. No items.
 */
struct scf_clock {
	uint64_t boot_ns;
	int64_t boot_to_wall_ns;
	uint64_t uncertainty_ns;
};
_Static_assert(sizeof(struct scf_clock) == 24, "clock body layout");
#define SCF_CLOCK_MIN 24

#endif /* SPANCAP_RECORD_LAYOUT_H */
