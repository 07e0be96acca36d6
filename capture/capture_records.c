// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_records.c - turns kernel events (spancap_abi.h) into formats/ records and writes the
 * records that frame a capture: SECTION first, LOSS whenever a kernel counter of lost or
 * degraded events moved, END with every counter last. Kernel times (CLOCK_BOOTTIME) become
 * wall-clock times here, with the offset measured once at start and stored in SECTION.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

#define TOOL_VERSION "spancap " SPANCAP_VERSION
#define REC_BUF (SCF_REC_MAX + 1)
/* The boot-to-wall offset is re-measured this often, and taken when it moved more than this. */
#define CLOCK_PERIOD_NS 1000000000ull
#define CLOCK_MOVED_NS 1000000

_Static_assert(SC_SAMPLE_FRACTION == SCF_SAMPLING_FRACTION &&
		       SC_SAMPLE_FLAGGED == SCF_SAMPLING_FLAGGED &&
		       SC_SAMPLE_R_BITS == SCF_SAMPLING_R_BITS,
	       "the kernel's sampling bits are the file's");

struct recorder {
	struct recorder_hooks hooks;
	struct scf_writer *w;
	struct scf_writer_opts wo;
	struct scf_section sec; /* of the current file; capture_id and start are the capture's */
	int argc;
	char **argv;
	struct scf_sampling sampling; /* mode 0: no trace sampling, no SAMPLING item */
	uint64_t done_records; /* in the files rotated away */
	uint64_t done_bytes;
	int64_t boot_to_wall;	/* the offset event times are converted with */
	uint64_t clock_unc;	/* its uncertainty, ns */
	uint64_t clock_boot_ns; /* CLOCK_BOOTTIME of its measurement */
	uint64_t next_clock_ns; /* CLOCK_MONOTONIC of the next re-measurement */
	uint8_t buf[REC_BUF];
	/* user-space counters */
	uint64_t events;      /* kernel events received */
	uint64_t syscalls;    /* syscall records written */
	uint64_t max_syscalls; /* -c: no syscall record past this many; 0: no limit */
	uint64_t past_count;   /* syscall events received once max_syscalls were written */
	uint64_t write_drops; /* events that could not be written */
	uint64_t bad_events;  /* malformed events (never expected: counted as write drops) */
	uint64_t kernel_lost; /* events dropped in the kernel (ring buffer, map full) */
	uint64_t accepted;    /* events whose record the writer took (opts.progress of the writer) */
	uint64_t readable;    /* events readable when the last file was closed (r->w has none) */
	bool compress_thread; /* each file's writer compresses on a thread of its own */
	/* kernel counters at the last recorder__counters() call */
	uint64_t *prev;
	uint64_t *last;
	int ncpus;
	uint64_t prev_wall;
	/* --ring: the triggers evaluated on syscall records, and what the ring reports */
	const struct flight_trigger *trig;
	uint64_t triggers; /* fired and not yet taken by recorder__take_triggers() */
	uint64_t ring[4];  /* SCF_CNT_RING_TRIGGERS .. SCF_CNT_RING_OVERFLOWS */
	bool ring_on;
};

static void hook_request_resolve(const struct recorder *r, uint32_t pid, uint8_t reasons)
{
	if (r->hooks.request_resolve)
		r->hooks.request_resolve(r->hooks.ctx, pid, reasons);
}

static void hook_event_of(const struct recorder *r, uint32_t pid)
{
	if (r->hooks.event_of)
		r->hooks.event_of(r->hooks.ctx, pid);
}

static void hook_process_gone(const struct recorder *r, uint32_t pid)
{
	if (r->hooks.process_gone)
		r->hooks.process_gone(r->hooks.ctx, pid);
}

static void hook_on_fork(const struct recorder *r, uint32_t pid, uint32_t ppid, uint16_t flags,
			 const struct proc_facts *f)
{
	if (r->hooks.on_fork)
		r->hooks.on_fork(r->hooks.ctx, pid, ppid, flags, f);
}

