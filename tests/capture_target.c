// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_target - the traced program of tests/integration/it_capture_core.sh. It publishes
 * an OTEP 4947 thread context in its exported TLS variable otel_thread_ctx_v1 and makes known
 * syscalls outside and inside one span. What it did goes to stdout as key=value lines (the
 * test's ground truth).
 *
 *   capture_target FILE
 *
 * 1. prints pid and tp_offset (&otel_thread_ctx_v1 - fs_base, what the resolver must find);
 * 2. waits for one line on stdin (the test sends it once spancap has resolved this process);
 * 3. outside any span: openat FILE + read 100, openat of a missing path, connect to a closed
 *    port, getppid; then openat of a missing path and connect to the closed port whose
 *    arguments sit in pages not faulted in yet (memfd mappings never touched: the BPF program's
 *    entry read fails, its exit read must find them);
 * 4. attaches a context (trace 0102..10, span a1..a8, one attribute), then: openat FILE + read
 *    200, write 777 bytes into a pipe made by pipe2, openat of a missing path, connect to
 *    another closed port, execve of a missing program (its path and argv are read at its
 *    exit), fork + exec /bin/true, wait;
 * 5. detaches (valid = 0), getppid, exits with status 3.
 */
#include <arpa/inet.h>
#include <asm/prctl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

static void compiler_fence(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* A TCP port on 127.0.0.1 nothing listens on: bound then closed. */
static int closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &l))
		exit(10);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static int try_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_STREAM, 0), rc;

	rc = connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
	return rc;
}

/*
 * len bytes at the start of a fresh private mapping of a memfd that holds them, never touched
 * by this process: the page is in the page cache, its page table entry not present until the
 * first access (the kernel's, in the syscall it is passed to). A memfd: this runs as a user
 * that may write nowhere (it_capture_privs runs it as nobody).
 */
static const void *cold_copy(const char *name, const void *bytes, size_t len)
{
	void *m;
	int fd;

	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len)
		exit(19);
	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		exit(19);
	close(fd);
	return m;
}

static void read_file(const char *path, size_t n)
{
	char buf[512];
	int fd = openat(AT_FDCWD, path, O_RDONLY);

	if (fd < 0 || read(fd, buf, n) != (ssize_t)n)
		exit(11);
	close(fd);
}

int main(int argc, char **argv)
{
	static const uint8_t trace[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static const uint8_t span[8] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
	static const char attr[] = "/checkout";
	char line[64], junk[777] = {0};
	unsigned long fs = 0;
	struct sockaddr_in peer_out = {.sin_family = AF_INET,
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const void *cold_path, *cold_addr;
	int port_out, port_in, p[2], st, s;
	pid_t child;

	if (argc != 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	port_out = closed_port();
	port_in = closed_port();
	while (port_in == port_out)
		port_in = closed_port();
	peer_out.sin_port = htons(port_out);
	printf("pid=%d\ntp_offset=%ld\nport_out=%d\nport_in=%d\n", getpid(),
	       (long)((uintptr_t)&otel_thread_ctx_v1 - fs), port_out, port_in);
	cold_path = cold_copy("cold-path", "/nonexistent/cold-page", sizeof("/nonexistent/cold-page"));
	cold_addr = cold_copy("cold-addr", &peer_out, sizeof(peer_out));
	if (!fgets(line, sizeof(line), stdin))
		return 12;

	/* outside any span */
	read_file(argv[1], 100);
	if (openat(AT_FDCWD, "/nonexistent/outside-span", O_RDONLY) >= 0)
		return 13;
	if (try_connect(port_out) == 0)
		return 14;
	getppid();
	if (openat(AT_FDCWD, cold_path, O_RDONLY) >= 0)
		return 13;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, cold_addr, sizeof(peer_out)) == 0)
		return 14;
	close(s);

	/* attach: build the record, then point the TLS variable at it */
	memcpy(rec.trace_id, trace, 16);
	memcpy(rec.span_id, span, 8);
	rec.trace_flags = 1;
	rec.attrs_data[0] = 0;
	rec.attrs_data[1] = sizeof(attr) - 1;
	memcpy(rec.attrs_data + 2, attr, sizeof(attr) - 1);
	rec.attrs_data_size = 2 + sizeof(attr) - 1;
	rec.valid = 1;
	compiler_fence();
	otel_thread_ctx_v1 = &rec;
	compiler_fence();

	read_file(argv[1], 200);
	if (pipe2(p, O_CLOEXEC))
		return 15;
	if (write(p[1], junk, sizeof(junk)) != sizeof(junk))
		return 16;
	if (openat(AT_FDCWD, "/nonexistent/inside-span", O_RDONLY) >= 0)
		return 17;
	if (try_connect(port_in) == 0)
		return 18;
	{
		/* on the stack, so in pages present: the exit read cannot fault on them */
		char g0[] = "ghost", g1[] = "in-span";
		char *gargv[] = {g0, g1, NULL};

		if (execve("/nonexistent/exec-target", gargv, environ) == 0)
			return 18;
	}
	child = fork();
	if (child == 0) {
		execl("/bin/true", "true", "from-target", (char *)NULL);
		_exit(127);
	}
	if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
		return 19;

	/* detach */
	compiler_fence();
	rec.valid = 0;
	compiler_fence();
	getppid();
	printf("pipe=%d,%d\nchild=%d\n", p[0], p[1], child);
	return 3;
}
