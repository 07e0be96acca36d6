// SPDX-License-Identifier: BSD-2-Clause
/* Raw, logged system calls for the demo service (see demo_ops.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo_ops.h"

extern char **environ;

uint64_t demo_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts); /* vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *demo_errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
	    {EPERM, "EPERM"},
	    {ENOENT, "ENOENT"},
	    {ESRCH, "ESRCH"},
	    {EINTR, "EINTR"},
	    {EIO, "EIO"},
	    {EBADF, "EBADF"},
	    {ECHILD, "ECHILD"},
	    {EAGAIN, "EAGAIN"},
	    {ENOMEM, "ENOMEM"},
	    {EACCES, "EACCES"},
	    {EFAULT, "EFAULT"},
	    {EEXIST, "EEXIST"},
	    {ENOTDIR, "ENOTDIR"},
	    {EISDIR, "EISDIR"},
	    {EINVAL, "EINVAL"},
	    {EMFILE, "EMFILE"},
	    {ENOSPC, "ENOSPC"},
	    {EPIPE, "EPIPE"},
	    {ENOTEMPTY, "ENOTEMPTY"},
	    {ENOEXEC, "ENOEXEC"},
	    {EADDRINUSE, "EADDRINUSE"},
	    {ECONNRESET, "ECONNRESET"},
	    {ETIMEDOUT, "ETIMEDOUT"},
	    {ECONNREFUSED, "ECONNREFUSED"},
	    {EINPROGRESS, "EINPROGRESS"},
	};
	static __thread char other[16];
	size_t i;

	if (err == 0)
		return "";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].err == err)
			return names[i].name;
	}
	snprintf(other, sizeof(other), "E%d", err);
	return other;
}

/* What one op line says besides the context. */
struct op_desc {
	const char *name;
	int fd;
	const char *path;
	int port; /* 127.0.0.1:port when > 0 */
	long long count;
	char detail[64];
	pid_t pid; /* 0: the logging thread's */
};

static long kernel_result(long r)
{
	return r < 0 ? -errno : r;
}

static void log_op(struct demo_oplog *l, const struct op_desc *d, long ret, uint64_t start,
		   uint64_t end)
{
	struct demo_truth *t = l->truth;
	char peer[32] = "";

	l->n_ops++;
	if (ret < 0)
		l->n_failed++;
	if (!demo_truth_enabled(t))
		return;
	if (d->port > 0)
		snprintf(peer, sizeof(peer), "127.0.0.1:%d", d->port);
	demo_truth_begin(t, "op");
	demo_truth_int(t, "pid", d->pid ? d->pid : l->pid);
	demo_truth_int(t, "tid", d->pid ? d->pid : l->tid);
	demo_truth_str(t, "trace_id", l->ctx->trace_id);
	demo_truth_str(t, "span_id", l->ctx->span_id);
	demo_truth_str(t, "syscall", d->name);
	demo_truth_int(t, "fd", d->fd);
	demo_truth_str(t, "path", d->path ? d->path : "");
	demo_truth_str(t, "peer", peer);
	demo_truth_int(t, "count", d->count);
	demo_truth_int(t, "ret", ret);
	demo_truth_int(t, "errno", ret < 0 ? -ret : 0);
	demo_truth_str(t, "errno_name", demo_errno_name(ret < 0 ? (int)-ret : 0));
	demo_truth_str(t, "detail", d->detail);
	demo_truth_int(t, "start_ns", (long long)start);
	demo_truth_int(t, "end_ns", (long long)end);
	demo_truth_end(t);
}

/* Runs one raw syscall with up to five arguments and logs it. */
static long run(struct demo_oplog *l, const struct op_desc *d, long nr, long a, long b, long c,
		long e, long f)
{
	uint64_t start = demo_realtime_ns();
	long r = kernel_result(syscall(nr, a, b, c, e, f));

	log_op(l, d, r, start, demo_realtime_ns());
	return r;
}

long demo_op_openat(struct demo_oplog *l, int dirfd, const char *path, int flags, int mode)
{
	struct op_desc d = {.name = "openat", .fd = dirfd, .path = path};

	snprintf(d.detail, sizeof(d.detail), "flags=0x%x", (unsigned int)flags);
	return run(l, &d, SYS_openat, dirfd, (long)path, flags, mode, 0);
}