static void hook_on_exec(const struct recorder *r, uint32_t pid, const struct proc_facts *f)
{
	if (r->hooks.on_exec)
		r->hooks.on_exec(r->hooks.ctx, pid, f);
	else
		hook_request_resolve(r, pid, SC_RESOLVE_EXEC);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * CLOCK_REALTIME - CLOCK_BOOTTIME, from the tightest of a few bracketed samples; *unc gets half
 * that bracket, *at the CLOCK_BOOTTIME of the sample.
 */
static int64_t measure_boot_to_wall(uint64_t *unc, uint64_t *at)
{
	uint64_t best_gap = UINT64_MAX;
	int64_t off = 0;

	for (int i = 0; i < 16; i++) {
		uint64_t b0 = clock_ns(CLOCK_BOOTTIME);
		uint64_t r = clock_ns(CLOCK_REALTIME);
		uint64_t b1 = clock_ns(CLOCK_BOOTTIME);
		if (b1 - b0 < best_gap) {
			best_gap = b1 - b0;
			off = (int64_t)(r - (b0 + (b1 - b0) / 2));
			*at = b0 + (b1 - b0) / 2;
		}
	}
	*unc = (best_gap + 1) / 2;
	return off;
}

/* Takes a new measurement as the offset event times are converted with. */
static void set_clock(struct recorder *r)
{
	r->boot_to_wall = measure_boot_to_wall(&r->clock_unc, &r->clock_boot_ns);
	r->next_clock_ns = clock_ns(CLOCK_MONOTONIC) + CLOCK_PERIOD_NS;
}

/* The CLOCK record of the offset in use (FORMAT.md 5.11). */
static int write_clock(struct recorder *r)
{
	struct scf_clock c = {.boot_ns = r->clock_boot_ns,
			      .boot_to_wall_ns = r->boot_to_wall,
			      .uncertainty_ns = r->clock_unc};
	struct scf_rec_builder b;

	scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_CLOCK, 0, &c, sizeof(c));
	return recorder__append(r, r->clock_boot_ns + (uint64_t)r->boot_to_wall, r->buf,
				scf_rb_end(&b));
}

uint64_t recorder__wall(const struct recorder *r, uint64_t boot_ns)
{
	return boot_ns + r->boot_to_wall;
}

uint64_t recorder__now_wall(const struct recorder *r)
{
	return recorder__wall(r, clock_ns(CLOCK_BOOTTIME));
}

static void read_boot_id(uint8_t id[16])
{
	char s[64] = "";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	size_t j = 0;

	memset(id, 0, 16);
	if (fd < 0)
		return;
	ssize_t n = read(fd, s, sizeof(s) - 1);
	close(fd);
	for (ssize_t i = 0; i < n && j < 32; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			continue;
		id[j / 2] |= j % 2 ? v : v << 4;
		j++;
	}
}

/* Creates path (or takes stdout for "-", or fd when it is not -1: a flight recorder segment,
 * path its name) with the writer options of r. */
static struct scf_writer *create_file(struct recorder *r, const char *path, int fd, char *err,
				      size_t errlen)
{
	if (fd >= 0)
		return scf_writer__fdopen(fd, path, &r->wo, err, errlen);
	if (strcmp(path, "-"))
		return scf_writer__open(path, &r->wo, err, errlen);
	/* -w -: the capture goes to stdout, for a pipe or a redirection, never a terminal. */
	if (isatty(STDOUT_FILENO)) {
		snprintf(err, errlen,
			 "-w -: standard output is a terminal; redirect it to a file or a pipe");
		errno = EINVAL;
		return NULL;
	}
	return scf_writer__fdopen(STDOUT_FILENO, "(stdout)", &r->wo, err, errlen);
}

/* The SECTION record that opens every file: host identity and the capture's clocks. */
static int begin_section(struct recorder *r, char *err, size_t errlen)
{
	struct scf_rec_builder b;
	struct utsname u;
	char host[256] = "";
	size_t len;

	gethostname(host, sizeof(host) - 1);
	uname(&u);
	scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_SECTION, 0, &r->sec, sizeof(r->sec));
	scf_rb_item_str(&b, SCF_ITEM_HOSTNAME, host);
	scf_rb_item_str(&b, SCF_ITEM_KERNEL_RELEASE, u.release);
	scf_rb_item_str(&b, SCF_ITEM_KERNEL_VERSION, u.version);
	scf_rb_item_str(&b, SCF_ITEM_MACHINE, u.machine);
	scf_rb_item_str(&b, SCF_ITEM_TOOL_VERSION, TOOL_VERSION);
	scf_rb_item_strlist(&b, SCF_ITEM_CMDLINE, (const char *const *)r->argv, r->argc);
	if (r->sampling.mode)
		scf_rb_item(&b, SCF_ITEM_SAMPLING, &r->sampling, sizeof(r->sampling));
	len = scf_rb_end(&b);
	if (scf_writer__begin_section(r->w, r->sec.section_start_ns, r->buf, len)) {
		snprintf(err, errlen, "%s", scf_writer__errmsg(r->w));
		return -EIO;
	}
	write_clock(r);
	return 0;
}

struct recorder *recorder__open(const struct capture_opts *o, const struct recorder_hooks *hooks,
				const char *path, int argc, char **argv, char *err, size_t errlen)
{
	return recorder__open_fd(o, hooks, path, -1, argc, argv, err, errlen);
}

