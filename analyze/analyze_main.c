// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze_main.c - spancap-analyze: command line, help, and the glue between the replay and
 * the reports. See usage() for the manual.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "cmd_filter.h"
#include "export.h"
#include "output_file.h"
#include "redact.h"
#include "report.h"
#include "timeline_order.h"

#define PROG "spancap-analyze"
#define VERSION SPANCAP_VERSION

enum { EXIT_USAGE = 2 };

static void usage(FILE *f)
{
	fputs("NAME\n"
	      "    " PROG " - reconstruct per-trace syscall activity from spancap capture files\n"
	      "\n"
	      "SYNOPSIS\n"
	      "    " PROG " COMMAND [OPTIONS] FILE...\n"
	      "    " PROG " trace TRACE_ID [OPTIONS] FILE...\n"
	      "    " PROG " filter [SELECTION] [--redact[=CLASSES]] -o OUT FILE...\n"
	      "    " PROG " index FILE...\n"
	      "    " PROG " --help | --version\n"
	      "\n"
	      "DESCRIPTION\n"
	      "    Replays the records of one or more capture files in time order (sections,\n"
	      "    rotated files and files of several hosts are merged by timestamp; a file\n"
	      "    given twice, or under a second name, is read once), rebuilds processes,\n"
	      "    threads and descriptor tables, and attributes every syscall to the trace and\n"
	      "    span active on its thread. Times are printed in UTC. Output is plain text\n"
	      "    (no colour) in a deterministic order, or JSON with --json.\n"
	      "\n"
	      "COMMANDS\n"
	      "    info         hosts, kernel, capture command and time range, sections, record\n"
	      "                 counts, losses, and how each process's context was resolved\n"
	      "                 (its latest PROCESS record: status, key map, process attributes)\n"
	      "    traces       one row per trace: services, processes, threads, spans, syscalls,\n"
	      "                 time in syscalls, bytes read and written, errors, incomplete flag\n"
	      "    trace ID     one trace span by span: window, thread, attributes, time per\n"
	      "                 syscall class with p50/p90/p99/max, files, network peers, child\n"
	      "                 processes and failed syscalls (ID: the trace id or a unique prefix)\n"
	      "    spans        one row per span (on several threads: each thread's attributes)\n"
	      "    syscalls     latency and error statistics per syscall (see --by)\n"
	      "    processes    one row per process, with its process attributes\n"
	      "    files        operations and bytes per path, pipe or other descriptor target\n"
	      "    net          operations and bytes per network peer\n"
	      "    timeline     an strace-like listing of the syscalls with their trace and span\n"
	      "    export       the syscalls for other tools: --format otlp-json or otlp-jsonl\n"
	      "                 (OpenTelemetry traces: each syscall a child span of the\n"
	      "                 application span it ran in) or --format chrome (Perfetto,\n"
	      "                 chrome://tracing: one track per thread, application spans\n"
	      "                 enclosing their syscalls) or --format csv or jsonl (one flat\n"
	      "                 row per syscall for databases: ts_ns, time, host, boot_id,\n"
	      "                 pid, tid, trace_id, span_id, syscall, args, result, errno,\n"
	      "                 duration_ns, path, peer, bytes_read, bytes_written, flags;\n"
	      "                 spancap-analyze(1) describes them)\n"
	      "    filter       writes a new spancap file (-o OUT, - for standard output) holding\n"
	      "                 only what the selection (--trace, --span, --pid, --tid, --since,\n"
	      "                 --until, --syscall, --errors-only) needs; see FILTER below\n"
	      "    index        writes FILE.idx (mode 0600), the frame index of a compressed\n"
	      "                 file that has none (written before format 1.3, or by another\n"
	      "                 writer); a file with index frames needs none. See INDEX below\n"
	      "\n"
	      "OPTIONS\n"
	      "    --json              machine-readable output (one JSON document)\n"
	      "    --since TIME        only syscalls that entered at or after TIME\n"
	      "    --until TIME        only syscalls that entered at or before TIME\n"
	      "                        TIME: nanoseconds since the epoch (1790000000123456789),\n"
	      "                        UTC date and time (2026-09-21T12:00:00.5Z, T or space),\n"
	      "                        or +DURATION from the capture start (+1.5s, +200ms, +10us,\n"
	      "                        +500ns, +2m, +1h; no unit means seconds), or a UTC time\n"
	      "                        of day as the tables print it (21:47:00.116365396), on\n"
	      "                        the day nearest the capture start\n"
	      "    --pid PID           only this process\n"
	      "    --tid TID           only this thread\n"
	      "    --trace ID          only this trace (hex, a prefix is enough)\n"
	      "    --span ID           only this span (hex, a prefix is enough)\n"
	      "    --syscall LIST      only these syscalls: names or %CLASS, comma-separated, as\n"
	      "                        spancap -e takes them (classes: %file %net %process\n"
	      "                        %memory %time %sync %ipc %other; groups across classes:\n"
	      "                        %fd %signal %ids; and %all)\n"
	      "    --errors-only       only syscalls that failed\n"
	      "    --host NAME         every command: only the sections of the host of that name\n"
	      "    --boot ID           every command: only the sections of the boot whose id\n"
	      "                        starts with ID (hex; info shows boot ids). Two boots of\n"
	      "                        one host name are shown as NAME@BOOT (8 hex digits)\n"
	      "    --sort KEY          traces: syscalls, time, bytes, errors or start (default)\n"
	      "    --by KEY            syscalls: syscall (default), span or process\n"
	      "    --timeline          trace: append the trace's timeline\n"
	      "    --reorder-window MS timeline, trace --timeline: how long a line waits for\n"
	      "                        syscalls that entered earlier but returned later\n"
	      "                        (default 1000); one that ran longer comes out at its\n"
	      "                        exit as a resumed line\n"
	      "    --format FMT        export: otlp-json, otlp-jsonl (JSON Lines: one request of\n"
	      "                        at most --max-spans spans per line), chrome, csv or\n"
	      "                        jsonl (one row per syscall)\n"
	      "    -o, --output FILE   export: write FILE instead of standard output; filter: the\n"
	      "                        file to write (- is standard output, never one of the\n"
	      "                        inputs); either way mode 0600, never through a symbolic\n"
	      "                        link\n"
	      "    --granularity G     export otlp-json(l): syscall (default: one span per\n"
	      "                        syscall) or span (one span per application span, with\n"
	      "                        its syscall counts, bytes, files, peers and failures)\n"
	      "    --orphans           export otlp-json(l): also the syscalls made outside any\n"
	      "                        span, under one synthetic trace per thread (default:\n"
	      "                        skipped)\n"
	      "    --max-spans N       export otlp-jsonl: spans per line (default 1000)\n"

	      "    --compress, --no-compress\n"
	      "                        filter: zstd or plain pcapng (default: like the first input)\n"
	      "    --redact[=CLASSES]  filter: replace the strings of these classes (comma-separated;\n"
	      "                        default and \"all\": every class but ids) by pseudonyms\n"
	      "    --redact-key KEY    filter: derive the pseudonyms from KEY, so that every run\n"
	      "                        (and every file) gives the same ones; implies --redact.\n"
	      "                        Without it a random key is drawn for each run\n"
	      "    --redact-ids        filter: also replace trace and span ids (class ids)\n"
	      "    -j, --threads N     every command: decompress and decode the zstd frames of\n"
	      "                        the inputs on N threads, shared by them (default: the\n"
	      "                        online CPUs, at most 8; 1: none); the records are still\n"
	      "                        replayed in file order on one thread, so every output\n"
	      "                        is the same for every N; each thread holds a frame (up\n"
	      "                        to about 18 MiB); an input whose frame index leaves\n"
	      "                        frames out is read without them; with N >= 2 the sorts\n"
	      "                        of SPANCAP_ANALYZE_MEMORY also run on a thread each\n"
	      "    --no-index          all but info: decompress every frame, not only those the\n"
	      "                        frame index says the selection can need\n"
	      "    --no-color          accepted for scripts; output never has colour\n"
	      "    -h, --help          this manual\n"
	      "    -V, --version       the version\n"
	      "\n"
	      "    A trace is incomplete when events were lost (LOSS records) while one of its\n"
	      "    spans ran. Progress goes to stderr when it is a terminal.\n"
	      "\n"
	      "ENVIRONMENT\n"
	      "    SPANCAP_ANALYZE_MEMORY  the memory budget of the traces and spans that traces,\n"
	      "                        spans, timeline and export --format otlp-json|otlp-jsonl\n"
	      "                        keep, and of the rows a report sorts: bytes, or with K,\n"
	      "                        M or G (default 8M; 0: no limit). Past it they go to a\n"
	      "                        temporary file in TMPDIR (else /tmp), merged back at the\n"
	      "                        end: the same output. Not with trace, syscalls --by\n"
	      "                        span, export --granularity span or --format chrome:\n"
	      "                        every trace then stays in memory\n"
	      "\n"
	      "FILTER\n"
	      "    The output is a valid spancap file that the analyzer (and tshark; tshark 4.0\n"
	      "    past 128 KiB compressed through zstd -dc F | tshark -r -) reads like a\n"
	      "    capture. It holds one section per input section with a selected syscall:\n"
	      "    the SECTION record (host and capture info), the PROCESS records (with key\n"
	      "    maps and resource attributes) and THREAD records of the processes and threads\n"
	      "    of the selected syscalls, of the children they forked, of the processes whose\n"
	      "    pids they return or take in a pid namespace's numbering, and of the threads\n"
	      "    that carried the selected spans' context (with --pid or --tid, only those);\n"
	      "    the FD records of the descriptors the selected syscalls use (an FD record is\n"
	      "    added before a syscall whose descriptor was opened by a syscall left out);\n"
	      "    the THREAD_CTX records of the selected spans on those threads; the fork, exec\n"
	      "    and exit of those processes; the LOSS records whose window overlaps the selected\n"
	      "    time (so incompleteness stays visible); an END record with the output's own\n"
	      "    counts. Nothing else: no other process, thread, descriptor, span, attribute or\n"
	      "    syscall. Each output section stands alone. With --pid, the syscalls of other\n"
	      "    processes that name the selected one by its pid in their own pid namespace\n"
	      "    (its parent's clone() = 2 and wait4() = 2, a kill(2, ...)) are kept too.\n"
	      "    The selected spans are those of the selected syscalls and, unless --since,\n"
	      "    --until, --syscall or --errors-only is given, every span whose context\n"
	      "    records match --trace, --span, --pid and --tid. Several inputs are written\n"
	      "    one after the other, each in its own sections; relative times (+2s) count\n"
	      "    from the earliest capture start of all of them. Other commands on the output\n"
	      "    answer for the selection as they do on the input with the same filters,\n"
	      "    except that lifecycle and loss lines of the kept processes are shown.\n"
	      "\n"
	      "INDEX\n"
	      "    spancap writes after each zstd frame of a compressed capture an index of what\n"
	      "    the frame holds: processes, a filter of trace ids, times, record types\n"
	      "    (FORMAT.md 7). trace ID and filter with --trace (16 hex digits or more)\n"
	      "    decompress only the frames that can matter (filter --pid alone, which also\n"
	      "    keeps other processes' calls naming the pid, reads every frame the times do\n"
	      "    not leave out): those holding the trace's (or trace --pid's) processes, their\n"
	      "    descendants, their ancestors up to the fork, and those with records of global\n"
	      "    effect (section, clock, end, loss of no one process, pipes). Of the\n"
	      "    trace's own processes, trace ID (one input) reads only the frames that hold\n"
	      "    the trace or change a descriptor it may use (format 1.4 lists the\n"
	      "    descriptors each frame changes), and exec, fork and death frames. --since leaves\n"
	      "    out, in every command but info, the frames before the window of processes\n"
	      "    that end before it (one that lives into it is read from its start: its\n"
	      "    descriptors); --until, with one input, the frames after the last that may\n"
	      "    hold a record of the window: of syscalls only (files, net, timeline,\n"
	      "    syscalls, export csv|jsonl, filter), of any process record (files, net,\n"
	      "    timeline, export csv|jsonl). The report is the same as from every frame.\n"
	      "    A file without index frames uses FILE.idx when its size and modification\n"
	      "    time and every frame it describes match (a stale one is ignored with a\n"
	      "    note); without either every frame is read, said once on stderr by trace\n"
	      "    and filter.\n"
	      "\n"
	      "REDACTION CLASSES\n"
	      "    Same value, same pseudonym (a SipHash-2-4 keyed hash): the analysis of a\n"
	      "    redacted file reads like the original's. Strings become 10 letters/digits.\n"
	      "    paths   PATH and PATH2 of syscalls, exec events and FD records (not the\n"
	      "            link texts pipe:[N], socket:[N], anon_inode:... of pipes, sockets and\n"
	      "            anonymous descriptors), EXE, CGROUP, TLS_MODULE, and every word with a\n"
	      "            '/' in a PROCESS REASON. Each path component is replaced on its own:\n"
	      "            '/', '.', '..', the depth and an extension of 1 to 4 letters or digits\n"
	      "            stay: /srv/app/orders.json becomes /P/P/P.json (P: a pseudonym)\n"
	      "    argv    every string of execve and PROCESS ARGV and of the capture's own\n"
	      "            command line; NAME=VALUE keeps \"NAME=\", a value with a '/' is a path\n"
	      "    env     only the VALUE of NAME=VALUE strings there (implied by argv)\n"
	      "    attrs   values of resource and process attributes (OTEP 4719) and of thread\n"
	      "            context attributes (OTEP 4947): strings and bytes; numbers, booleans,\n"
	      "            keys, key maps and the threadlocal.* schema entries stay\n"
	      "    addrs   IPv4, IPv6 and unix socket addresses of syscalls and FD records. The\n"
	      "            family and the port stay; IPv4 becomes 240.0.0.0/4, IPv6 fd00::/8 (an\n"
	      "            IPv4-mapped one its IPv4 pseudonym), unix paths paths; 0.0.0.0 and ::\n"
	      "            stay; other families (netlink, packet...) are zeroed\n"
	      "    host    hostname, kernel build string (uname -v), boot id and capture id;\n"
	      "            the kernel release (uname -r), machine and tool version stay\n"
	      "    names   comm of processes and exec events, thread names, syscall NAME items,\n"
	      "            and the EXE path\n"
	      "    ids     trace and span ids of syscalls and context records (not by default)\n"
	      "    Items the redactor does not know (a newer writer's) are dropped. Times, pids,\n"
	      "    tids, fds, syscall numbers, arguments, results and counters stay.\n"
	      "\n"
	      "EXAMPLES\n"
	      "    (4bf92f35... stands for a trace id of your capture; a prefix is enough)\n"
	      "    " PROG " info app.pcapng.zst\n"
	      "    " PROG " traces --sort=time app-000001.pcapng.zst app-000002.pcapng.zst\n"
	      "    " PROG " trace 4bf92f3577b34da6 --timeline app.pcapng.zst\n"
	      "    " PROG " syscalls --by=span --syscall=%file --json app.pcapng.zst\n"
	      "    " PROG " timeline --pid 1234 --since +2s --until +3s app.pcapng.zst\n"
	      "    " PROG " timeline --errors-only web1.pcapng.zst web2.pcapng.zst\n"
	      "    " PROG " export --format otlp-json -o traces.json app.pcapng.zst\n"
	      "    " PROG " export --format chrome --trace 4bf92f35 -o trace.json app.pcapng.zst\n"
	      "    " PROG " export --format csv --since +2s -o rows.csv app.pcapng.zst\n"
	      "    " PROG " filter --trace 4bf92f35 -o bug-1234.pcapng.zst app.pcapng.zst\n"
	      "    " PROG " filter --redact --since +2s --until +3s -o share.pcapng.zst\n"
	      "        app.pcapng.zst\n"
	      "\n"
	      "EXIT STATUS\n"
	      "    0  the analysis ran; a truncated or corrupt input is analysed up to the damage\n"
	      "       and a warning on stderr names the file and the byte offset\n"
	      "    1  an input could not be opened or is not a spancap file (an input cut before\n"
	      "       its first record is skipped with a warning, unless it is the only one), the\n"
	      "       trace asked for (trace ID, or --trace ID of any command) is not in the\n"
	      "       input, filter selected nothing (no output is written), an output could not\n"
	      "       be written, or memory ran out\n"
	      "    2  usage error (the same code as spancap's): an unknown command or option, a\n"
	      "       bad value, an option the command does not read (--json for export or\n"
	      "       filter, --sort but for traces, --by but for syscalls, --timeline but for\n"
	      "       trace, the selection options for info, the export and filter options\n"
	      "       elsewhere), --since after --until\n",
	      f);
}

