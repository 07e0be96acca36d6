// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_scan.c - what /proc says about a process when the capture starts looking at it:
 * PROCESS (identity, command line, OTel resolution), THREAD (SEEN) and FD snapshot records.
 * Socket fds get their addresses from /proc/net/{tcp,tcp6,udp,udp6,unix}.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "capture.h"

#define REC_BUF (SCF_REC_MAX + 1)
static uint8_t rec_buf[REC_BUF];

/* Reads a small /proc file into buf (NUL-terminated); returns bytes read or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (got < sz - 1 && (n = read(fd, buf + got, sz - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/*
 * Reads the stat line at path (/proc/PID/stat, /proc/PID/task/TID/stat) into buf: the fields
 * after the command, the state first, or NULL. The command may hold ')' and spaces: the fields
 * follow the last ')'.
 */
static const char *stat_fields(const char *path, char *buf, size_t sz)
{
	char *s;

	if (read_file(path, buf, sz) <= 0 || !(s = strrchr(buf, ')')) || s[1] != ' ')
		return NULL;
	return s + 2;
}

bool proc_exited(pid_t pid)
{
	char path[64], buf[1024];
	const char *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = stat_fields(path, buf, sizeof(buf));
	return f && (*f == 'Z' || *f == 'X');
}

static uint64_t wall_of_ticks(struct recorder *r, unsigned long long ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return recorder__wall(r, ticks * (1000000000ull / (hz > 0 ? hz : 100)));
}

/*
 * The "NSpid:" line of /proc/PID/status lists the pid in each namespace, from ours (the host's
 * when spancap runs there) to the process's own: the last is its pid there, the count its depth.
 */
static void ns_pid_of(const char *line, struct scf_process *p)
{
	unsigned long v;
	char *end;
	int n = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line < '0' || *line > '9')
			break;
		v = strtoul(line, &end, 10);
		if (v == 0 || v > UINT32_MAX)
			return;
		p->ns_pid = (uint32_t)v;
		line = end;
		n++;
	}
	p->ns_level = n > 0 ? (uint8_t)(n - 1) : 0;
}

/*
 * The kernel shows us a process's paths from our root. A process chrooted or pivoted into
 * /srv/ct/root sees /srv/ct/root/usr/bin/app as /usr/bin/app: its root as /proc/PID/root shows
 * it to us, in root (NUL-terminated); returns its length, 0 when its root is ours (or unknown).
 */
static size_t root_of(pid_t pid, char *root, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/root", pid);
	n = readlink(link, root, len - 1);
	if (n <= 1 || root[0] != '/')
		n = 0;
	root[n] = 0;
	return (size_t)n;
}

/* The length of the prefix of path that is the root root_of() gave (root_len bytes). */
static size_t root_prefix(const char *root, size_t root_len, const char *path)
{
	if (!root_len || strncmp(path, root, root_len) || path[root_len] != '/')
		return 0;
	return root_len;
}

/* /proc/PID/stat (command, parent, start) and /proc/PID/status (ids, namespace pids). */
static bool read_identity(struct recorder *r, pid_t pid, struct scf_process *p, char *comm,
			  size_t comm_len)
{
	char path[64], buf[8192];
	bool have_comm = false;
	const char *f;
	struct stat st;
	char *s;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = stat_fields(path, buf, sizeof(buf)))) {
		const char *open_paren = strchr(buf, '('), *close_paren = f - 2;
		unsigned long long start = 0;
		int stat_ppid = 0;
		if (open_paren && close_paren > open_paren) {
			snprintf(comm, comm_len, "%.*s", (int)(close_paren - open_paren - 1),
				 open_paren + 1);
			have_comm = true;
		}
		/* state ppid ... starttime is field 22 of the line */
		if (sscanf(f, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
				  "%*d %*d %llu",
			   &stat_ppid, &start) == 2) {
			p->ppid = stat_ppid;
			p->start_ns = wall_of_ticks(r, start);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		if ((s = strstr(buf, "\nUid:")))
			p->uid = strtoul(s + 5, NULL, 10);
		if ((s = strstr(buf, "\nGid:")))
			p->gid = strtoul(s + 5, NULL, 10);
		if ((s = strstr(buf, "\nNSpid:")))
			ns_pid_of(s + 7, p);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	if (p->ns_pid && !stat(path, &st))
		p->pidns_inode = st.st_ino;
	return have_comm;
}

/*
 * The same from a FORK or EXEC event's facts, as /proc would have shown them: the start time is
 * rounded down to clock ticks as /proc/PID/stat does (a record from a scan and one from an
 * event give one process the same start).
 */
static void facts_identity(struct recorder *r, const struct proc_facts *f, struct scf_process *p)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);

	p->ppid = f->k.ppid;
	p->start_ns = wall_of_ticks(r, f->k.start_ns / tick_ns);
	p->uid = f->k.uid;
	p->gid = f->k.gid;
	p->ns_pid = f->k.ns_pid;
	p->ns_level = f->k.ns_level;
	if (p->ns_pid)
		p->pidns_inode = f->k.pidns_inum;
}