struct recorder *recorder__open_fd(const struct capture_opts *o, const struct recorder_hooks *hooks,
				   const char *path, int fd, int argc, char **argv, char *err,
				   size_t errlen)
{
	struct recorder *r = calloc(1, sizeof(*r));
	struct scf_section *s;
	int e;

	if (!r)
		return NULL;
	if (hooks)
		r->hooks = *hooks;
	r->wo = (struct scf_writer_opts){
		.sz = sizeof(r->wo),
		.uncompressed = o->uncompressed,
		.level = o->compress_level,
		.progress = &r->accepted,
	};
	/* With -C, frames small enough that the size seen on disk follows the limit closely. */
	if (o->rotate_bytes) {
		uint64_t fb = o->rotate_bytes / 4;
		r->wo.frame_bytes = fb < (64u << 10) ? (64u << 10) : fb > (4u << 20) ? (4u << 20) : fb;
	}
	/* With --ring, frames small enough that a segment ends close to its size (a quarter of
	 * the ring): flight_ring.c. */
	if (o->ring_s > 0) {
		uint64_t fb = o->ring_bytes / 16;
		r->wo.frame_bytes = fb < (64u << 10) ? (64u << 10) : fb > (4u << 20) ? (4u << 20) : fb;
		/*
		 * No index frames: a trigger file puts segments one after the other, each written
		 * from offset 0, so their index frames would name offsets of the segment, not of
		 * the file, and readers take that for damage. `spancap-analyze index` gives such a
		 * file a sidecar index (FORMAT.md 7.5).
		 */
		r->wo.no_index = true;
		r->ring_on = true;
	}
	r->max_syscalls = o->max_count;
	r->argc = argc;
	r->argv = argv;
	/* the kernel's SC_SAMPLE_* bits are the file's SCF_SAMPLING_* bits */
	r->sampling.mode = o->sample_mode;
	r->sampling.threshold = o->sample_mode & SC_SAMPLE_FRACTION ? o->sample_threshold : 0;
	r->w = create_file(r, path, fd, err, errlen);
	if (!r->w)
		goto fail;
	set_clock(r);
	s = &r->sec;
	s->format_major = SCF_FORMAT_MAJOR;
	s->format_minor = SCF_FORMAT_MINOR;
	s->capture_start_ns = recorder__now_wall(r);
	s->section_start_ns = s->capture_start_ns;
	s->boot_to_wall_ns = r->boot_to_wall;
	s->ncpus = sysconf(_SC_NPROCESSORS_CONF);
	s->page_size = sysconf(_SC_PAGESIZE);
	if (getrandom(s->capture_id, sizeof(s->capture_id), 0) != sizeof(s->capture_id))
		memset(s->capture_id, 0, sizeof(s->capture_id));
	read_boot_id(s->boot_id);
	s->syscall_abi = SCF_ABI_X86_64;
	r->prev_wall = s->capture_start_ns;
	/*
	 * The SECTION record reaches the file now: a target that takes no data (a /proc file, a
	 * full disk, a closed pipe) is refused before any process is started or observed.
	 */
	if (begin_section(r, err, errlen) || scf_writer__flush(r->w)) {
		snprintf(err, errlen, "%s", scf_writer__errmsg(r->w));
		scf_writer__close(r->w, NULL, 0);
		errno = EIO;
		goto fail;
	}
	return r;
fail:
	e = errno;
	free(r);
	errno = e;
	return NULL;
}

/* Events whose records all reached the file. */
static uint64_t readable(const struct recorder *r)
{
	return r->w ? scf_writer__progress_readable(r->w) : r->readable;
}

int recorder__append(struct recorder *r, uint64_t ts, const void *rec, size_t len)
{
	if (!len || !r->w || scf_writer__append(r->w, ts, rec, len)) {
		r->write_drops++;
		return -EIO;
	}
	return 0;
}

/* The record of a kernel event: counted in accepted once the writer took it. */
static int append_event(struct recorder *r, uint64_t ts, const void *rec, size_t len)
{
	int rc = recorder__append(r, ts, rec, len);

	if (!rc)
		r->accepted++;
	return rc;
}

/* ---- kernel events ------------------------------------------------------------------------ */

/* Walks the items of an event tail: returns 1 with tag/data/len, 0 at the end or a bad item. */
static int next_item(const uint8_t **p, size_t *left, uint16_t *tag, const uint8_t **data,
		     uint16_t *len)
{
	struct sc_item_hdr h;
	size_t step;

	if (*left < sizeof(h))
		return 0;
	memcpy(&h, *p, sizeof(h));
	if (h.len > *left - sizeof(h))
		return 0;
	*tag = h.tag;
	*len = h.len;
	*data = *p + sizeof(h);
	step = SC_ITEM_ALIGN(sizeof(h) + h.len);
	if (step > *left)
		step = *left;
	*p += step;
	*left -= step;
	return 1;
}

