// SPDX-License-Identifier: BSD-2-Clause
/*
 * spancap-proc-ctx-dump: TEST-ONLY reader of a process's OTEP 4719 context.
 *
 *   spancap-proc-ctx-dump PID
 *
 * Finds the OTEL_CTX mapping in /proc/PID/maps, reads the header and payload with
 * process_vm_readv following the reader protocol (signature, version, non-zero timestamp,
 * copy, timestamp unchanged), decodes the protobuf and prints, tab-separated:
 *
 *   mapping   <start>-<end>   <name>
 *   header    version=<v> payload_size=<n> published_at_ns=<t> payload=<addr>
 *   resource  <key> <type> <value>          (one per resource attribute)
 *   attribute <key> <type> <value>          (one per ProcessContext.attributes entry)
 *   key_map   <index> <name>                (threadlocal.attribute_key_map)
 *
 * Types: string bool int double array kvlist bytes; strings are printed with \\ and \xHH
 * escapes for backslash and bytes outside 0x20..0x7e.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "proc_ctx_decode.h"

#define MAX_ATTEMPTS 200

static const char *const prefixes[] = {"/memfd:OTEL_CTX", "[anon_shmem:OTEL_CTX]",
				       "[anon:OTEL_CTX]"};

static int find_mapping(pid_t pid, uint64_t *start, uint64_t *end, char *name, size_t len)
{
	char path[64], line[4096];
	int found = -ENOENT;
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		int name_off = 0;
		char *nl;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &e, &name_off) < 2 ||
		    name_off == 0)
			continue;
		nl = strchr(line + name_off, '\n');
		if (nl)
			*nl = '\0';
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			if (strncmp(line + name_off, prefixes[i], strlen(prefixes[i])) == 0) {
				*start = s;
				*end = e;
				snprintf(name, len, "%s", line + name_off);
				found = 0;
				break;
			}
		}
	}
	fclose(f);
	return found;
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static void print_escaped(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\')
			fputs("\\\\", stdout);
		else if (p[i] < 0x20 || p[i] > 0x7e)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
}

static void print_kv(const char *what, const struct proc_ctx_kv *kv)
{
	static const char *const types[] = {"none",   "string", "bool",	  "int",
					    "double", "array",	"kvlist", "bytes"};
	const struct proc_ctx_value *v = &kv->value;

	printf("%s\t", what);
	print_escaped(kv->key.p, kv->key.len);
	printf("\t%s\t", types[v->type <= 7 ? v->type : 0]);
	switch (v->type) {
	case 1:
		print_escaped(v->bytes.p, v->bytes.len);
		break;
	case 2:
		fputs(v->boolean ? "true" : "false", stdout);
		break;
	case 3:
		printf("%" PRId64, v->integer);
		break;
	case 4:
		printf("%.17g", v->dbl);
		break;
	default:
		printf("%zu bytes", v->bytes.len);
		break;
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	static uint8_t payload[PROC_CTX_PAYLOAD_MAX];
	static struct proc_ctx_decoded dec;
	struct timespec pause = {0, 1000000};
	uint8_t hdr_buf[PROC_CTX_HEADER_SIZE];
	struct proc_ctx_header h;
	uint64_t start = 0, end = 0, ts_again;
	char name[512], err_msg[256];
	int attempt, err = -EAGAIN;
	size_t i;
	pid_t pid;

	if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: %s PID\n", argv[0]);
		return EXIT_FAILURE;
	}
	err = find_mapping(pid, &start, &end, name, sizeof(name));
	if (err) {
		fprintf(stderr, "spancap-proc-ctx-dump: no OTEL_CTX mapping in /proc/%d/maps: %s\n",
			(int)pid, strerror(-err));
		return EXIT_FAILURE;
	}
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		if (attempt)
			nanosleep(&pause, NULL);
		err = read_mem(pid, start, hdr_buf, sizeof(hdr_buf));
		if (!err)
			err = proc_ctx_header_parse(hdr_buf, sizeof(hdr_buf), &h);
		if (err)
			break; /* not a valid mapping: no retry */
		if (h.published_at_ns == 0) {
			err = -EAGAIN; /* being updated */
			continue;
		}
		atomic_thread_fence(memory_order_seq_cst);
		if (h.payload_size > sizeof(payload)) {
			err = -E2BIG;
			break;
		}
		err = read_mem(pid, h.payload, payload, h.payload_size);
		atomic_thread_fence(memory_order_seq_cst);
		if (read_mem(pid, start + 16, &ts_again, sizeof(ts_again)) == 0 &&
		    ts_again == h.published_at_ns && !err)
			break;
		err = -EAGAIN; /* changed under us (or the old payload was freed): retry */
	}
	if (err) {
		fprintf(stderr, "spancap-proc-ctx-dump: reading the context of %d: %s\n", (int)pid,
			strerror(-err));
		return EXIT_FAILURE;
	}
	err = proc_ctx_decode(payload, h.payload_size, &dec, err_msg, sizeof(err_msg));
	if (err) {
		fprintf(stderr, "spancap-proc-ctx-dump: decoding the payload of %d: %s (%s)\n",
			(int)pid, err_msg, strerror(-err));
		return EXIT_FAILURE;
	}
	printf("mapping\t%" PRIx64 "-%" PRIx64 "\t%s\n", start, end, name);
	printf("header\tversion=%u payload_size=%u published_at_ns=%" PRIu64 " payload=0x%" PRIx64
	       "\n",
	       h.version, h.payload_size, h.published_at_ns, h.payload);
	for (i = 0; i < dec.n_resource; i++)
		print_kv("resource", &dec.resource[i]);
	for (i = 0; i < dec.n_attrs; i++)
		print_kv("attribute", &dec.attrs[i]);
	for (i = 0; i < dec.n_keys; i++) {
		printf("key_map\t%zu\t", i);
		print_escaped(dec.keys[i].p, dec.keys[i].len);
		putchar('\n');
	}
	return EXIT_SUCCESS;
}