long demo_op_read(struct demo_oplog *l, int fd, const char *what, void *buf, size_t n)
{
	struct op_desc d = {.name = "read", .fd = fd, .path = what, .count = (long long)n};

	return run(l, &d, SYS_read, fd, (long)buf, (long)n, 0, 0);
}

long demo_op_write(struct demo_oplog *l, int fd, const char *what, const void *buf, size_t n)
{
	struct op_desc d = {.name = "write", .fd = fd, .path = what, .count = (long long)n};

	return run(l, &d, SYS_write, fd, (long)buf, (long)n, 0, 0);
}

long demo_op_fsync(struct demo_oplog *l, int fd, const char *what)
{
	struct op_desc d = {.name = "fsync", .fd = fd, .path = what};

	return run(l, &d, SYS_fsync, fd, 0, 0, 0, 0);
}

long demo_op_close(struct demo_oplog *l, int fd, const char *what)
{
	struct op_desc d = {.name = "close", .fd = fd, .path = what};

	return run(l, &d, SYS_close, fd, 0, 0, 0, 0);
}

long demo_op_unlinkat(struct demo_oplog *l, int dirfd, const char *path, int flags)
{
	struct op_desc d = {.name = "unlinkat", .fd = dirfd, .path = path};

	snprintf(d.detail, sizeof(d.detail), "flags=0x%x", (unsigned int)flags);
	return run(l, &d, SYS_unlinkat, dirfd, (long)path, flags, 0, 0);
}

long demo_op_mkdirat(struct demo_oplog *l, int dirfd, const char *path, int mode)
{
	struct op_desc d = {.name = "mkdirat", .fd = dirfd, .path = path};

	return run(l, &d, SYS_mkdirat, dirfd, (long)path, mode, 0, 0);
}

long demo_op_getpid(struct demo_oplog *l)
{
	struct op_desc d = {.name = "getpid", .fd = -1};

	return run(l, &d, SYS_getpid, 0, 0, 0, 0, 0);
}

long demo_op_nanosleep(struct demo_oplog *l, uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
			      .tv_nsec = (long)(ns % 1000000000u)};
	struct op_desc d = {.name = "clock_nanosleep", .fd = -1, .count = (long long)ns};

	snprintf(d.detail, sizeof(d.detail), "clock=CLOCK_MONOTONIC");
	return run(l, &d, SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ts, 0, 0);
}

long demo_op_tcp_socket(struct demo_oplog *l)
{
	struct op_desc d = {.name = "socket", .fd = -1};

	snprintf(d.detail, sizeof(d.detail), "AF_INET,SOCK_STREAM|SOCK_CLOEXEC");
	return run(l, &d, SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0);
}

long demo_op_set_rcvtimeo(struct demo_oplog *l, int fd, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	struct op_desc d = {.name = "setsockopt", .fd = fd, .count = ms};

	snprintf(d.detail, sizeof(d.detail), "SO_RCVTIMEO");
	return run(l, &d, SYS_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof(tv));
}