static void syscall_items(struct scf_rec_builder *b, const uint8_t *tail, size_t left)
{
	uint8_t sa[SCF_SOCKADDR_MAX];
	const uint8_t *data;
	uint16_t tag, len;
	size_t n;

	while (next_item(&tail, &left, &tag, &data, &len)) {
		switch (tag) {
		case SC_ITEM_PATH:
			scf_rb_item(b, SCF_ITEM_PATH, data, len);
			break;
		case SC_ITEM_PATH2:
			scf_rb_item(b, SCF_ITEM_PATH2, data, len);
			break;
		case SC_ITEM_SOCKADDR:
			n = scf_sockaddr_encode(data, len, sa);
			if (n)
				scf_rb_item(b, SCF_ITEM_SOCKADDR, sa, n);
			break;
		case SC_ITEM_ARGV: /* same {u16 len, bytes} encoding as formats/ string lists */
			scf_rb_item(b, SCF_ITEM_ARGV, data, len);
			break;
		case SC_ITEM_ARGV_RAW: {
			/* NUL-separated block -> string list of at most 32 strings */
			const char *v[32];
			char blk[SC_ARGV_RAW_MAX + 1];
			size_t nv = 0, i = 0, l = len > SC_ARGV_RAW_MAX ? SC_ARGV_RAW_MAX : len;
			memcpy(blk, data, l);
			blk[l] = 0;
			while (i < l && nv < 32) {
				v[nv++] = blk + i;
				i += strlen(blk + i) + 1;
			}
			scf_rb_item_strlist(b, SCF_ITEM_ARGV, v, nv);
			break;
		}
		case SC_ITEM_FD_PAIR:
			scf_rb_item(b, SCF_ITEM_FD_PAIR, data, len);
			break;
		}
	}
}

/* Kernel event flags -> record flags (the same bits under other names). */
static uint16_t syscall_flags(uint16_t ev_flags)
{
	uint16_t flags = 0;

	if (ev_flags & SC_SYS_F_CTX)
		flags |= SCF_SYSCALL_F_CTX;
	if (ev_flags & SC_SYS_F_NO_EXIT)
		flags |= SCF_SYSCALL_F_NO_EXIT;
	if (ev_flags & SC_SYS_F_TRUNCATED)
		flags |= SCF_SYSCALL_F_TRUNCATED;
	if (ev_flags & SC_SYS_F_ARG_FAULT)
		flags |= SCF_SYSCALL_F_ARG_FAULT;
	if (ev_flags & SC_SYS_F_CTX_FAULT)
		flags |= SCF_SYSCALL_F_CTX_FAULT;
	if (ev_flags & SC_SYS_F_SAMPLED_OUT)
		flags |= SCF_SYSCALL_F_SAMPLED_OUT;
	return flags;
}

/*
 * A syscall event goes from the ring buffer straight into the writer's buffer, packed there
 * (scf_writer__append_syscall()); only one with items (paths, addresses, argv) has them
 * encoded first, in r->buf.
 */
static int on_syscall(struct recorder *r, const uint8_t *data, size_t len)
{
	struct sc_syscall_event ev;
	struct scf_syscall s;
	struct scf_rec_builder b;
	const uint8_t *items = NULL;
	size_t items_len = 0;
	uint16_t flags;

	/* -c N is exact, as tcpdump's: the kernel goes on producing until the loop sees the
	 * count, but nothing past it reaches the file. */
	if (r->max_syscalls && r->syscalls >= r->max_syscalls) {
		r->past_count++;
		return 0;
	}
	memcpy(&ev, data, sizeof(ev));
	hook_event_of(r, ev.pid);
	flags = syscall_flags(ev.flags);
	s.duration_ns = ev.exit_ns >= ev.enter_ns ? ev.exit_ns - ev.enter_ns : 0;
	s.ret = ev.ret;
	memcpy(s.args, ev.args, sizeof(s.args));
	s.tid = ev.tid;
	s.pid = ev.pid;
	s.nr = ev.nr;
	s.cpu = ev.cpu;
	s.abi = SCF_ABI_X86_64;
	s.reserved = 0;
	if (flags & SCF_SYSCALL_F_CTX) {
		s.trace_flags = ev.trace_flags;
		memcpy(s.trace_id, ev.trace_id, 16);
		memcpy(s.span_id, ev.span_id, 8);
	} else {
		s.trace_flags = 0;
		memset(s.trace_id, 0, 16);
		memset(s.span_id, 0, 8);
	}
	if (len > sizeof(ev)) {
		/* Items are built after a header and body as in a whole record, so that what
		 * fits (SCF_REC_MAX) is the same. */
		scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_SYSCALL, flags, &s, sizeof(s));
		syscall_items(&b, data + sizeof(ev), len - sizeof(ev));
		if (scf_rb_truncated(&b))
			flags |= SCF_SYSCALL_F_TRUNCATED;
		items = r->buf + sizeof(struct scf_rec_hdr) + sizeof(s);
		items_len = scf_rb_end(&b) - sizeof(struct scf_rec_hdr) - sizeof(s);
	}
	if (r->w && !scf_writer__append_syscall(r->w, recorder__wall(r, ev.enter_ns), flags, &s,
						items, items_len)) {
		r->accepted++;
		r->syscalls++;
		if (r->trig && ftrig__match(r->trig, &s, flags))
			r->triggers++;
	} else {
		r->write_drops++;
	}

	/* Re-resolution triggers, decided by the BPF program (resolve_reasons()). */
	if (ev.resolve && !(ev.flags & SC_SYS_F_NO_EXIT))
		hook_request_resolve(r, ev.pid, ev.resolve);
	return 0;
}