static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see " PROG " --help)\n");
	return EXIT_USAGE;
}

static int parse_hex_id(const char *s, uint8_t *out, size_t bytes, uint8_t *nibbles)
{
	size_t n = strlen(s);

	if (!n || n > bytes * 2)
		return -EINVAL;
	memset(out, 0, bytes);
	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			v = s[i] - 'A' + 10;
		else
			return -EINVAL;
		out[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
	}
	*nibbles = (uint8_t)n;
	return 0;
}

/* H[H]:MM:SS[.FRACTION], a UTC time of day as the tables print it: 0 with *ns, or -EINVAL. */
static int parse_time_of_day(const char *s, int64_t *ns)
{
	unsigned int v[3] = { 0 }, digits;
	int64_t frac = 0, scale = 100000000;

	for (int i = 0; i < 3; i++) {
		if (i && *s++ != ':')
			return -EINVAL;
		for (digits = 0; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			v[i] = v[i] * 10 + (unsigned int)(*s - '0');
		if (digits < (i ? 2u : 1u) || digits > 2)
			return -EINVAL;
	}
	if (v[0] > 23 || v[1] > 59 || v[2] > 59)
		return -EINVAL;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (!scale)
				return -EINVAL; /* finer than a nanosecond */
			frac += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (*s)
		return -EINVAL;
	*ns = ((int64_t)v[0] * 3600 + v[1] * 60 + v[2]) * 1000000000ll + frac;
	return 0;
}

/*
 * Parses a TIME (see usage). Returns 0 with *abs, or with *rel and *is_rel (and *is_tod for a
 * time of day); -EINVAL.
 */
static int parse_time(const char *s, uint64_t *abs, int64_t *rel, bool *is_rel, bool *is_tod)
{
	char *end;

	*is_rel = false;
	*is_tod = false;
	if (strchr(s, ':') && !strchr(s, '-')) {
		if (parse_time_of_day(s, rel))
			return -EINVAL;
		*is_rel = *is_tod = true;
		return 0;
	}
	if (s[0] == '+') {
		double v = strtod(s + 1, &end);
		double mul = 1e9;

		if (end == s + 1 || v < 0)
			return -EINVAL;
		if (!strcmp(end, "ns"))
			mul = 1;
		else if (!strcmp(end, "us"))
			mul = 1e3;
		else if (!strcmp(end, "ms"))
			mul = 1e6;
		else if (!strcmp(end, "s") || !*end)
			mul = 1e9;
		else if (!strcmp(end, "m"))
			mul = 60e9;
		else if (!strcmp(end, "h"))
			mul = 3600e9;
		else
			return -EINVAL;
		if (v * mul > 9e18)
			return -EINVAL;
		*rel = (int64_t)(v * mul + 0.5);
		*is_rel = true;
		return 0;
	}
	if (strlen(s) > 10 && (s[10] == 'T' || s[10] == ' ')) {
		struct tm tm = { 0 };
		uint64_t frac = 0, scale = 100000000;
		const char *p = strptime(s, s[10] == 'T' ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S",
					 &tm);
		time_t t;

		if (!p)
			return -EINVAL;
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++) {
				frac += (uint64_t)(*p - '0') * scale;
				scale /= 10;
			}
		}
		if (*p == 'Z')
			p++;
		if (*p)
			return -EINVAL;
		t = timegm(&tm);
		if (t < 0)
			return -EINVAL;
		*abs = (uint64_t)t * 1000000000u + frac;
		return 0;
	}
	errno = 0;
	*abs = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* SPANCAP_ANALYZE_MEMORY: bytes, or with a K, M or G suffix (powers of 1024); 0 turns the
 * spill off. The default keeps traces and spans at a few tens of MiB. */
