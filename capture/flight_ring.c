// SPDX-License-Identifier: BSD-2-Clause
/*
 * flight_ring.c - the flight recorder's memory (--ring): the last seconds of a capture as a
 * series of segments, each a whole spancap file held in a memfd.
 *
 * A segment is what rotation (-C/-G) would have made a file: a SECTION record, the state of
 * every observed process (PROCESS with its key map, THREAD, FD records), then compressed
 * frames of records, then an END record. It reads alone, so dropping the oldest segment whole
 * never leaves a later one with syscalls of an unknown process; and segments put one after
 * the other form one valid multi-section file, which is what a trigger writes out. The
 * recorder writes into the open (newest) segment through the descriptor fring__start() gave.
 *
 * Bounds: the segments hold at most max_bytes together (the open one included); the oldest
 * closed segment is dropped while they hold more, or while the segments after it still cover
 * window_ns. The open segment is never dropped, and neither are the segments a trigger file
 * has not copied yet (pin_from).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"

#define COPY_CHUNK (64u << 10)

struct flight_ring {
	uint64_t max_bytes;
	uint64_t window_ns;
	struct fring_seg *segs; /* oldest first; the last one is open once started */
	size_t n, cap;
	uint64_t next_id;
	uint64_t dropped_segs, dropped_bytes, overflow_segs;
};

struct flight_ring *fring__new(uint64_t max_bytes, uint64_t window_ns)
{
	struct flight_ring *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->max_bytes = max_bytes;
	f->window_ns = window_ns;
	f->next_id = 1;
	return f;
}

void fring__free(struct flight_ring *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		close(f->segs[i].fd);
	free(f->segs);
	free(f);
}

int fring__start(struct flight_ring *f, uint64_t start_ns)
{
	struct fring_seg *s;
	int fd;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct fring_seg *segs = realloc(f->segs, cap * sizeof(*segs));

		if (!segs)
			return -ENOMEM;
		f->segs = segs;
		f->cap = cap;
	}
	fd = memfd_create("spancap-ring", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (f->n)
		f->segs[f->n - 1].open = false;
	s = &f->segs[f->n++];
	*s = (struct fring_seg){.fd = fd, .id = f->next_id++, .start_ns = start_ns, .open = true};
	return fd;
}

int fring__sync(struct flight_ring *f)
{
	/* only the last two can still grow: the open one, and the one closed by the rotation that
	 * started it (its END record is written after fring__start()) */
	for (size_t i = f->n > 2 ? f->n - 2 : 0; i < f->n; i++) {
		struct stat st;

		if (fstat(f->segs[i].fd, &st))
			return -errno;
		f->segs[i].bytes = (uint64_t)st.st_size;
	}
	return 0;
}

uint64_t fring__bytes(const struct flight_ring *f)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < f->n; i++)
		sum += f->segs[i].bytes;
	return sum;
}

static void drop_oldest(struct flight_ring *f, bool overflow)
{
	f->dropped_segs++;
	f->dropped_bytes += f->segs[0].bytes;
	f->overflow_segs += overflow;
	close(f->segs[0].fd);
	memmove(f->segs, f->segs + 1, (f->n - 1) * sizeof(*f->segs));
	f->n--;
}

size_t fring__evict(struct flight_ring *f, uint64_t now_ns, uint64_t pin_from)
{
	uint64_t total = fring__bytes(f);
	size_t dropped = 0;

	while (f->n >= 2 && f->segs[0].id < pin_from) {
		bool over = total > f->max_bytes;
		/* the rest still covers the window: segs[1] started window_ns ago or earlier */
		bool old = now_ns >= f->window_ns && f->segs[1].start_ns <= now_ns - f->window_ns;

		if (!over && !old)
			break;
		total -= f->segs[0].bytes;
		drop_oldest(f, over && !old);
		dropped++;
	}
	return dropped;
}

size_t fring__count(const struct flight_ring *f)
{
	return f->n;
}

const struct fring_seg *fring__seg(const struct flight_ring *f, size_t i)
{
	return i < f->n ? &f->segs[i] : NULL;
}

uint64_t fring__dropped_segs(const struct flight_ring *f)
{
	return f->dropped_segs;
}

uint64_t fring__dropped_bytes(const struct flight_ring *f)
{
	return f->dropped_bytes;
}

uint64_t fring__overflow_segs(const struct flight_ring *f)
{
	return f->overflow_segs;
}

static int copy_range(int in, uint64_t from, uint64_t to, int out)
{
	static uint8_t buf[COPY_CHUNK];

	while (from < to) {
		size_t want = to - from < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);
		ssize_t n = pread(in, buf, want, (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (ssize_t done = 0; done < n;) {
			ssize_t k = write(out, buf + done, (size_t)(n - done));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k < 0 ? -errno : -EIO;
			done += k;
		}
		from += (uint64_t)n;
	}
	return 0;
}

int fring__copy_new(const struct flight_ring *f, struct fring_cursor *c, int out_fd,
		    bool with_open)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct fring_seg *s = &f->segs[i];
		int ret;

		if (s->id < c->id)
			continue;
		if (s->open && !with_open)
			break;
		if (s->id > c->id) { /* the cursor's segment is gone or was never started */
			c->id = s->id;
			c->off = 0;
		}
		ret = copy_range(s->fd, c->off, s->bytes, out_fd);
		if (ret)
			return ret;
		c->off = s->bytes;
		if (s->open)
			break;
		c->id = s->id + 1;
		c->off = 0;
	}
	return 0;
}