static int on_ctx(struct recorder *r, const uint8_t *data, size_t len)
{
	struct sc_ctx_event ev;
	struct scf_thread_ctx c = {0};
	struct scf_rec_builder b;
	size_t n;

	memcpy(&ev, data, sizeof(ev));
	if (ev.attrs_len > len - sizeof(ev)) {
		r->bad_events++;
		return 0;
	}
	hook_event_of(r, ev.pid); /* before the record: it may need the key map read now */
	c.pid = ev.pid;
	c.tid = ev.tid;
	memcpy(c.trace_id, ev.trace_id, 16);
	memcpy(c.span_id, ev.span_id, 8);
	c.trace_flags = ev.trace_flags;
	c.valid = ev.valid;
	c.attrs_size = ev.attrs_size;
	scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_THREAD_CTX,
		     (ev.flags & SC_CTX_F_TRUNCATED ? SCF_THREAD_CTX_F_TRUNCATED : 0) |
			     (ev.flags & SC_CTX_F_SAMPLED_OUT ? SCF_THREAD_CTX_F_SAMPLED_OUT : 0),
		     &c, sizeof(c));
	if (ev.valid && ev.attrs_len)
		scf_rb_item(&b, SCF_ITEM_ATTRS_RAW, data + sizeof(ev), ev.attrs_len);
	n = scf_rb_end(&b);
	append_event(r, recorder__wall(r, ev.time_ns), r->buf, n);
	return 0;
}

static void write_thread(struct recorder *r, uint32_t pid, uint32_t tid, uint8_t event,
			 uint64_t ts, const char *comm)
{
	struct scf_thread t = {.pid = pid, .tid = tid, .event = event};
	struct scf_rec_builder b;
	char name[SC_COMM_LEN + 1];
	size_t n;

	if (event == SCF_THREAD_EXIT)
		t.exit_ns = ts;
	else
		t.start_ns = ts;
	memcpy(name, comm, SC_COMM_LEN);
	name[SC_COMM_LEN] = 0;
	scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_THREAD, 0, &t, sizeof(t));
	scf_rb_item_str(&b, SCF_ITEM_NAME, name);
	n = scf_rb_end(&b);
	append_event(r, ts, r->buf, n);
}