#define MEMORY_BUDGET_DEFAULT (8u << 20)
static int memory_budget(size_t *out)
{
	const char *s = getenv("SPANCAP_ANALYZE_MEMORY");
	unsigned long long v;
	char *end;

	*out = MEMORY_BUDGET_DEFAULT;
	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	for (const char *u = "KMG"; *end && *u; u++) {
		if (v > SIZE_MAX / 1024)
			return -EINVAL;
		v *= 1024;
		if ((*end | 0x20) == (*u | 0x20)) {
			end++;
			break;
		}
	}
	if (*end)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int parse_syscalls(const char *list, struct ana_filter *f)
{
	char err[512];

	if (scf_syscall_select(list, f->syscalls, err, sizeof(err)))
		return fail_usage("--syscall: %s", err);
	f->has_syscalls = true;
	return 0;
}

static void show_progress(uint64_t done, uint64_t total, void *arg)
{
	(void)arg;
	if (total)
		fprintf(stderr, "\r" PROG ": replaying %3u%%",
			(unsigned int)(done * 100 / total > 100 ? 100 : done * 100 / total));
}

enum cmd { CMD_INFO, CMD_TRACES, CMD_TRACE, CMD_SPANS, CMD_SYSCALLS, CMD_PROCESSES, CMD_FILES,
	   CMD_NET, CMD_TIMELINE, CMD_EXPORT, CMD_FILTER, CMD_INDEX, CMD_MAX };
static const char *const cmd_names[CMD_MAX] = { "info", "traces", "trace", "spans", "syscalls",
						"processes", "files", "net", "timeline", "export",
						"filter", "index" };

enum { OPT_JSON = 256, OPT_SINCE, OPT_UNTIL, OPT_PID, OPT_TID, OPT_TRACE, OPT_SPAN,
       OPT_SYSCALL, OPT_ERRORS, OPT_SORT, OPT_BY, OPT_TIMELINE, OPT_NOCOLOR, OPT_FORMAT,
       OPT_GRANULARITY, OPT_ORPHANS, OPT_MAX_SPANS, OPT_REDACT, OPT_REDACT_KEY, OPT_REDACT_IDS,
       OPT_COMPRESS, OPT_NO_COMPRESS, OPT_REORDER_WINDOW, OPT_HOST, OPT_BOOT, OPT_NO_INDEX };

/* Default reader threads: the online CPUs, at most this many (each holds a decoded frame). */
#define THREADS_DEFAULT_MAX 8

/*
 * Options that only some commands read: given to another command they are refused (exit 2),
 * never ignored. Selection options (--since ... --errors-only) apply to every command but
 * info, which describes the whole capture.
 */
enum {
	GIVEN_JSON = 1 << 0,
	GIVEN_SORT = 1 << 1,
	GIVEN_BY = 1 << 2,
	GIVEN_TIMELINE = 1 << 3,
	GIVEN_SELECT = 1 << 4,
	GIVEN_REORDER = 1 << 5,
	GIVEN_NO_INDEX = 1 << 6,
};

static const struct {
	unsigned int bit;
	const char *name;
	unsigned int cmds; /* 1 << enum cmd of the commands that read it */
} cmd_only_opts[] = {
	{ GIVEN_JSON, "--json",
	  ~((1u << CMD_EXPORT) | (1u << CMD_FILTER) | (1u << CMD_INDEX)) & ((1u << CMD_MAX) - 1) },
	{ GIVEN_NO_INDEX, "--no-index",
	  ((1u << CMD_MAX) - 1) & ~((1u << CMD_INFO) | (1u << CMD_INDEX)) },
	{ GIVEN_SORT, "--sort", 1u << CMD_TRACES },
	{ GIVEN_BY, "--by", 1u << CMD_SYSCALLS },
	{ GIVEN_TIMELINE, "--timeline", 1u << CMD_TRACE },
	{ GIVEN_REORDER, "--reorder-window", (1u << CMD_TIMELINE) | (1u << CMD_TRACE) },
	{ GIVEN_SELECT, "a selection option (--since, --until, --pid, --tid, --trace, --span, "
			"--syscall, --errors-only)",
	  ((1u << CMD_MAX) - 1) & ~((1u << CMD_INFO) | (1u << CMD_INDEX)) },
};

/* Returns the first option of given that cmd does not read, or NULL. */
static const char *unread_option(unsigned int given, enum cmd cmd)
{
	for (size_t i = 0; i < sizeof(cmd_only_opts) / sizeof(cmd_only_opts[0]); i++)
		if ((given & cmd_only_opts[i].bit) && !(cmd_only_opts[i].cmds & (1u << cmd)))
			return cmd_only_opts[i].name;
	return NULL;
}

/* --since after --until selects nothing: a usage error once both are known as times. */
static bool since_after_until(const struct ana_filter *f)
{
	if (f->since_rel && f->until_rel && f->since_tod == f->until_tod)
		return f->since_rel_ns > f->until_rel_ns;
	if (f->since_rel || f->until_rel) /* known once the capture start is: see main() */
		return false;
	return f->since_ns && f->until_ns && f->since_ns > f->until_ns;
}

/* A --trace that no trace of the input matches: the same answer as `trace ID` gives. */
static bool trace_absent(const struct ana_ctx *c)
{
	if (!c->o.f.trace_nibbles)
		return false;
	if (c->spilled_traces) /* every trace made matches the filter */
		return false;
	for (uint32_t i = 0; i < c->traces.n; i++)
		if (ana_filter_trace_match(&c->o.f, ((struct ana_trace *)c->traces.v[i])->id))
			return false;
	return true;
}

/* A first argument that names a file rather than a command: point at the right command line. */
static int not_a_command(const char *arg)
{
	if (access(arg, F_OK) == 0 || strchr(arg, '/') || strstr(arg, ".pcapng") ||
	    strstr(arg, ".zst"))
		return fail_usage("unknown command '%s': the command comes first, as in "
				  PROG " info %s",
				  arg, arg);
	return fail_usage("unknown command '%s'", arg);
}

static void filter_warn(const char *msg)
{
	fprintf(stderr, PROG ": warning: %s\n", msg);
}

/* Why an input's frame index is not used (once per input), on stderr. */
static void index_note(const char *msg)
{
	fprintf(stderr, PROG ": %s\n", msg);
}

/* `index FILE...`: a sidecar index for each compressed file that has no index frames. */
static int run_index(char *const *files, int nfiles)
{
	char msg[SCF_ERRMSG_MAX];
	int bad = 0;

	for (int i = 0; i < nfiles; i++) {
		int ret = scf_fidx__build_sidecar(files[i], msg, sizeof(msg));

		if (ret < 0) {
			fprintf(stderr, PROG ": index: %s\n", msg);
			bad = 1;
		} else {
			printf("%s\n", msg);
		}
	}
	return bad ? EXIT_FAILURE : 0;
}

static int parse_filter_opt(int opt, const char *arg, struct ana_filter_cmd *fc)
{
	char bad[64];

	switch (opt) {
	case OPT_REDACT:
		if (!arg) {
			fc->redact |= ANA_REDACT_DEFAULT;
			break;
		}
		if (!*arg)
			return fail_usage("%s", "--redact= needs classes (or use --redact alone)");
		if (ana_redact_parse(arg, &fc->redact, bad, sizeof(bad)))
			return fail_usage("unknown redaction class '%s'", bad);
		break;
	case OPT_REDACT_KEY:
		fc->redact_key = arg;
		break;
	case OPT_REDACT_IDS:
		fc->redact |= ANA_REDACT_IDS;
		break;
	case OPT_COMPRESS:
		fc->compress = 1;
		break;
	case OPT_NO_COMPRESS:
		fc->compress = 0;
		break;
	}
	return 0;
}

static int run_filter(const struct ana_filter *f, char *const *files, int nfiles,
		      struct ana_filter_cmd *fc)
{
	struct ana_filter_stats st;
	char err[SCF_ERRMSG_MAX], cls[128];
	int ret;

	if (!fc->out)
		return fail_usage("%s", "filter needs -o OUT (- for standard output)");
	if (fc->redact_key && !fc->redact)
		fc->redact = ANA_REDACT_DEFAULT;
	ret = ana_cmd_filter(f, files, nfiles, fc, &st, err, sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": filter: %s\n", err);
		return EXIT_FAILURE;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr,
			PROG ": wrote %s: %llu records, %llu syscalls, %llu sections, %llu descriptor records added%s%s\n",
			fc->out, (unsigned long long)st.records, (unsigned long long)st.syscalls,
			(unsigned long long)st.sections, (unsigned long long)st.synthesized_fds,
			fc->redact ? ", redacted: " : "",
			fc->redact ? ana_redact_names(fc->redact, cls, sizeof(cls)) : "");
	return 0;
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "tid", required_argument, NULL, OPT_TID },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "span", required_argument, NULL, OPT_SPAN },
	{ "syscall", required_argument, NULL, OPT_SYSCALL },
	{ "errors-only", no_argument, NULL, OPT_ERRORS },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "by", required_argument, NULL, OPT_BY },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "no-index", no_argument, NULL, OPT_NO_INDEX },
	{ "reorder-window", required_argument, NULL, OPT_REORDER_WINDOW },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "boot", required_argument, NULL, OPT_BOOT },
	{ "no-color", no_argument, NULL, OPT_NOCOLOR },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "granularity", required_argument, NULL, OPT_GRANULARITY },
	{ "orphans", no_argument, NULL, OPT_ORPHANS },
	{ "max-spans", required_argument, NULL, OPT_MAX_SPANS },
	{ "redact", optional_argument, NULL, OPT_REDACT },
	{ "redact-key", required_argument, NULL, OPT_REDACT_KEY },
	{ "redact-ids", no_argument, NULL, OPT_REDACT_IDS },
	{ "compress", no_argument, NULL, OPT_COMPRESS },
	{ "no-compress", no_argument, NULL, OPT_NO_COMPRESS },
	{ "threads", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The analysis at the end of a run, its output written: freeing it object by object (a
 * quarter of a million traces and spans: a tenth of a second, on one thread) only delays the
 * exit, which gives the memory back at once. Sanitizer builds free it, so that their leak
 * checks still see what the analysis loses.
 */
static void ctx_release(struct ana_ctx *c)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	ana_ctx__free(c);
#else
	(void)c;
#endif
}

