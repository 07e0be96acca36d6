// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture_check - reads a spancap file with formats/ and prints one line per record in a
 * stable key=value form that tests/integration/it_capture_core.sh greps, then checks the END
 * record against what was read:
 *
 *   SYSCALL pid= tid= nr= ret= flags= ctx=0|1 trace= span= path= path2= sa= fds= argv=
 *   CTX pid= tid= valid= trace= span= attrs=
 *   PROC kind=fork|exec|exit pid= tid= ppid= status= path=
 *   PROCESS pid= ppid= origin= status= model= tp_offset= modid= ns_pid= ns_level= pidns= name=
 *           exe= module= schema= keys= reason= start= uid= gid= exe_host= cgroup= argv=
 *   THREAD pid= tid= event= name=
 *   FD pid= fd= kind= path= sa= local=
 *   LOSS cpu= reason= count=
 *   END records= syscalls= lost= clean= stop= counters=ID:CPU:VALUE,...
 *   CHECK end-consistent ok | CHECK end-consistent FAIL: why
 *
 * Exit status: 0 when the file reads to a clean end and the END check passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spancap_file.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

static void print_str_item(const struct scf_record *rec, uint16_t tag, const char *key)
{
	const uint8_t *d;
	uint16_t l;

	if (scf_record_item(rec, tag, &d, &l))
		printf(" %s=%.*s", key, (int)l, (const char *)d);
}

static void print_sa_item(const struct scf_record *rec, uint16_t tag, const char *key)
{
	struct scf_sockaddr sa;
	const uint8_t *d;
	uint16_t l;
	char buf[256];

	if (scf_record_item(rec, tag, &d, &l) && scf_sockaddr_decode(d, l, &sa) == 0) {
		scf_sockaddr_format(&sa, buf, sizeof(buf));
		printf(" %s=%s", key, buf);
	}
}

static void print_strlist(const struct scf_record *rec, uint16_t tag, const char *key)
{
	struct scf_strlist_iter it;
	const uint8_t *d, *s;
	uint16_t l, sl;
	int first = 1;

	if (!scf_record_item(rec, tag, &d, &l))
		return;
	printf(" %s=", key);
	scf_strlist_begin(&it, d, l);
	while (scf_strlist_next(&it, &s, &sl) == 1) {
		printf("%s%.*s", first ? "" : "|", (int)sl, (const char *)s);
		first = 0;
	}
}