static int on_proc(struct recorder *r, const uint8_t *data, size_t len)
{
	struct sc_proc_event ev;
	struct scf_proc_event p = {0};
	struct scf_rec_builder b;
	const uint8_t *tail = data + sizeof(ev), *item;
	size_t left = len - sizeof(ev);
	char name[SC_COMM_LEN + 1];
	struct proc_facts facts;
	bool have_facts = false;
	uint16_t tag, ilen;
	uint64_t ts;
	size_t n;

	memcpy(&ev, data, sizeof(ev));
	/* A trigger of a process without task storage: a request, not a record. */
	if (ev.kind == SC_PROC_RESOLVE) {
		if (ev.resolve)
			hook_request_resolve(r, ev.pid, ev.resolve);
		return 0;
	}
	ts = recorder__wall(r, ev.time_ns);
	if ((ev.kind == SC_PROC_FORK || ev.kind == SC_PROC_EXEC) &&
	    len >= sizeof(struct sc_proc_life_event)) {
		memcpy(&facts.k, data + sizeof(ev), sizeof(facts.k));
		facts.image_pid = ev.kind == SC_PROC_FORK ? ev.ppid : ev.pid;
		facts.argv_whole = false;
		facts.argv_len = 0;
		tail = data + sizeof(struct sc_proc_life_event);
		left = len - sizeof(struct sc_proc_life_event);
		have_facts = true;
	}
	switch (ev.kind) {
	case SC_PROC_THREAD_START:
		write_thread(r, ev.pid, ev.tid, SCF_THREAD_START, ts, ev.comm);
		return 0;
	case SC_PROC_THREAD_EXIT:
		write_thread(r, ev.pid, ev.tid, SCF_THREAD_EXIT, ts, ev.comm);
		return 0;
	case SC_PROC_FORK:
		p.kind = SCF_PROC_FORK;
		break;
	case SC_PROC_EXEC:
		p.kind = SCF_PROC_EXEC;
		break;
	case SC_PROC_EXIT:
		p.kind = SCF_PROC_EXIT;
		break;
	default:
		r->bad_events++;
		return 0;
	}
	p.pid = ev.pid;
	p.tid = ev.tid;
	p.ppid = ev.ppid;
	p.exit_status = ev.exit_code;
	memcpy(name, ev.comm, SC_COMM_LEN);
	name[SC_COMM_LEN] = 0;
	scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_PROC_EVENT, 0, &p, sizeof(p));
	while (next_item(&tail, &left, &tag, &item, &ilen)) {
		if (tag == SC_ITEM_PATH) {
			scf_rb_item(&b, SCF_ITEM_PATH, item, ilen);
		} else if (tag == SC_ITEM_ARGV_RAW && have_facts && ilen <= sizeof(facts.argv) &&
			   !(ev.flags & SC_PROC_F_ARGV_CUT)) {
			/* /proc/PID/cmdline reads past a block whose last byte is not NUL (a
			 * title written over it): only a NUL-ended block is the same */
			memcpy(facts.argv, item, ilen);
			facts.argv_len = ilen;
			facts.argv_whole = ilen > 0 && item[ilen - 1] == 0;
		}
	}
	scf_rb_item_str(&b, SCF_ITEM_NAME, name);
	n = scf_rb_end(&b);
	append_event(r, ts, r->buf, n);

	if (have_facts)
		memcpy(facts.comm, name, sizeof(facts.comm));
	if (ev.kind == SC_PROC_FORK)
		hook_on_fork(r, ev.pid, ev.ppid, ev.flags, have_facts ? &facts : NULL);
	else if (ev.kind == SC_PROC_EXEC)
		hook_on_exec(r, ev.pid, have_facts ? &facts : NULL);
	else if (ev.kind == SC_PROC_EXIT)
		hook_process_gone(r, ev.pid);
	return 0;
}

int recorder__event(struct recorder *r, const void *data, size_t len)
{
	uint16_t type, elen;

	r->events++;
	/* The ring buffer's next events follow this one: ask for them before they are read. */
	__builtin_prefetch((const uint8_t *)data + 256);
	__builtin_prefetch((const uint8_t *)data + 320);
	if (len < 4) {
		r->bad_events++;
		return 0;
	}
	memcpy(&type, data, 2);
	memcpy(&elen, (const uint8_t *)data + 2, 2);
	if (elen > len) {
		r->bad_events++;
		return 0;
	}
	switch (type) {
	case SC_EV_SYSCALL:
		if (elen >= sizeof(struct sc_syscall_event))
			return on_syscall(r, data, elen);
		break;
	case SC_EV_CTX:
		if (elen >= sizeof(struct sc_ctx_event))
			return on_ctx(r, data, elen);
		break;
	case SC_EV_PROC:
		if (elen >= sizeof(struct sc_proc_event))
			return on_proc(r, data, elen);
		break;
	}
	r->bad_events++;
	return 0;
}

/* ---- counters, LOSS and END ---------------------------------------------------------------- */

static const struct {
	uint32_t kid;
	uint32_t scf_id;
	uint16_t loss_reason; /* 0: no LOSS record */
	bool lost;	      /* counts events that are gone */
} counter_map[] = {
	{SC_CNT_RB_DROPS, SCF_CNT_RINGBUF_DROPS, SCF_LOSS_RINGBUF_FULL, true},
	{SC_CNT_MAP_FULL, SCF_CNT_MAP_FULL, SCF_LOSS_MAP_FULL, true},
	{SC_CNT_ARG_FAULTS, SCF_CNT_ARG_FAULTS, SCF_LOSS_ARG_FAULT, false},
	{SC_CNT_CTX_FAULTS, SCF_CNT_CTX_FAULTS, SCF_LOSS_CTX_FAULT, false},
	{SC_CNT_ATTR_FAULTS, SCF_CNT_CTX_FAULTS, SCF_LOSS_CTX_FAULT, false},
	{SC_CNT_CTX_INVALID, SCF_CNT_CTX_INVALID, 0, false},
	{SC_CNT_UNMATCHED, SCF_CNT_UNMATCHED, SCF_LOSS_UNMATCHED, false},
	{SC_CNT_SAMPLED_OUT, SCF_CNT_SAMPLED_OUT, 0, false}, /* left out by choice, not lost */
};