/* The path of the cgroup v2 line ("0::PATH") of a /proc/PID/cgroup text: the only line on a
 * unified host, the last one on a hybrid host (v1 hierarchies first). */
static char *v2_line(char *text)
{
	char *s = !strncmp(text, "0::", 3) ? text : strstr(text, "\n0::");

	if (!s)
		return NULL;
	return s + (s == text ? 3 : 4);
}

/* Splits a NUL-separated argument block (n bytes, buf[n] == 0) into argv; returns argc. */
static size_t split_argv(const char *buf, size_t n, const char **argv, size_t max)
{
	size_t argc = 0;

	for (size_t i = 0; i < n && argc < max; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	return argc;
}

int scan_write_process(struct recorder *r, pid_t pid, pid_t ppid, uint8_t origin,
		       const struct ctxsrc_result *res, const struct proc_facts *f)
{
	struct scf_process p = {.pid = pid, .ppid = ppid, .origin = origin};
	char path[64], buf[8192], exe[4096], root[4096], comm[64] = "";
	pid_t image = f && f->image_pid ? (pid_t)f->image_pid : pid;
	const char *argv[64], *cg;
	char *line;
	struct scf_rec_builder b;
	size_t argc = 0, root_len;
	bool have_comm;
	ssize_t n;

	if (f) {
		facts_identity(r, f, &p);
		snprintf(comm, sizeof(comm), "%s", f->comm);
		have_comm = true;
	} else {
		have_comm = read_identity(r, pid, &p, comm, sizeof(comm));
	}
	if (res) {
		p.ctx_status = res->status;
		p.tls_model = res->tls_model;
		p.ctx_version = res->ctx_version;
		p.ctx_published_ns = res->ctx_published_ns;
		if (res->cfg.kind == SC_TLS_STATIC) {
			p.tls_tp_offset = res->cfg.tp_offset;
		} else if (res->cfg.kind == SC_TLS_DTV) {
			p.tls_module_id = res->cfg.module_id;
			p.tls_module_offset = res->cfg.offset;
		}
	}
	scf_rb_begin(&b, rec_buf, sizeof(rec_buf), SCF_REC_PROCESS, 0, &p, sizeof(p));
	/* What could not be read (the process is gone) is left out, never written empty: a
	 * reader keeps what it knew (FORMAT.md 5.2). */
	if (have_comm)
		scf_rb_item_str(&b, SCF_ITEM_NAME, comm);
	/* a fork child's image and root are its parent's; the parent gone, the child's own */
	snprintf(path, sizeof(path), "/proc/%d/exe", image);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0 && image != pid) {
		image = pid;
		snprintf(path, sizeof(path), "/proc/%d/exe", image);
		n = readlink(path, exe, sizeof(exe) - 1);
	}
	root_len = root_of(image, root, sizeof(root));
	if (n > 0) {
		size_t cut;

		exe[n] = 0;
		cut = root_prefix(root, root_len, exe);
		scf_rb_item_str(&b, SCF_ITEM_EXE, exe + cut);
		if (cut)
			scf_rb_item_str(&b, SCF_ITEM_EXE_HOST, exe);
	}
	if (f && f->argv_whole) {
		memcpy(buf, f->argv, f->argv_len);
		n = f->argv_len;
	} else {
		/* a fork child's arguments are in its copy of its parent's memory */
		snprintf(path, sizeof(path), "/proc/%d/cmdline", image);
		n = read_file(path, buf, sizeof(buf));
	}
	if (n > 0) { /* empty: gone, a zombie or a kernel thread */
		buf[n] = 0;
		argc = split_argv(buf, (size_t)n, argv, 64);
		scf_rb_item_strlist(&b, SCF_ITEM_ARGV, argv, argc);
	}
	cg = f ? cgroup_path_of(f->k.cgroup_id) : NULL;
	if (!cg) {
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		if (read_file(path, buf, sizeof(buf)) > 0 && (line = v2_line(buf))) {
			line[strcspn(line, "\n")] = 0;
			cg = line;
			if (f)
				cgroup_path_learn(f->k.cgroup_id, cg);
		}
	}
	if (cg)
		scf_rb_item_str(&b, SCF_ITEM_CGROUP, cg);
	if (res) {
		if (res->resource_len)
			scf_rb_item(&b, SCF_ITEM_RESOURCE_ATTRS, res->resource, res->resource_len);
		if (res->extra_len)
			scf_rb_item(&b, SCF_ITEM_EXTRA_ATTRS, res->extra, res->extra_len);
		if (res->schema_version[0])
			scf_rb_item_str(&b, SCF_ITEM_SCHEMA_VERSION, res->schema_version);
		if (res->n_keys)
			scf_rb_item_strlist(&b, SCF_ITEM_KEY_MAP, res->keys, res->n_keys);
		if (res->tls_module[0])
			scf_rb_item_str(&b, SCF_ITEM_TLS_MODULE,
					res->tls_module +
						root_prefix(root, root_len, res->tls_module));
		if (res->reason[0])
			scf_rb_item_str(&b, SCF_ITEM_REASON, res->reason);
	}
	return recorder__append(r, recorder__now_wall(r), rec_buf, scf_rb_end(&b));
}