int main(int argc, char **argv)
{
	char err[SCF_ERRMSG_MAX];
	struct scf_reader *r;
	struct scf_record rec;
	uint64_t n_records = 0, n_syscalls = 0, n_events = 0;
	int rc, end_seen = 0, ok = 1;
	char why[256] = "";

	if (argc != 2) {
		fprintf(stderr, "usage: capture_check FILE\n");
		return 2;
	}
	r = scf_reader__open(argv[1], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "capture_check: %s\n", err);
		return 1;
	}
	while ((rc = scf_reader__next(r, &rec)) == 1) {
		char t[33], s[17];
		if (rec.type == SCF_REC_SYSCALL) {
			struct scf_syscall sc;
			const uint8_t *d;
			uint16_t l;
			scf_record_body(&rec, &sc, sizeof(sc), SCF_SYSCALL_MIN, err, sizeof(err));
			hex(sc.trace_id, 16, t);
			hex(sc.span_id, 8, s);
			printf("SYSCALL pid=%u tid=%u nr=%u ret=%" PRId64 " flags=0x%x ctx=%d trace=%s span=%s"
			       " arg0=%" PRIu64 " arg2=%" PRIu64 " dur=%" PRIu64,
			       sc.pid, sc.tid, sc.nr, sc.ret, rec.flags, !!(rec.flags & SCF_SYSCALL_F_CTX),
			       t, s, sc.args[0], sc.args[2], sc.duration_ns);
			print_str_item(&rec, SCF_ITEM_PATH, "path");
			print_str_item(&rec, SCF_ITEM_PATH2, "path2");
			print_sa_item(&rec, SCF_ITEM_SOCKADDR, "sa");
			if (scf_record_item(&rec, SCF_ITEM_FD_PAIR, &d, &l) && l == 8) {
				int32_t fds[2];
				memcpy(fds, d, 8);
				printf(" fds=%d,%d", fds[0], fds[1]);
			}
			print_strlist(&rec, SCF_ITEM_ARGV, "argv");
			n_syscalls++;
			n_events++;
		} else if (rec.type == SCF_REC_THREAD_CTX) {
			struct scf_thread_ctx c;
			const uint8_t *d;
			uint16_t l = 0;
			scf_record_body(&rec, &c, sizeof(c), SCF_THREAD_CTX_MIN, err, sizeof(err));
			hex(c.trace_id, 16, t);
			hex(c.span_id, 8, s);
			if (!scf_record_item(&rec, SCF_ITEM_ATTRS_RAW, &d, &l))
				l = 0;
			printf("CTX pid=%u tid=%u valid=%u trace=%s span=%s attrs_size=%u attrs_len=%u",
			       c.pid, c.tid, c.valid, t, s, c.attrs_size, l);
			n_events++;
		} else if (rec.type == SCF_REC_PROC_EVENT) {
			struct scf_proc_event p;
			static const char *kinds[] = {"?", "fork", "exec", "exit"};
			scf_record_body(&rec, &p, sizeof(p), SCF_PROC_EVENT_MIN, err, sizeof(err));
			printf("PROC kind=%s pid=%u tid=%u ppid=%u status=%d", kinds[p.kind <= 3 ? p.kind : 0],
			       p.pid, p.tid, p.ppid, p.exit_status);
			print_str_item(&rec, SCF_ITEM_PATH, "path");
			print_str_item(&rec, SCF_ITEM_NAME, "name");
			n_events++;
		} else if (rec.type == SCF_REC_PROCESS) {
			struct scf_process p;
			scf_record_body(&rec, &p, sizeof(p), SCF_PROCESS_MIN, err, sizeof(err));
			printf("PROCESS pid=%u ppid=%u origin=%u status=%s model=%s tp_offset=%" PRId64
			       " modid=%" PRIu64 " ns_pid=%u ns_level=%u pidns=%" PRIu64,
			       p.pid, p.ppid, p.origin, scf_ctx_status_name(p.ctx_status),
			       scf_tls_model_name(p.tls_model), p.tls_tp_offset, p.tls_module_id,
			       p.ns_pid, p.ns_level, p.pidns_inode);
			print_str_item(&rec, SCF_ITEM_NAME, "name");
			print_str_item(&rec, SCF_ITEM_EXE, "exe");
			print_str_item(&rec, SCF_ITEM_TLS_MODULE, "module");
			print_str_item(&rec, SCF_ITEM_SCHEMA_VERSION, "schema");
			print_strlist(&rec, SCF_ITEM_KEY_MAP, "keys");
			print_str_item(&rec, SCF_ITEM_REASON, "reason");
			printf(" start=%" PRIu64 " uid=%u gid=%u", p.start_ns, p.uid, p.gid);
			print_str_item(&rec, SCF_ITEM_EXE_HOST, "exe_host");
			print_str_item(&rec, SCF_ITEM_CGROUP, "cgroup");
			print_strlist(&rec, SCF_ITEM_ARGV, "argv");
		} else if (rec.type == SCF_REC_THREAD) {
			struct scf_thread th;
			scf_record_body(&rec, &th, sizeof(th), SCF_THREAD_MIN, err, sizeof(err));
			printf("THREAD pid=%u tid=%u event=%u", th.pid, th.tid, th.event);
			print_str_item(&rec, SCF_ITEM_NAME, "name");
			if (th.event == SCF_THREAD_START || th.event == SCF_THREAD_EXIT)
				n_events++;
		} else if (rec.type == SCF_REC_FD) {
			struct scf_fd f;
			scf_record_body(&rec, &f, sizeof(f), SCF_FD_MIN, err, sizeof(err));
			printf("FD pid=%u fd=%d kind=%s", f.pid, f.fd, scf_fd_kind_name(f.kind));
			print_str_item(&rec, SCF_ITEM_PATH, "path");
			print_sa_item(&rec, SCF_ITEM_SOCKADDR_LOCAL, "local");
			print_sa_item(&rec, SCF_ITEM_SOCKADDR, "sa");
		} else if (rec.type == SCF_REC_LOSS) {
			struct scf_loss l;
			scf_record_body(&rec, &l, sizeof(l), SCF_LOSS_MIN, err, sizeof(err));
			printf("LOSS cpu=%u reason=%s count=%" PRIu64 " window=%" PRIu64, l.cpu,
			       scf_loss_reason_name(l.reason), l.count, l.window_end_ns - l.window_start_ns);
		} else if (rec.type == SCF_REC_END) {
			struct scf_end e;
			const uint8_t *d;
			uint16_t l = 0;
			uint64_t drops = 0, write_drops = 0, events = 0, records_cnt = UINT64_MAX;
			int have_events = 0;
			scf_record_body(&rec, &e, sizeof(e), SCF_END_MIN, err, sizeof(err));
			printf("END records=%" PRIu64 " syscalls=%" PRIu64 " lost=%" PRIu64
			       " clean=%u stop=%s counters=",
			       e.records, e.syscalls, e.events_lost, e.clean,
			       scf_stop_reason_name(e.stop_reason));
			if (scf_record_item(&rec, SCF_ITEM_COUNTERS, &d, &l)) {
				for (size_t i = 0; i + sizeof(struct scf_counter) <= l; i += sizeof(struct scf_counter)) {
					struct scf_counter c;
					memcpy(&c, d + i, sizeof(c));
					printf("%s%s:%d:%" PRIu64, i ? "," : "", scf_counter_name(c.id),
					       c.cpu == SCF_CPU_ANY ? -1 : (int)c.cpu, c.value);
					if (c.id == SCF_CNT_RINGBUF_DROPS || c.id == SCF_CNT_MAP_FULL)
						drops += c.value;
					if (c.id == SCF_CNT_WRITE_DROPS)
						write_drops += c.value;
					if (c.id == SCF_CNT_EVENTS) {
						events = c.value;
						have_events = 1;
					}
					if (c.id == SCF_CNT_RECORDS)
						records_cnt = c.value;
				}
			}
			printf("\n");
			end_seen = 1;
			if (!l) {
				ok = 0;
				snprintf(why, sizeof(why), "END has no COUNTERS item");
			} else if (e.records != n_records) {
				ok = 0;
				snprintf(why, sizeof(why), "END says %" PRIu64 " records, %" PRIu64 " read",
					 e.records, n_records);
			} else if (records_cnt != e.records) {
				ok = 0;
				snprintf(why, sizeof(why), "records counter %" PRIu64 " != END records %" PRIu64,
					 records_cnt, e.records);
			} else if (e.syscalls != n_syscalls) {
				ok = 0;
				snprintf(why, sizeof(why), "END says %" PRIu64 " syscalls, %" PRIu64 " read",
					 e.syscalls, n_syscalls);
			} else if (e.events_lost != drops + write_drops) {
				ok = 0;
				snprintf(why, sizeof(why),
					 "events_lost %" PRIu64 " != drop counters %" PRIu64 " + %" PRIu64,
					 e.events_lost, drops, write_drops);
			} else if (!have_events || events != n_events + write_drops) {
				ok = 0;
				snprintf(why, sizeof(why),
					 "events counter %" PRIu64 " != event records read %" PRIu64
					 " + write drops %" PRIu64,
					 events, n_events, write_drops);
			}
			n_records++;
			continue;
		} else {
			printf("REC type=%u", rec.type);
		}
		printf("\n");
		n_records++;
	}
	if (rc < 0) {
		printf("CHECK read FAIL: %s\n", scf_reader__errmsg(r));
		scf_reader__free(r);
		return 1;
	}
	scf_reader__free(r);
	if (!end_seen)
		printf("CHECK end-consistent FAIL: no END record\n");
	else if (!ok)
		printf("CHECK end-consistent FAIL: %s\n", why);
	else
		printf("CHECK end-consistent ok\n");
	return end_seen && ok ? 0 : 1;
}