void recorder__counters(struct recorder *r, const uint64_t *vals, int ncpus)
{
	uint64_t now = recorder__now_wall(r);
	size_t n = (size_t)ncpus * SC_CNT_MAX;
	struct scf_rec_builder b;

	if (!r->prev) {
		r->prev = calloc(n, sizeof(uint64_t));
		r->last = calloc(n, sizeof(uint64_t));
		if (!r->prev || !r->last)
			return;
		r->ncpus = ncpus;
	}
	for (int c = 0; c < ncpus && c < r->ncpus; c++) {
		for (size_t i = 0; i < sizeof(counter_map) / sizeof(counter_map[0]); i++) {
			size_t k = (size_t)c * SC_CNT_MAX + counter_map[i].kid;
			uint64_t d = vals[k] - r->prev[k];
			if (!d)
				continue;
			if (counter_map[i].lost)
				r->kernel_lost += d;
			if (counter_map[i].loss_reason) {
				struct scf_loss l = {
					.window_start_ns = r->prev_wall,
					.window_end_ns = now,
					.count = d,
					.cpu = c,
					.reason = counter_map[i].loss_reason,
				};
				scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_LOSS, 0, &l, sizeof(l));
				recorder__append(r, now, r->buf, scf_rb_end(&b));
			}
		}
	}
	memcpy(r->prev, vals, n * sizeof(uint64_t));
	memcpy(r->last, vals, n * sizeof(uint64_t));
	r->prev_wall = now;
}

void recorder__tick(struct recorder *r)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC), unc, at;
	int64_t off, moved;

	if (!r->w)
		return;
	if (now >= r->next_clock_ns) { /* the wall clock may have been stepped or slewed */
		r->next_clock_ns = now + CLOCK_PERIOD_NS;
		off = measure_boot_to_wall(&unc, &at);
		moved = off - r->boot_to_wall;
		if (moved > CLOCK_MOVED_NS || moved < -CLOCK_MOVED_NS) {
			r->boot_to_wall = off;
			r->clock_unc = unc;
			r->clock_boot_ns = at;
			write_clock(r);
		}
	}
	scf_writer__tick(r->w, now);
}

/* After a write error the events accepted since the last data written never reach the file. */
static uint64_t unreadable(const struct recorder *r)
{
	return r->w && scf_writer__error(r->w) ? r->accepted - readable(r) : 0;
}

void recorder__totals(const struct recorder *r, struct recorder_totals *t)
{
	t->syscalls = r->syscalls;
	t->written = readable(r);
	t->lost = r->kernel_lost + r->write_drops + r->bad_events + unreadable(r);
}

/* Writes the END record of the current file: kernel and event counters since the capture
 * started, records and bytes of this file. */
static void write_end(struct recorder *r, uint8_t stop_reason, bool clean)
{
	struct scf_counter cnt[64];
	size_t nc = 0;
	struct recorder_totals tot;
	struct scf_end e = {0};
	struct scf_rec_builder b;
	uint64_t now = recorder__now_wall(r);

	/* Per-CPU kernel counters (non-zero ones, and the drop counters always). */
	for (int c = 0; r->last && c < r->ncpus; c++) {
		for (size_t i = 0; i < sizeof(counter_map) / sizeof(counter_map[0]); i++) {
			uint64_t v = r->last[(size_t)c * SC_CNT_MAX + counter_map[i].kid];
			if ((!v && !counter_map[i].lost) || nc + 9 >= sizeof(cnt) / sizeof(cnt[0]))
				continue;
			cnt[nc++] = (struct scf_counter){counter_map[i].scf_id, c, v};
		}
	}
	e.records = scf_writer__records(r->w); /* the SECTION record included */
	cnt[nc++] = (struct scf_counter){SCF_CNT_EVENTS, SCF_CPU_ANY, r->events};
	cnt[nc++] = (struct scf_counter){SCF_CNT_WRITE_DROPS, SCF_CPU_ANY,
					 r->write_drops + r->bad_events};
	cnt[nc++] = (struct scf_counter){SCF_CNT_RECORDS, SCF_CPU_ANY, e.records};
	for (uint32_t i = 0; r->ring_on && i < 4; i++)
		cnt[nc++] = (struct scf_counter){SCF_CNT_RING_TRIGGERS + i, SCF_CPU_ANY, r->ring[i]};
	scf_writer__flush(r->w);
	cnt[nc++] = (struct scf_counter){SCF_CNT_BYTES, SCF_CPU_ANY, scf_writer__bytes(r->w)};
	e.end_ns = now;
	recorder__totals(r, &tot);
	e.events_lost = tot.lost;
	e.syscalls = tot.syscalls;
	e.stop_reason = stop_reason;
	e.clean = clean;
	scf_rb_begin(&b, r->buf, sizeof(r->buf), SCF_REC_END, 0, &e, sizeof(e));
	scf_rb_item(&b, SCF_ITEM_COUNTERS, cnt, nc * sizeof(cnt[0]));
	recorder__append(r, now, r->buf, scf_rb_end(&b));
}