static void loopback(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

long demo_op_bind_loopback(struct demo_oplog *l, int fd, int port)
{
	struct op_desc d = {.name = "bind", .fd = fd, .port = port};
	struct sockaddr_in sa;

	loopback(&sa, port);
	snprintf(d.detail, sizeof(d.detail), "127.0.0.1:%d", port);
	return run(l, &d, SYS_bind, fd, (long)&sa, sizeof(sa), 0, 0);
}

long demo_op_listen(struct demo_oplog *l, int fd, int backlog)
{
	struct op_desc d = {.name = "listen", .fd = fd, .count = backlog};

	return run(l, &d, SYS_listen, fd, backlog, 0, 0, 0);
}

long demo_op_local_port(struct demo_oplog *l, int fd)
{
	struct op_desc d = {.name = "getsockname", .fd = fd};
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	long r;

	memset(&sa, 0, sizeof(sa));
	r = run(l, &d, SYS_getsockname, fd, (long)&sa, (long)&len, 0, 0);
	if (r < 0)
		return r;
	if (len != sizeof(sa) || sa.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	return ntohs(sa.sin_port);
}

long demo_op_connect_loopback(struct demo_oplog *l, int fd, int port)
{
	struct op_desc d = {.name = "connect", .fd = fd, .port = port};
	struct sockaddr_in sa;

	loopback(&sa, port);
	return run(l, &d, SYS_connect, fd, (long)&sa, sizeof(sa), 0, 0);
}

long demo_op_accept(struct demo_oplog *l, int fd)
{
	struct op_desc d = {.name = "accept4", .fd = fd};
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	uint64_t start = demo_realtime_ns();
	long r;

	memset(&sa, 0, sizeof(sa));
	r = kernel_result(syscall(SYS_accept4, fd, &sa, &len, SOCK_CLOEXEC));
	if (r >= 0 && sa.sin_family == AF_INET)
		d.port = ntohs(sa.sin_port); /* the client's ephemeral port */
	log_op(l, &d, r, start, demo_realtime_ns());
	return r;
}

long demo_op_shutdown(struct demo_oplog *l, int fd)
{
	struct op_desc d = {.name = "shutdown", .fd = fd};

	snprintf(d.detail, sizeof(d.detail), "SHUT_RDWR");
	return run(l, &d, SYS_shutdown, fd, SHUT_RDWR, 0, 0, 0);
}

int demo_op_spawn(struct demo_oplog *l, const char *path, char *const argv[])
{
	struct op_desc d = {.fd = -1};
	uint64_t start, clone_end;
	int fds[2], child_errno = 0, status = 0;
	long pid, r;

	d.name = "pipe2";
	snprintf(d.detail, sizeof(d.detail), "O_CLOEXEC");
	r = run(l, &d, SYS_pipe2, (long)fds, O_CLOEXEC, 0, 0, 0);
	if (r < 0)
		return (int)r;

	/* fork(2) as a raw clone: no atfork handlers, the child only execs or exits. */
	start = demo_realtime_ns();
	pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		syscall(SYS_execve, path, argv, environ);
		child_errno = errno;
		syscall(SYS_write, fds[1], &child_errno, sizeof(child_errno));
		syscall(SYS_exit_group, 127);
	}
	pid = kernel_result(pid);
	clone_end = demo_realtime_ns();
	memset(&d, 0, sizeof(d));
	d.name = "clone";
	d.fd = -1;
	snprintf(d.detail, sizeof(d.detail), "flags=SIGCHLD");
	log_op(l, &d, pid, start, clone_end);
	if (pid < 0) {
		demo_op_close(l, fds[0], "pipe");
		demo_op_close(l, fds[1], "pipe");
		return (int)pid;
	}

	demo_op_close(l, fds[1], "pipe");
	r = demo_op_read(l, fds[0], "pipe", &child_errno, sizeof(child_errno));
	demo_op_close(l, fds[0], "pipe");
	/* The child's execve, seen from here: EOF on the CLOEXEC pipe means it succeeded. */
	memset(&d, 0, sizeof(d));
	d.name = "execve";
	d.fd = -1;
	d.path = path;
	d.pid = (pid_t)pid;
	snprintf(d.detail, sizeof(d.detail), "times are bounds seen by the parent");
	log_op(l, &d, r == 0 ? 0 : (r == sizeof(child_errno) ? -child_errno : -EIO), clone_end,
	       demo_realtime_ns());

	memset(&d, 0, sizeof(d));
	d.name = "wait4";
	d.fd = -1;
	start = demo_realtime_ns();
	r = kernel_result(syscall(SYS_wait4, pid, &status, 0, NULL));
	if (r >= 0 && WIFEXITED(status))
		snprintf(d.detail, sizeof(d.detail), "exit=%d", WEXITSTATUS(status));
	else if (r >= 0 && WIFSIGNALED(status))
		snprintf(d.detail, sizeof(d.detail), "signal=%d", WTERMSIG(status));
	log_op(l, &d, r, start, demo_realtime_ns());
	if (r < 0)
		return (int)r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}