int proc_dir_next(DIR *d, long *v)
{
	struct dirent *de;

	while ((de = readdir(d))) {
		char *end;
		long n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue; /* ".", "..", and the names of /proc's other entries */
		errno = 0;
		n = strtol(de->d_name, &end, 10);
		if (*end || errno || n < 0)
			continue;
		*v = n;
		return 1;
	}
	return 0;
}

int scan_write_threads(struct recorder *r, pid_t pid)
{
	char path[64], name[64], comm[64];
	long tid;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while (proc_dir_next(d, &tid)) {
		struct scf_thread t = {.pid = pid, .tid = (uint32_t)tid, .event = SCF_THREAD_SEEN};
		struct scf_rec_builder b;
		const char *f;
		char buf[1024];

		snprintf(name, sizeof(name), "/proc/%d/task/%u/comm", pid, t.tid);
		comm[0] = 0;
		if (read_file(name, comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n")] = 0;
		snprintf(name, sizeof(name), "/proc/%d/task/%u/stat", pid, t.tid);
		if ((f = stat_fields(name, buf, sizeof(buf)))) {
			unsigned long long start;
			if (sscanf(f, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
					  "%*d %*d %*d %*d %*d %llu",
				   &start) == 1)
				t.start_ns = wall_of_ticks(r, start);
		}
		scf_rb_begin(&b, rec_buf, sizeof(rec_buf), SCF_REC_THREAD, 0, &t, sizeof(t));
		scf_rb_item_str(&b, SCF_ITEM_NAME, comm);
		recorder__append(r, recorder__now_wall(r), rec_buf, scf_rb_end(&b));
	}
	closedir(d);
	return 0;
}

/* ---- sockets from /proc/net ---------------------------------------------------------------- */

struct sock_info {
	uint64_t inode;
	uint8_t type;  /* SOCK_STREAM, SOCK_DGRAM */
	uint16_t proto;
	uint8_t local[SCF_SOCKADDR_MAX], remote[SCF_SOCKADDR_MAX];
	size_t local_len, remote_len;
};

struct sock_table {
	struct sock_info *v;
	size_t n, cap;
};

static struct sock_info *sock_add(struct sock_table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct sock_info *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	return &t->v[t->n++];
}

/* "0100007F:1F90" (IPv4) or 32 hex digits + ":port" (IPv6) to a formats sockaddr item. */
static size_t inet_item(const char *s, bool v6, uint8_t *out)
{
	unsigned port;
	const char *colon = strchr(s, ':');

	if (!colon || sscanf(colon + 1, "%x", &port) != 1)
		return 0;
	if (!v6) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
		uint32_t a;
		if (sscanf(s, "%8x", &a) != 1)
			return 0;
		sin.sin_addr.s_addr = a; /* printed as the host-order view of network bytes */
		return scf_sockaddr_encode(&sin, sizeof(sin), out);
	}
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	for (int i = 0; i < 4; i++) {
		uint32_t w;
		char word[9];
		memcpy(word, s + 8 * i, 8);
		word[8] = 0;
		if (sscanf(word, "%x", &w) != 1)
			return 0;
		memcpy(&sin6.sin6_addr.s6_addr[4 * i], &w, 4);
	}
	return scf_sockaddr_encode(&sin6, sizeof(sin6), out);
}

static void load_inet(struct sock_table *t, const char *file, bool v6, uint8_t type,
		      uint16_t proto)
{
	char line[512], la[64], ra[64];
	unsigned long long inode;
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		struct sock_info *si;
		if (sscanf(line, " %*d: %63s %63s %*x %*s %*s %*s %*u %*d %llu", la, ra, &inode) != 3)
			continue;
		si = sock_add(t);
		if (!si)
			break;
		si->inode = inode;
		si->type = type;
		si->proto = proto;
		si->local_len = inet_item(la, v6, si->local);
		si->remote_len = inet_item(ra, v6, si->remote);
	}
	fclose(f);
}