int recorder__rotate(struct recorder *r, const char *path, char *err, size_t errlen)
{
	return recorder__rotate_fd(r, path, -1, err, errlen);
}

int recorder__rotate_fd(struct recorder *r, const char *path, int fd, char *err, size_t errlen)
{
	int rc;

	write_end(r, SCF_STOP_ROTATE, true);
	r->done_records += scf_writer__records(r->w);
	r->done_bytes += scf_writer__bytes(r->w);
	r->readable = scf_writer__progress_readable(r->w);
	rc = scf_writer__close(r->w, err, errlen);
	r->w = NULL;
	if (rc)
		return rc;
	r->readable = r->accepted; /* the file was closed whole */
	r->w = create_file(r, path, fd, err, errlen);
	if (!r->w)
		return -errno;
	r->sec.section_index++; /* counts across the files of the capture: a gap shows */
	set_clock(r); /* each file has its own measurement */
	r->sec.boot_to_wall_ns = r->boot_to_wall;
	r->sec.section_start_ns = recorder__now_wall(r);
	rc = begin_section(r, err, errlen);
	if (!rc && r->compress_thread)
		scf_writer__compress_thread(r->w); /* inline when it cannot start */
	return rc;
}

/* CPUs this process may run on: a compressor thread needs one besides the caller's. */
static int usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

bool recorder__compress_thread(struct recorder *r)
{
	if (r->wo.uncompressed || !r->w || usable_cpus() < 2)
		return false;
	r->compress_thread = scf_writer__compress_thread(r->w) == 0;
	return r->compress_thread;
}

int recorder__close(struct recorder *r, uint8_t stop_reason, bool clean, char *err, size_t errlen)
{
	int rc = 0;

	if (!r)
		return 0;
	if (r->w) {
		write_end(r, stop_reason, clean);
		rc = scf_writer__close(r->w, err, errlen);
	}
	free(r->prev);
	free(r->last);
	free(r);
	return rc;
}

uint64_t recorder__file_bytes(const struct recorder *r)
{
	return r->w ? scf_writer__bytes(r->w) : 0;
}

int recorder__error(const struct recorder *r, const char **msg)
{
	int e = r->w ? scf_writer__error(r->w) : -EIO;

	*msg = r->w ? scf_writer__errmsg(r->w) : "no capture file";
	return e;
}

/* ---- live totals (--stats) ----------------------------------------------------------------- */

uint64_t recorder__counter(const struct recorder *r, uint32_t scf_id)
{
	uint64_t sum = 0;

	switch (scf_id) {
	case SCF_CNT_EVENTS:
		return r->events;
	case SCF_CNT_WRITE_DROPS:
		return r->write_drops + r->bad_events;
	case SCF_CNT_RECORDS:
		return r->done_records + (r->w ? scf_writer__records(r->w) : 0);
	case SCF_CNT_BYTES:
		return r->done_bytes + (r->w ? scf_writer__bytes(r->w) : 0);
	case SCF_CNT_RING_TRIGGERS:
	case SCF_CNT_RING_DROPPED_SECTIONS:
	case SCF_CNT_RING_DROPPED_BYTES:
	case SCF_CNT_RING_OVERFLOWS:
		return r->ring[scf_id - SCF_CNT_RING_TRIGGERS];
	}
	/* Kernel counters: the same mapping and per-CPU values the END record writes. */
	for (int c = 0; r->last && c < r->ncpus; c++)
		for (size_t i = 0; i < sizeof(counter_map) / sizeof(counter_map[0]); i++)
			if (counter_map[i].scf_id == scf_id)
				sum += r->last[(size_t)c * SC_CNT_MAX + counter_map[i].kid];
	return sum;
}

void recorder__flush(struct recorder *r)
{
	if (r->w) {
		scf_writer__flush(r->w);
	}
}

/* ---- the flight recorder (--ring) ----------------------------------------------------------- */

void recorder__set_trigger(struct recorder *r, const struct flight_trigger *t)
{
	r->trig = t;
}

bool recorder__triggered(const struct recorder *r)
{
	return r->triggers != 0;
}

uint64_t recorder__take_triggers(struct recorder *r)
{
	uint64_t n = r->triggers;

	r->triggers = 0;
	return n;
}

void recorder__set_ring(struct recorder *r, const uint64_t vals[4])
{
	memcpy(r->ring, vals, sizeof(r->ring));
}

bool recorder__ring_on(const struct recorder *r)
{
	return r->ring_on;
}
