// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_fmt.c - strace-like syscall rendering for timelines.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errno_names.h"
#include "snaplen.h"
#include "syscall_fmt.h"
#include "text_fmt.h"

struct sbuf {
	char *p;
	size_t sz, len;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->sz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->sz - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = b->len + (size_t)n < b->sz ? b->len + (size_t)n : b->sz - 1;
}

struct flag_name {
	uint64_t bit;
	const char *name;
};

static void put_flags(struct sbuf *b, uint64_t v, const struct flag_name *fl)
{
	bool any = false;

	for (; fl->name; fl++) {
		if ((v & fl->bit) != fl->bit)
			continue;
		put(b, "%s%s", any ? "|" : "", fl->name);
		v &= ~fl->bit;
		any = true;
	}
	if (v || !any)
		put(b, "%s%#" PRIx64, any ? "|" : "", v);
}

static void put_open_flags(struct sbuf *b, uint64_t v)
{
	static const struct flag_name fl[] = {
		{ 020200000, "O_TMPFILE" }, { 04010000, "O_SYNC" }, { 0100, "O_CREAT" },
		{ 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
		{ 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 010000, "O_DSYNC" },
		{ 020000, "O_ASYNC" }, { 040000, "O_DIRECT" }, { 0100000, "O_LARGEFILE" },
		{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" },
		{ 02000000, "O_CLOEXEC" }, { 010000000, "O_PATH" }, { 0, NULL },
	};
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	uint64_t rest = v & ~(uint64_t)3;

	put(b, "%s", acc[v & 3]);
	if (rest) {
		put(b, "|");
		put_flags(b, rest, fl);
	}
}

/* The capture's snaplen for the strings of ev (0: its default). */
static uint32_t snaplen_of(const struct ana_event *ev)
{
	return ev->host ? ev->host->snaplen : 0;
}

/* A string cut at the capture's snaplen (or at the buffer) ends with "...", as strace's. */
static void put_str_item(struct sbuf *b, const struct ana_event *ev, uint16_t tag, uint64_t ptr)
{
	const struct scf_record *rec = ev->rec;
	const uint8_t *d;
	uint16_t len;
	char esc[1024];
	bool cut;

	if (scf_record_item(rec, tag, &d, &len) != 1) {
		if (ptr)
			put(b, "%#" PRIx64, ptr);
		else
			put(b, "NULL");
		return;
	}
	ana_fmt_escape(esc, sizeof(esc), d, len);
	cut = ana_str_cut(snaplen_of(ev), rec->flags, tag, len) ||
	      ((rec->flags & SCF_SYSCALL_F_TRUNCATED) && strlen(esc) + 4 >= sizeof(esc));
	put(b, "\"%s\"%s", esc, cut ? "..." : "");
}

static void put_fd(struct sbuf *b, const struct ana_event *ev, uint64_t arg)
{
	int32_t fd = (int32_t)arg;
	char esc[512], nbuf[300];
	const char *name;
	uint8_t kind;

	put(b, "%d", fd);
	if (fd < 0 || !ev->proc)
		return;
	name = ana_fd_name(ev->proc, fd, ev->ts_ns, &kind, nbuf, sizeof(nbuf));
	if (name)
		put(b, "<%s%s>", ana_fmt_escape(esc, sizeof(esc), name, strlen(name)),
		    ana_fd_cut(ev->proc, fd, ev->ts_ns) ? "..." : "");
}

static void put_sockaddr(struct sbuf *b, const struct scf_record *rec, uint64_t ptr)
{
	struct scf_sockaddr sa;
	const uint8_t *d;
	uint16_t len;
	char buf[256];

	if (scf_record_item(rec, SCF_ITEM_SOCKADDR, &d, &len) == 1 &&
	    !scf_sockaddr_decode(d, len, &sa)) {
		scf_sockaddr_format(&sa, buf, sizeof(buf));
		put(b, "{%s}", buf);
	} else if (ptr) {
		put(b, "%#" PRIx64, ptr);
	} else {
		put(b, "NULL");
	}
}

/*
 * An execve's argv. The capture reads the strings the process passed (at most ANA_ARGV_KEPT,
 * each cut at its own length) and, when the execve succeeded, replaces them by the new image's
 * argument block, cut as a whole at the snaplen: then only its last string can be cut.
 */
static void put_argv(struct sbuf *b, const struct ana_event *ev, uint64_t ptr)
{
	const struct scf_record *rec = ev->rec;
	bool block = ev->sc && ev->sc->ret == 0 && !(rec->flags & SCF_SYSCALL_F_NO_EXIT);
	unsigned int n = 0, count = 0;
	struct scf_strlist_iter it;
	const uint8_t *d, *s;
	uint16_t len, sl;
	size_t total = 0;
	char esc[512];

	if (scf_record_item(rec, SCF_ITEM_ARGV, &d, &len) != 1) {
		put(b, "%#" PRIx64, ptr);
		return;
	}
	scf_strlist_begin(&it, d, len);
	while (scf_strlist_next(&it, &s, &sl) == 1) {
		total += (count ? 1 : 0) + sl;
		count++;
	}
	put(b, "[");
	scf_strlist_begin(&it, d, len);
	while (scf_strlist_next(&it, &s, &sl) == 1) {
		bool cut = block ? n + 1 == count && ana_argv_block_cut(snaplen_of(ev), rec->flags,
									 total)
				 : ana_str_cut(snaplen_of(ev), rec->flags, SCF_ITEM_ARGV, sl);

		put(b, "%s\"%s\"%s", n ? ", " : "", ana_fmt_escape(esc, sizeof(esc), s, sl),
		    cut ? "..." : "");
		n++;
	}
	/* the capture keeps ANA_ARGV_KEPT strings passed: a truncated record may have had more */
	put(b, "%s]",
	    !block && n == ANA_ARGV_KEPT && (rec->flags & SCF_SYSCALL_F_TRUNCATED) ? ", ..." : "");
}

static void put_fd_pair(struct sbuf *b, const struct scf_record *rec, uint64_t ptr)
{
	const uint8_t *d;
	uint16_t len;
	int32_t fds[2];

	if (scf_record_item(rec, SCF_ITEM_FD_PAIR, &d, &len) != 1 || len < 8) {
		put(b, "%#" PRIx64, ptr);
		return;
	}
	memcpy(fds, d, 8);
	put(b, "[%d, %d]", fds[0], fds[1]);
}

/* A pid of another namespace's numbering: " [host 4123]", " [host ?]" when no process of the
 * capture had it; nothing for a host pid (ana_syscall_host_pid). */
static void put_host_pid(struct sbuf *b, int64_t host)
{
	if (host > 0)
		put(b, " [host %" PRId64 "]", host);
	else if (host == ANA_HOST_PID_UNKNOWN)
		put(b, " [host ?]");
}

static void put_arg(struct sbuf *b, const struct ana_event *ev, char kind, uint64_t v)
{
	static const struct flag_name sock_fl[] = { { 04000, "SOCK_NONBLOCK" },
						    { 02000000, "SOCK_CLOEXEC" },
						    { 0, NULL } };
	static const char *const types[] = { "0", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
					     "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP" };

	switch (kind) {
	case 'd':
		put_fd(b, ev, v);
		break;
	case 'D':
		if ((int32_t)v == -100)
			put(b, "AT_FDCWD");
		else
			put_fd(b, ev, v);
		break;
	case 'p':
		put_str_item(b, ev, SCF_ITEM_PATH, v);
		break;
	case 'P':
		put_str_item(b, ev, SCF_ITEM_PATH2, v);
		break;
	case 'a':
		put_sockaddr(b, ev->rec, v);
		break;
	case 'v':
		put_argv(b, ev, v);
		break;
	case 'f':
		put_fd_pair(b, ev->rec, v);
		break;
	case 'n':
		put(b, "%" PRId32, (int32_t)v);
		break;
	case 'i':
		put(b, "%" PRId64, (int64_t)v);
		break;
	case 'u':
		put(b, "%" PRIu64, v);
		break;
	case 'o':
		put_open_flags(b, v);
		break;
	case 'm':
		put(b, "%#" PRIo64, v);
		break;
	case 'F':
		switch (v) {
		case 0: put(b, "F_DUPFD"); break;
		case 1: put(b, "F_GETFD"); break;
		case 2: put(b, "F_SETFD"); break;
		case 3: put(b, "F_GETFL"); break;
		case 4: put(b, "F_SETFL"); break;
		case 5: put(b, "F_GETLK"); break;
		case 6: put(b, "F_SETLK"); break;
		case 7: put(b, "F_SETLKW"); break;
		case 1030: put(b, "F_DUPFD_CLOEXEC"); break;
		default: put(b, "%" PRIu64, v);
		}
		break;
	case 'A':
		switch (v) {
		case 1: put(b, "AF_UNIX"); break;
		case 2: put(b, "AF_INET"); break;
		case 10: put(b, "AF_INET6"); break;
		case 16: put(b, "AF_NETLINK"); break;
		case 17: put(b, "AF_PACKET"); break;
		default: put(b, "%" PRIu64, v);
		}
		break;
	case 'T':
		put(b, "%s", (v & 0xf) < 7 ? types[v & 0xf] : "?");
		if (v & ~(uint64_t)0xf) {
			put(b, "|");
			put_flags(b, v & ~(uint64_t)0xf, sock_fl);
		}
		break;
	case 'b':
		if (v)
			put(b, "%#" PRIx64, v);
		else
			put(b, "NULL");
		break;
	default:
		put(b, "%#" PRIx64, v);
	}
}

char *ana_fmt_call(char *buf, size_t sz, const struct ana_event *ev)
{
	const struct scf_syscall *sc = ev->sc;
	const struct scf_syscall_info *si =
		sc->abi == SCF_ABI_X86_64 ? scf_syscall_info(sc->nr) : NULL;
	struct sbuf b = { buf, sz, 0 };

	buf[0] = 0;
	if (!si) {
		put(&b, "%s%ssyscall_%u(...)", sc->abi == SCF_ABI_X86_64 ? "" : "abi",
		    sc->abi == SCF_ABI_X86_64 ? "" : (sc->abi == SCF_ABI_I386 ? "i386:" : "?:"),
		    sc->nr);
		return buf;
	}
	put(&b, "%s(", si->name);
	if (!si->args) {
		put(&b, "...");
	} else {
		for (int i = 0; si->args[i] && i < 6; i++) {
			if (i)
				put(&b, ", ");
			put_arg(&b, ev, si->args[i], sc->args[i]);
			if (si->args[i] == 'n')
				put_host_pid(&b, ev->arg_host_pid[i]);
		}
	}
	put(&b, ")");
	return buf;
}

const char *ana_fmt_errno(char *buf, size_t sz, int err)
{
	const char *n = err > 0 ? ana_errno_name((unsigned int)err) : NULL;

	if (n)
		return n;
	snprintf(buf, sz, "E%d", err);
	return buf;
}

const char *ana_fmt_signal(char *buf, size_t sz, int sig)
{
	static const char *const names[32] = {
	    [1] = "SIGHUP",   [2] = "SIGINT",	 [3] = "SIGQUIT", [4] = "SIGILL",
	    [5] = "SIGTRAP",  [6] = "SIGABRT",	 [7] = "SIGBUS",  [8] = "SIGFPE",
	    [9] = "SIGKILL",  [10] = "SIGUSR1",	 [11] = "SIGSEGV", [12] = "SIGUSR2",
	    [13] = "SIGPIPE", [14] = "SIGALRM",	 [15] = "SIGTERM", [16] = "SIGSTKFLT",
	    [17] = "SIGCHLD", [18] = "SIGCONT",	 [19] = "SIGSTOP", [20] = "SIGTSTP",
	    [21] = "SIGTTIN", [22] = "SIGTTOU",	 [23] = "SIGURG",  [24] = "SIGXCPU",
	    [25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
	    [29] = "SIGIO",   [30] = "SIGPWR",	 [31] = "SIGSYS",
	};

	if (sig > 0 && sig < 32 && names[sig])
		return names[sig];
	if (sig >= 34 && sig <= 64)
		snprintf(buf, sz, "SIGRTMIN+%d", sig - 34);
	else
		snprintf(buf, sz, "SIG%d", sig);
	return buf;
}

const char *ana_fmt_killed(char *buf, size_t sz, int32_t status)
{
	int sig = status & 0x7f;
	char sb[24];

	if (!sig || sig == 0x7f) /* exited, or stopped */
		return "";
	snprintf(buf, sz, "%s%s", ana_fmt_signal(sb, sizeof(sb), sig),
		 status & 0x80 ? ", core dumped" : "");
	return buf;
}

char *ana_fmt_ret(char *buf, size_t sz, const struct ana_event *ev)
{
	const struct scf_syscall *sc = ev->sc;
	char eb[16];

	if (ev->rec->flags & SCF_SYSCALL_F_NO_EXIT)
		snprintf(buf, sz, "?");
	else if (sc->ret < 0 && sc->ret >= -4095)
		snprintf(buf, sz, "-1 %s", ana_fmt_errno(eb, sizeof(eb), (int)-sc->ret));
	else if (sc->abi == SCF_ABI_X86_64 && (sc->nr == SCF_NR_mmap || sc->nr == SCF_NR_brk ||
					       sc->nr == SCF_NR_mremap))
		snprintf(buf, sz, "%#" PRIx64, (uint64_t)sc->ret);
	else if (ev->ret_host_pid > 0)
		snprintf(buf, sz, "%" PRId64 " [host %" PRId64 "]", sc->ret, ev->ret_host_pid);
	else if (ev->ret_host_pid == ANA_HOST_PID_UNKNOWN)
		snprintf(buf, sz, "%" PRId64 " [host ?]", sc->ret);
	else
		snprintf(buf, sz, "%" PRId64, sc->ret);
	return buf;
}