static void load_unix(struct sock_table *t)
{
	char line[4608];
	FILE *f = fopen("/proc/net/unix", "re");

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned type;
		unsigned long long inode;
		int pos = 0;
		struct sock_info *si;
		if (sscanf(line, "%*s %*x %*x %*x %x %*x %llu%n", &type, &inode, &pos) != 2)
			continue;
		si = sock_add(t);
		if (!si)
			break;
		si->inode = inode;
		si->type = type;
		char *p = line + pos;
		while (*p == ' ')
			p++;
		p[strcspn(p, "\n")] = 0;
		if (*p) {
			struct sockaddr_un sun = {.sun_family = AF_UNIX};
			size_t l = strlen(p);
			if (l >= sizeof(sun.sun_path))
				l = sizeof(sun.sun_path) - 1;
			memcpy(sun.sun_path, p, l);
			if (p[0] == '@')
				sun.sun_path[0] = 0; /* abstract */
			si->local_len = scf_sockaddr_encode(&sun, offsetof(struct sockaddr_un, sun_path) + l,
							    si->local);
		}
	}
	fclose(f);
}

static const struct sock_info *sock_find(const struct sock_table *t, uint64_t inode)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].inode == inode)
			return &t->v[i];
	return NULL;
}

int scan_write_fds(struct recorder *r, pid_t pid)
{
	struct sock_table socks = {0};
	char path[96], link[4096], info[1024], root[4096];
	size_t root_len = root_of(pid, root, sizeof(root));
	bool socks_loaded = false;
	long fd;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while (proc_dir_next(d, &fd)) {
		struct scf_fd f = {.pid = pid, .fd = (int32_t)fd};
		struct scf_rec_builder b;
		const struct sock_info *si = NULL;
		struct stat st;
		ssize_t n;
		char *s;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, f.fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue; /* closed meanwhile */
		link[n] = 0;
		if (stat(path, &st) == 0) {
			f.inode = st.st_ino;
			if (S_ISREG(st.st_mode))
				f.kind = SCF_FD_FILE;
			else if (S_ISDIR(st.st_mode))
				f.kind = SCF_FD_DIR;
			else if (S_ISFIFO(st.st_mode))
				f.kind = SCF_FD_PIPE;
			else if (S_ISSOCK(st.st_mode))
				f.kind = SCF_FD_SOCKET;
			else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
				f.kind = SCF_FD_DEVICE;
		}
		if (!strncmp(link, "anon_inode:", 11))
			f.kind = SCF_FD_ANON;
		else if (!strncmp(link, "/memfd:", 7))
			f.kind = SCF_FD_MEMFD;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, f.fd);
		if (read_file(path, info, sizeof(info)) > 0 && (s = strstr(info, "flags:")))
			f.open_flags = strtoul(s + 6, NULL, 8);
		if (f.kind == SCF_FD_SOCKET) {
			if (!socks_loaded) {
				load_inet(&socks, "/proc/net/tcp", false, SOCK_STREAM, 6);
				load_inet(&socks, "/proc/net/tcp6", true, SOCK_STREAM, 6);
				load_inet(&socks, "/proc/net/udp", false, SOCK_DGRAM, 17);
				load_inet(&socks, "/proc/net/udp6", true, SOCK_DGRAM, 17);
				load_unix(&socks);
				socks_loaded = true;
			}
			si = sock_find(&socks, f.inode);
			if (si) {
				f.sock_type = si->type;
				f.sock_proto = si->proto;
			}
		}
		scf_rb_begin(&b, rec_buf, sizeof(rec_buf), SCF_REC_FD, 0, &f, sizeof(f));
		/* as the process sees it, as its syscalls' paths are */
		scf_rb_item_str(&b, SCF_ITEM_PATH, link + root_prefix(root, root_len, link));
		if (si && si->local_len)
			scf_rb_item(&b, SCF_ITEM_SOCKADDR_LOCAL, si->local, si->local_len);
		if (si && si->remote_len)
			scf_rb_item(&b, SCF_ITEM_SOCKADDR, si->remote, si->remote_len);
		recorder__append(r, recorder__now_wall(r), rec_buf, scf_rb_end(&b));
	}
	closedir(d);
	free(socks.v);
	return 0;
}

int scan_pids(void (*fn)(void *ctx, pid_t pid), void *ctx)
{
	DIR *d = opendir("/proc");
	pid_t self = getpid();
	long pid;

	if (!d)
		return -errno;
	while (proc_dir_next(d, &pid))
		if (pid != self && pid <= INT32_MAX)
			fn(ctx, (pid_t)pid);
	closedir(d);
	return 0;
}
