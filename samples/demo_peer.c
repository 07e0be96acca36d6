// SPDX-License-Identifier: BSD-2-Clause
/* The loopback TCP peer of the demo service (see demo_peer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "demo_peer.h"

#define PEER_MAX_REPLY 65536
#define PEER_MAX_CONNECTIONS 1000000

/* Reads the request line (bounded); returns the requested reply size or -1. */
static long read_request(struct demo_peer *p, int fd)
{
	char req[256];
	size_t len = 0;
	long n, size;
	int i;
	char *sp;

	for (i = 0; i < 8 && len < sizeof(req) - 1; i++) {
		n = demo_op_read(&p->log, fd, "tcp", req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		if (memchr(req, '\n', len))
			break;
	}
	req[len] = '\0';
	sp = strrchr(req, ' ');
	if (!sp)
		return -1;
	size = strtol(sp + 1, NULL, 10);
	return size >= 0 && size <= PEER_MAX_REPLY ? size : -1;
}

static void serve(struct demo_peer *p, int fd)
{
	static const char fill[64] = "spancap-demo-peer-reply.spancap-demo-peer-reply.spancap-demo";
	char buf[PEER_MAX_REPLY];
	long size, off, n;
	int i;

	size = read_request(p, fd);
	if (size >= 0) {
		for (i = 0; i < size; i++)
			buf[i] = fill[i % (int)(sizeof(fill) - 1)];
		for (off = 0, i = 0; off < size && i < 64; i++) {
			n = demo_op_write(&p->log, fd, "tcp", buf + off, (size_t)(size - off));
			if (n <= 0)
				break;
			off += n;
		}
	}
	demo_op_close(&p->log, fd, "tcp");
	p->served++;
}

static void announce(struct demo_peer *p, int err)
{
	pthread_mutex_lock(&p->lock);
	p->start_err = err;
	p->ready = 1;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *peer_main(void *arg)
{
	struct demo_peer *p = arg;
	long fd, r;
	unsigned long i;

	p->log.tid = (pid_t)syscall(SYS_gettid);
	if (p->on_start)
		p->on_start(&p->log, p->arg);
	fd = demo_op_tcp_socket(&p->log);
	if (fd < 0) {
		announce(p, (int)fd);
		goto out;
	}
	p->listen_fd = (int)fd;
	r = demo_op_bind_loopback(&p->log, p->listen_fd, 0);
	if (r == 0)
		r = demo_op_listen(&p->log, p->listen_fd, 64);
	if (r == 0)
		r = demo_op_local_port(&p->log, p->listen_fd);
	if (r < 0) {
		demo_op_close(&p->log, p->listen_fd, "listen");
		p->listen_fd = -1;
		announce(p, (int)r);
		goto out;
	}
	p->port = (int)r;
	demo_truth_flush(&p->truth);
	announce(p, 0);

	for (i = 0; i < PEER_MAX_CONNECTIONS; i++) {
		fd = demo_op_accept(&p->log, p->listen_fd);
		if (fd < 0) {
			if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
				break;
			if (fd == -EINTR || fd == -ECONNABORTED)
				continue;
			break;
		}
		serve(p, (int)fd);
		demo_truth_flush(&p->truth);
	}
	demo_op_close(&p->log, p->listen_fd, "listen");
out:
	demo_truth_flush(&p->truth);
	return NULL;
}

int demo_peer_start(struct demo_peer *p, int truth_fd, pid_t pid,
		    void (*on_start)(struct demo_oplog *log, void *arg), void *arg)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->listen_fd = -1;
	p->on_start = on_start;
	p->arg = arg;
	err = demo_truth_init(&p->truth, truth_fd, 0);
	if (err)
		return err;
	p->log.truth = &p->truth;
	p->log.ctx = &p->no_ctx;
	p->log.pid = pid;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	err = -pthread_create(&p->thread, NULL, peer_main, p);
	if (err) {
		demo_truth_close(&p->truth);
		return err;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->ready)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (p->start_err) {
		pthread_join(p->thread, NULL);
		demo_truth_close(&p->truth);
		return p->start_err;
	}
	return 0;
}

void demo_peer_stop(struct demo_peer *p, struct demo_oplog *caller)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	demo_op_shutdown(caller, p->listen_fd); /* accept4 then fails with EINVAL */
	pthread_join(p->thread, NULL);
	demo_truth_close(&p->truth);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
}