int main(int argc, char **argv)
{
	struct ana_opts o = { 0 };
	struct ana_report r = { .out = stdout };
	struct ana_tl_vec tl = { 0 };
	struct ana_tl_stream ts = { .out = stdout };
	struct ana_tl_order tlo;
	uint32_t window_ms = ANA_TL_WINDOW_NS_DEFAULT / 1000000u;
	struct ana_json tj;
	struct ana_export ex = { 0 };
	struct ana_ctx *c = NULL;
	enum cmd cmd = CMD_MAX;
	struct ana_filter_cmd fc = { .compress = -1, .warn = filter_warn, .note = index_note };
	bool filter_opts = false;
	unsigned int given = 0;
	const char *trace_arg = NULL, *trace_opt = NULL, *opt_name;
	int opt, ret, nfiles, first_file;
	char err[SCF_ERRMSG_MAX];

	ana_outfile_catch_signals(); /* an interrupted -o never leaves a partial file */
	while ((opt = getopt_long(argc, argv, "hVo:j:", long_opts, NULL)) != -1) {
		if (opt >= OPT_SINCE && opt <= OPT_ERRORS)
			given |= GIVEN_SELECT;
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " VERSION " (spancap format %d.%d)\n", SCF_FORMAT_MAJOR,
			       SCF_FORMAT_MINOR);
			return 0;
		case OPT_JSON:
			r.json = true;
			given |= GIVEN_JSON;
			break;
		case OPT_SINCE:
			if (parse_time(optarg, &o.f.since_ns, &o.f.since_rel_ns, &o.f.since_rel,
				       &o.f.since_tod))
				return fail_usage("bad --since time '%s'", optarg);
			break;
		case OPT_UNTIL:
			if (parse_time(optarg, &o.f.until_ns, &o.f.until_rel_ns, &o.f.until_rel,
				       &o.f.until_tod))
				return fail_usage("bad --until time '%s'", optarg);
			break;
		case OPT_PID:
			if (parse_u32(optarg, &o.f.pid))
				return fail_usage("bad --pid '%s'", optarg);
			o.f.has_pid = true;
			break;
		case OPT_TID:
			if (parse_u32(optarg, &o.f.tid))
				return fail_usage("bad --tid '%s'", optarg);
			o.f.has_tid = true;
			break;
		case OPT_TRACE:
			if (parse_hex_id(optarg, o.f.trace_id, 16, &o.f.trace_nibbles))
				return fail_usage("bad --trace id '%s': 1 to 32 hex digits", optarg);
			trace_opt = optarg;
			break;
		case OPT_SPAN:
			if (parse_hex_id(optarg, o.f.span_id, 8, &o.f.span_nibbles))
				return fail_usage("bad --span id '%s': 1 to 16 hex digits", optarg);
			break;
		case OPT_SYSCALL:
			ret = parse_syscalls(optarg, &o.f);
			if (ret)
				return ret;
			break;
		case OPT_ERRORS:
			o.f.errors_only = true;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "syscalls"))
				r.sort = ANA_SORT_SYSCALLS;
			else if (!strcmp(optarg, "time"))
				r.sort = ANA_SORT_TIME;
			else if (!strcmp(optarg, "bytes"))
				r.sort = ANA_SORT_BYTES;
			else if (!strcmp(optarg, "errors"))
				r.sort = ANA_SORT_ERRORS;
			else if (!strcmp(optarg, "start"))
				r.sort = ANA_SORT_START;
			else
				return fail_usage("bad --sort '%s': syscalls, time, bytes, errors or start",
						  optarg);
			given |= GIVEN_SORT;
			break;
		case OPT_BY:
			if (!strcmp(optarg, "syscall"))
				o.by = ANA_BY_SYSCALL;
			else if (!strcmp(optarg, "span"))
				o.by = ANA_BY_SPAN;
			else if (!strcmp(optarg, "process"))
				o.by = ANA_BY_PROCESS;
			else
				return fail_usage("bad --by '%s': syscall, span or process", optarg);
			given |= GIVEN_BY;
			break;
		case OPT_TIMELINE:
			r.timeline = true;
			given |= GIVEN_TIMELINE;
			break;
		case OPT_NO_INDEX:
			given |= GIVEN_NO_INDEX;
			break;
		case OPT_REORDER_WINDOW:
			if (parse_u32(optarg, &window_ms) || window_ms > 3600000u)
				return fail_usage("bad --reorder-window '%s': milliseconds, 0 to 3600000",
						  optarg);
			given |= GIVEN_REORDER;
			break;
		case OPT_HOST: /* every command: which inputs' sections are read at all */
			if (!*optarg)
				return fail_usage("%s", "bad --host '': a host name");
			o.f.host = optarg;
			break;
		case OPT_BOOT:
			if (parse_hex_id(optarg, o.f.boot_id, 16, &o.f.boot_nibbles))
				return fail_usage("bad --boot id '%s': 1 to 32 hex digits", optarg);
			break;
		case OPT_NOCOLOR:
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "otlp-json"))
				ex.format = ANA_EXPORT_OTLP_JSON;
			else if (!strcmp(optarg, "otlp-jsonl"))
				ex.format = ANA_EXPORT_OTLP_JSONL;
			else if (!strcmp(optarg, "chrome"))
				ex.format = ANA_EXPORT_CHROME;
			else if (!strcmp(optarg, "csv"))
				ex.format = ANA_EXPORT_CSV;
			else if (!strcmp(optarg, "jsonl"))
				ex.format = ANA_EXPORT_JSONL;
			else
				return fail_usage("bad --format '%s': otlp-json, otlp-jsonl, chrome, csv "
						  "or jsonl", optarg);
			break;
		case 'j':
			if (parse_u32(optarg, &o.threads) || !o.threads || o.threads > 256)
				return fail_usage("bad --threads '%s': 1 to 256", optarg);
			break;
		case 'o': /* export and filter */
			ex.path = optarg;
			fc.out = optarg;
			break;
		case OPT_GRANULARITY:
			if (!strcmp(optarg, "syscall"))
				ex.gran = ANA_GRAN_SYSCALL;
			else if (!strcmp(optarg, "span"))
				ex.gran = ANA_GRAN_SPAN;
			else
				return fail_usage("bad --granularity '%s': syscall or span", optarg);
			break;
		case OPT_ORPHANS:
			ex.orphans = true;
			break;
		case OPT_MAX_SPANS:
			if (parse_u32(optarg, &ex.max_spans) || !ex.max_spans)
				return fail_usage("bad --max-spans '%s': a positive count", optarg);
			break;
		case OPT_REDACT:
		case OPT_REDACT_KEY:
		case OPT_REDACT_IDS:
		case OPT_COMPRESS:
		case OPT_NO_COMPRESS:
			ret = parse_filter_opt(opt, optarg, &fc);
			if (ret)
				return ret;
			filter_opts = true;
			break;
		default:
			fprintf(stderr, PROG ": see " PROG " --help\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return fail_usage("%s", "no command given");
	for (int i = 0; i < CMD_MAX; i++)
		if (!strcmp(argv[optind], cmd_names[i]))
			cmd = (enum cmd)i;
	if (cmd == CMD_MAX)
		return not_a_command(argv[optind]);
	opt_name = unread_option(given, cmd);
	if (opt_name)
		return fail_usage("%s is not an option of %s", opt_name, cmd_names[cmd]);
	if (since_after_until(&o.f))
		return fail_usage("%s", "--since is after --until: no syscall can match");
	first_file = optind + 1;
	if (cmd == CMD_TRACE && (given & GIVEN_REORDER) && !r.timeline)
		return fail_usage("%s", "--reorder-window orders a timeline: trace reads it only "
				  "with --timeline");
	if (cmd == CMD_TRACE) {
		if (first_file >= argc)
			return fail_usage("%s", "trace needs a trace id");
		trace_arg = argv[first_file++];
		if (parse_hex_id(trace_arg, o.f.trace_id, 16, &o.f.trace_nibbles))
			return fail_usage("bad trace id '%s': 1 to 32 hex digits", trace_arg);
		o.want |= ANA_WANT_DETAIL;
		if (r.timeline) {
			o.on_event = ana_tl_collect_event;
			o.event_arg = &tl;
			ana_tl_order_init(&tlo, ana_tl_collect_emit, &tl);
			tl.order = &tlo;
		}
	}
	nfiles = argc - first_file;
	if (nfiles <= 0)
		return fail_usage("%s", "no input file given");
	if (filter_opts && cmd != CMD_FILTER)
		return fail_usage("%s", "--redact* and --[no-]compress belong to filter");
	if (cmd == CMD_FILTER && (ex.format || ex.gran || ex.orphans || ex.max_spans))
		return fail_usage("%s are for export",
				  "--format, --granularity, --orphans and --max-spans");
	if (!o.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o.threads = n < 1 ? 1 : n > THREADS_DEFAULT_MAX ? THREADS_DEFAULT_MAX : (uint32_t)n;
	}
	fc.threads = o.threads;
	if (cmd == CMD_INDEX)
		return run_index(argv + first_file, nfiles);
	fc.no_index = given & GIVEN_NO_INDEX;
	if (cmd == CMD_FILTER)
		return run_filter(&o.f, argv + first_file, nfiles, &fc);
	if (cmd == CMD_TRACE && !(given & GIVEN_NO_INDEX)) {
		o.use_index = true;
		o.index_fds = true;
		o.note = index_note;
	}
	/* --since and --until skip frames by the index in every report (but info, which
	 * describes every record); a file without one is read whole, silently */
	if ((o.f.since_rel || o.f.since_ns || o.f.until_rel || o.f.until_ns) && cmd != CMD_INFO &&
	    !(given & GIVEN_NO_INDEX))
		o.use_index = true;
	/* what a report shows of the time after --until (frame_select.c): the process table
	 * (threads, argv, exit) and spans (killed, incomplete) change then; syscalls prints
	 * process names, which PROCESS and THREAD records change */
	if (cmd == CMD_FILES || cmd == CMD_NET || cmd == CMD_TIMELINE ||
	    (cmd == CMD_EXPORT && (ex.format == ANA_EXPORT_CSV || ex.format == ANA_EXPORT_JSONL)))
		o.index_until = ANA_UNTIL_SKIP_PROCESSES;
	else if (cmd == CMD_SYSCALLS)
		o.index_until = ANA_UNTIL_SKIP_SYSCALLS;
	/* traces and spans past the budget go to a temporary file (docs/SPILL.md) */
	if ((cmd == CMD_TRACES || cmd == CMD_SPANS || cmd == CMD_TIMELINE ||
	     (cmd == CMD_SYSCALLS && o.by == ANA_BY_SPAN) ||
	     (cmd == CMD_EXPORT && (ex.format == ANA_EXPORT_OTLP_JSON ||
				    ex.format == ANA_EXPORT_OTLP_JSONL ||
				    ex.format == ANA_EXPORT_CHROME))) &&
	    memory_budget(&o.memory_budget))
		return fail_usage("bad SPANCAP_ANALYZE_MEMORY '%s': bytes, or with K, M or G",
				  getenv("SPANCAP_ANALYZE_MEMORY"));
	o.spill_discard = cmd == CMD_TIMELINE; /* its lines carry the ids they need */
	if (cmd == CMD_SYSCALLS)
		o.want |= ANA_WANT_SCSTATS;
	if (cmd == CMD_FILES || cmd == CMD_NET)
		o.want |= ANA_WANT_IO;
	/* their rows show no trace or span: none is kept (memory that grows with the traces),
	 * but for --trace and --span, which say when no trace matches */
	if ((cmd == CMD_INFO || cmd == CMD_FILES || cmd == CMD_NET || cmd == CMD_PROCESSES ||
	     (cmd == CMD_SYSCALLS && o.by != ANA_BY_SPAN) ||
	     (cmd == CMD_EXPORT &&
	      (ex.format == ANA_EXPORT_CSV || ex.format == ANA_EXPORT_JSONL))) &&
	    !o.f.trace_nibbles && !o.f.span_nibbles)
		o.want |= ANA_WANT_NO_TRACES;
	if (cmd == CMD_TIMELINE) {
		o.on_event = ana_tl_stream_event;
		o.event_arg = &ts;
		ana_tl_order_init(&tlo, ana_tl_stream_emit, &ts);
		ts.order = &tlo;
		ts.show_host = nfiles > 1;
		if (r.json) {
			ana_json_init(&tj, stdout);
			ts.j = &tj;
		}
	}
	if ((ex.format || ex.path || ex.gran || ex.orphans || ex.max_spans) && cmd != CMD_EXPORT)
		return fail_usage("%s are for export (-o for filter too)",
				  "--format, -o, --granularity, --orphans and --max-spans");
	if (isatty(STDERR_FILENO)) {
		o.progress = show_progress;
	}
	if (cmd == CMD_EXPORT) {
		ret = ana_export_begin(&ex, &o);
		if (ret == -EINVAL)
			return fail_usage("%s", ex.err);
		if (ret) {
			fprintf(stderr, PROG ": %s\n", ex.err);
			return EXIT_FAILURE;
		}
	}

	c = ana_ctx__new(&o);
	if (!c) {
		fprintf(stderr, PROG ": out of memory\n");
		ana_export_abort(&ex);
		return EXIT_FAILURE;
	}
	for (int i = first_file; i < argc; i++) {
		int same = ana_input_repeated(argv + first_file, i - first_file);

		if (same >= 0) {
			fprintf(stderr, PROG ": warning: %s is the same file as %s: read once\n",
				argv[i], argv[first_file + same]);
			continue;
		}
		ret = ana_ctx__add_file(c, argv[i], err, sizeof(err));
		if (ret == -ENODATA) { /* cut before its first record: the others may still do */
			fprintf(stderr, PROG ": warning: %s; skipped\n", err);
		} else if (ret) {
			fprintf(stderr, PROG ": cannot read %s\n", err);
			ana_export_abort(&ex);
			ana_ctx__free(c);
			return EXIT_FAILURE;
		}
	}
	if (!c->ninputs) {
		fprintf(stderr, PROG ": no input could be read\n");
		ana_export_abort(&ex);
		ana_ctx__free(c);
		return EXIT_FAILURE;
	}
	if (cmd == CMD_TIMELINE && r.json) {
		ana_json_obj(&tj, NULL);
		ana_json_str(&tj, "command", "timeline");
		ana_json_arr(&tj, "inputs");
		for (int i = first_file; i < argc; i++)
			ana_json_str(&tj, NULL, argv[i]);
		ana_json_end(&tj, false);
		ana_json_arr(&tj, "events");
	}
	tlo.window_ns = (uint64_t)window_ms * 1000000u;
	ret = ana_ctx__run(c);
	if (ts.order || tl.order) { /* the lines still waiting in the reorder buffer */
		ts.c = c;
		ana_tl_order_flush(&tlo);
		ana_tl_order_free(&tlo);
		if (tl.nomem)
			ret = -ENOMEM;
	}
	if (o.progress)
		fprintf(stderr, "\r\033[K");
	/* a relative --since or --until against an absolute one: resolved by the replay */
	if (!ret && c->o.f.since_ns && c->o.f.until_ns && c->o.f.since_ns > c->o.f.until_ns) {
		ana_export_abort(&ex);
		ana_ctx__free(c);
		ana_tl_vec_free(&tl);
		return fail_usage("%s", "--since is after --until: no syscall can match");
	}
	for (uint32_t i = 0; i < c->warnings.n; i++)
		fprintf(stderr, PROG ": warning: %s\n", (char *)c->warnings.v[i]);
	if (ret == -EIO) {
		fprintf(stderr, PROG ": %s\n", c->spill_err);
		ana_export_abort(&ex);
		ana_ctx__free(c);
		ana_tl_vec_free(&tl);
		return EXIT_FAILURE;
	}
	if (ret) {
		fprintf(stderr, PROG ": out of memory after %llu records\n",
			(unsigned long long)c->records);
		ana_export_abort(&ex);
		ana_ctx__free(c);
		ana_tl_vec_free(&tl);
		return EXIT_FAILURE;
	}
	r.c = c;
	r.tl = &tl;
	r.trace_arg = trace_arg;
	ana_report_clock_day(c);
	if (cmd != CMD_TRACE && trace_absent(c)) {
		fprintf(stderr, PROG ": no trace %s in the input%s\n", trace_opt,
			ana_filter_syscall_only(&c->o.f) ? " (within the filters given)" : "");
		ana_export_abort(&ex);
		ana_ctx__free(c);
		ana_tl_vec_free(&tl);
		return EXIT_FAILURE;
	}
	switch (cmd) {
	case CMD_INFO:
		ret = ana_report_info(&r);
		break;
	case CMD_TRACES:
		ret = ana_report_traces(&r);
		break;
	case CMD_TRACE:
		ret = ana_report_trace(&r);
		break;
	case CMD_SPANS:
		ret = ana_report_spans(&r);
		break;
	case CMD_SYSCALLS:
		ret = ana_report_syscalls(&r);
		break;
	case CMD_PROCESSES:
		ret = ana_report_processes(&r);
		break;
	case CMD_FILES:
		ret = ana_report_files(&r);
		break;
	case CMD_NET:
		ret = ana_report_net(&r);
		break;
	case CMD_EXPORT:
		ret = ana_export_finish(&ex, c);
		if (ret)
			snprintf(r.err, sizeof(r.err), "%s", ex.err);
		break;
	case CMD_TIMELINE:
		ret = 0;
		if (r.json) {
			ana_json_end(&tj, false);
			ana_json_arr(&tj, "warnings");
			for (uint32_t i = 0; i < c->warnings.n; i++)
				ana_json_str(&tj, NULL, c->warnings.v[i]);
			ana_json_end(&tj, false);
			ana_json_end(&tj, true);
			ana_json_finish(&tj);
		}
		break;
	default:
		ret = 0;
	}
	if (ret)
		fprintf(stderr, PROG ": %s\n", r.err);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": writing the output failed: %s\n", strerror(errno));
		ret = 1;
	}
	ana_tl_vec_free(&tl);
	ctx_release(c);
	return ret ? EXIT_FAILURE : 0;
}
