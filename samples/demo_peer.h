/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo's loopback peer: a thread serving TCP on 127.0.0.1 (ephemeral port). Protocol:
 * the client sends one line "<route> <n>\n"; the peer answers n bytes (n <= 65536), closes.
 * It runs with no context attached; its operations are logged as outside any span.
 */
#ifndef DEMO_PEER_H
#define DEMO_PEER_H

#include <pthread.h>
#include <sys/types.h>

#include "demo_ops.h"
#include "demo_truth.h"

struct demo_peer {
	pthread_t thread;
	int listen_fd;
	int port;
	int start_err; /* -errno when setup failed */
	int stop;
	unsigned long served;
	struct demo_truth truth;
	struct demo_ctx_ids no_ctx;
	struct demo_oplog log;
	/* called by the peer thread before its first operation (writes its "thread" line) */
	void (*on_start)(struct demo_oplog *log, void *arg);
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;
};

/*
 * Starts the peer thread and waits until it listens. on_start runs on the peer thread.
 * Returns 0, or -errno (setup failure: the thread has already exited).
 */
int demo_peer_start(struct demo_peer *p, int truth_fd, pid_t pid,
		    void (*on_start)(struct demo_oplog *log, void *arg), void *arg);

/*
 * Stops the peer and joins it: shutdown(2) of the listening socket, logged on the caller's
 * log, wakes the blocked accept4.
 */
void demo_peer_stop(struct demo_peer *p, struct demo_oplog *caller);

#endif /* DEMO_PEER_H */
