#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Integration suite for samples/ (TAP). Usage: it_samples.sh BUILD_DIR
#
# For every build variant of the demo service (one per TLS model of
# docs/TLS_RESOLUTION.md section 7):
#   - the module that defines otel_thread_ctx_v1 exports it in .dynsym as a defined TLS object
#     of size 8, and the relocation that names it is the one the model implies;
#   - in --hold mode (a known context on each worker), /proc/PID/maps shows the OTEL_CTX
#     mapping, spancap-proc-ctx-dump decodes the published resource and key map, and
#     spancap-tls-checker (ptrace + fs_base, no ELF logic) finds on every thread exactly the
#     record the truth log says;
#   - a run-mode execution exits 0 and writes a consistent truth log.
# Then the hostile writer's broken records are read without harm.
set -u
BUILD=${1:-build}
S=$BUILD/samples
CHECKER=$S/spancap-tls-checker
PROBE=$BUILD/tests/resolver_probe
DUMP=$S/spancap-proc-ctx-dump

. "$(dirname "$0")/suite_lib.sh"
TAP_DETAIL_LINES=0
suite_tmpdir "${TMPDIR:-/tmp}/it_samples.XXXXXX"
started=()
suite_cleanup() {
	local p
	exec 7>&- 2>/dev/null
	for p in "${started[@]}"; do
		kill "$p" 2>/dev/null
	done
}

# name | executable | module defining the symbol | relocation naming it | env | extra args
VARIANTS=$(grep -v '^#' "$(dirname "$0")/sample_variants.list")

# Waits (at most 10 s) for a {"type":"ready"} line in $1.
wait_ready() {
	local i
	for i in $(seq 100); do
		grep -q '"type":"ready"' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

check_symbol() { # variant module kind
	local v=$1 mod=$2 kind=$3 dyn sym
	dyn=$(readelf --dyn-syms -W "$mod" 2>/dev/null |
		awk '$8 == "otel_thread_ctx_v1" && $4 == "TLS" && $3 == 8 && $7 != "UND"')
	sym=$(readelf -s -W "$mod" 2>/dev/null |
		awk '$8 == "otel_thread_ctx_v1" && $4 == "TLS" && $3 == 8 && $7 != "UND"')
	if [ "$kind" = symtab-only ]; then
		# fully static non-PIE: no .dynsym at all; the symbol is in .symtab only
		if [ -z "$dyn" ] && [ -n "$sym" ]; then
			ok "$v: static non-PIE defines otel_thread_ctx_v1 in .symtab only (no .dynsym)"
		else
			not_ok "$v: static non-PIE defines otel_thread_ctx_v1 in .symtab only" "$dyn"
		fi
		return
	fi
	if [ -n "$dyn" ]; then
		ok "$v: $(basename "$mod") exports a defined TLS otel_thread_ctx_v1 of size 8 in .dynsym"
	else
		not_ok "$v: $(basename "$mod") exports a defined TLS otel_thread_ctx_v1 of size 8 in .dynsym" \
			"$(readelf --dyn-syms -W "$mod" 2>&1 | grep otel_thread_ctx_v1)"
	fi
}

check_reloc() { # variant module kind
	local v=$1 mod=$2 kind=$3 relocs
	relocs=$(readelf -r -W "$mod" 2>/dev/null | awk '/otel_thread_ctx_v1/ { print $3 }' | sort -u |
		tr '\n' ' ')
	case $kind in
	local-exec | symtab-only)
		# no relocation names the variable: the executable reaches it at a fixed TP offset
		if [ -z "$relocs" ] && readelf -l -W "$mod" | grep -q '^ *TLS '; then
			ok "$v: local-exec: PT_TLS present, no relocation names otel_thread_ctx_v1"
		else
			not_ok "$v: local-exec: PT_TLS present, no relocation names otel_thread_ctx_v1" \
				"relocations: $relocs"
		fi
		;;
	R_X86_64_DTPMOD64)
		if [ "$relocs" = "R_X86_64_DTPMOD64 R_X86_64_DTPOFF64 " ]; then
			ok "$v: general dynamic (legacy): DTPMOD64 + DTPOFF64 name otel_thread_ctx_v1"
		else
			not_ok "$v: general dynamic (legacy): DTPMOD64 + DTPOFF64 name otel_thread_ctx_v1" \
				"relocations: $relocs"
		fi
		;;
	*)
		if [ "$relocs" = "$kind " ]; then
			ok "$v: $kind is the only relocation naming otel_thread_ctx_v1"
		else
			not_ok "$v: $kind is the only relocation naming otel_thread_ctx_v1" \
				"relocations: $relocs"
		fi
		;;
	esac
}

# Expected checker suffix (after "record=0x..") for a hold line of the truth log.
expected_record() { # truth tid
	jq -r --argjson tid "$2" 'select(.type == "hold" and .tid == $tid) |
		if .valid == 1 then
			"valid=1 trace_id=\(.trace_id) span_id=\(.span_id) flags=0\(.trace_flags)" +
			" attrs_size=\([.attrs[] | 2 + (.[1] | utf8bytelength)] | add // 0)" +
			" attrs=\([.attrs[] | "\(.[0]):\"\(.[1])\""] | join(","))"
		else "none" end' "$1"
}

hold_test() { # variant executable env args
	local v=$1 exe=$2 envs=$3 args=$4 dir=$tmp/$1 truth pid line tid want got base msg=""
	local checker_out dump_out want_dump got_dump rc
	mkdir -p "$dir"
	truth=$dir/hold.jsonl
	mkfifo "$dir/ctl"
	# shellcheck disable=SC2086 # envs and args are word lists on purpose
	env $envs "$exe" $args --hold --threads 3 --seed 42 --hold-timeout 60 \
		--truth "$truth" --dir "$dir" <"$dir/ctl" >"$dir/out" 2>&1 &
	started+=($!)
	exec 7>"$dir/ctl"
	if ! wait_ready "$truth"; then
		not_ok "$v: --hold run announces ready" "$(cat "$dir/out")"
		exec 7>&-
		wait
		return
	fi
	pid=$(jq -r 'select(.type == "process") | .pid' "$truth")

	if grep -qE '/memfd:OTEL_CTX|\[anon_shmem:OTEL_CTX\]|\[anon:OTEL_CTX\]' "/proc/$pid/maps"; then
		ok "$v: /proc/$pid/maps shows the OTEL_CTX mapping"
	else
		not_ok "$v: /proc/$pid/maps shows the OTEL_CTX mapping"
	fi

	dump_out=$("$DUMP" "$pid" 2>&1)
	want_dump=$(jq -r 'select(.type == "process_context" and .when == "hold") |
		(.resource[] | "resource\t\(.key)\t\(.type)\t\(.value)"),
		"attribute\tthreadlocal.schema_version\tstring\t\(.schema_version)",
		(.key_map | to_entries[] | "key_map\t\(.key)\t\(.value)")' "$truth")
	got_dump=$(printf '%s\n' "$dump_out" | grep -E '^(resource|key_map|attribute	threadlocal.schema_version)')
	if [ -n "$want_dump" ] && [ "$want_dump" = "$got_dump" ] &&
		printf '%s\n' "$dump_out" | grep -q '^header	version=2 '; then
		ok "$v: the process context decodes to the published resource and key map"
	else
		not_ok "$v: the process context decodes to the published resource and key map" \
			"$(diff <(echo "$want_dump") <(echo "$got_dump"); echo "$dump_out" | head -3)"
	fi

	# shellcheck disable=SC2046 # one -t TID=OFFSET per thread
	checker_out=$("$CHECKER" -p "$pid" $(jq -r 'select(.type == "thread") |
		"-t \(.tid)=\(.tls_offset)"' "$truth") 2>&1)
	rc=$?
	for tid in $(jq -r 'select(.type == "hold") | .tid' "$truth"); do
		want=$(expected_record "$truth" "$tid")
		line=$(printf '%s\n' "$checker_out" | grep "^tid=$tid ")
		base=$(jq -r --argjson tid "$tid" 'select(.type == "thread" and .tid == $tid) |
			.fs_base' "$truth")
		if [ "$want" = none ]; then
			case $line in
			*" record=0x0") got=none ;;
			*) got=$line ;;
			esac
		else
			got=$(printf '%s\n' "$line" | sed -n 's/.* record=0x[0-9a-f]*[1-9a-f][0-9a-f]* //p')
		fi
		case $line in
		"tid=$tid fs_base=$base "*) ;;
		*) msg="$msg; tid $tid: fs_base differs from the truth log ($base)" ;;
		esac
		[ "$got" = "$want" ] || msg="$msg; tid $tid: want '$want', checker: '$line'"
	done
	if [ "$rc" -eq 0 ] && [ -z "$msg" ] && [ "$(jq -s '[.[] | select(.type == "hold")] |
		length' "$truth")" -eq 4 ]; then
		ok "$v: ptrace checker reads on each of 4 threads the record the truth log holds"
	else
		not_ok "$v: ptrace checker reads on each of 4 threads the record the truth log holds" \
			"exit $rc$msg"
	fi

	# capture/resolver/, the TLS resolver, must find the variable where every thread says it is.
	# shellcheck disable=SC2046 # one TID=FS_BASE per thread
	probe_out=$("$PROBE" "$pid" $(jq -r 'select(.type == "thread") | "\(.tid)=\(.fs_base)"' \
		"$truth") 2>&1)
	msg=""
	for tid in $(jq -r 'select(.type == "thread") | .tid' "$truth"); do
		want=$(jq -r --argjson tid "$tid" 'select(.type == "thread" and .tid == $tid) |
			.tls_addr' "$truth")
		printf '%s\n' "$probe_out" | grep -qx "tid=$tid var=$want" ||
			msg="$msg; tid $tid: the thread reported $want"
	done
	if [ -z "$msg" ] && [ "${probe_out%% *}" = resolved ]; then
		ok "$v: the capture resolver finds otel_thread_ctx_v1 where each thread reported it ($(
			head -n 1 <<<"$probe_out" | sed 's/^resolved //; s/ module=.*//'))"
	else
		not_ok "$v: the capture resolver finds otel_thread_ctx_v1 where each thread reported it" \
			"$probe_out$msg"
	fi

	exec 7>&-
	wait "${started[-1]}"
	rc=$?
	if [ "$rc" -eq 0 ] && jq -e 'select(.type == "end") | .status == "ok"' "$truth" >/dev/null; then
		ok "$v: --hold run ends cleanly at EOF on stdin"
	else
		not_ok "$v: --hold run ends cleanly at EOF on stdin" "exit $rc: $(cat "$dir/out")"
	fi
}

run_test() { # variant executable env args
	local v=$1 exe=$2 envs=$3 args=$4 truth=$tmp/$1/run.jsonl rc msg
	# shellcheck disable=SC2086
	timeout 60 env $envs "$exe" $args --threads 3 --requests 6 --seed 7 --fail-percent 50 \
		--truth "$truth" >"$tmp/$v/run.out" 2>&1
	rc=$?
	msg=$(jq -rs '
		([.[] | select(.type == "span")]) as $spans |
		([$spans[] | .span_id]) as $ids |
		([.[] | select(.type == "request")]) as $reqs |
		([.[] | select(.type == "op")]) as $ops |
		[
		  (if ($reqs | length) != 18 then "\($reqs | length) requests, want 18" else empty end),
		  (if (map(select(.type == "end" and .status == "ok")) | length) != 1
		   then "no end line with status ok" else empty end),
		  ($reqs[] | . as $r |
		   if ($r.child_span_ids | length) < 1 then "request \($r.trace_id) has no child span"
		   else ($r.child_span_ids[] | . as $c |
			($spans | map(select(.span_id == $c)) | first) as $s |
			if $s == null then "child span \($c) not logged"
			elif $s.parent_span_id != $r.root_span_id or $s.trace_id != $r.trace_id
			then "child span \($c) is not under root \($r.root_span_id)"
			else empty end) end),
		  ($ops[] | select(.span_id != "" and (.span_id as $x | $ids | index($x) | not)) |
		   "op \(.syscall) names unknown span \(.span_id)"),
		  (if ($ops | map(select(.errno_name == "ENOENT")) | length) == 0
		   then "no ENOENT failure" else empty end),
		  (if ($ops | map(select(.errno_name == "ECONNREFUSED")) | length) == 0
		   then "no ECONNREFUSED failure" else empty end),
		  (if ($ops | map(select(.span_id == "")) | length) == 0
		   then "no operation outside spans" else empty end),
		  (if ($ops | map(select(.syscall == "execve" and .ret == 0)) | length) == 0
		   then "no successful execve" else empty end),
		  (if ($ops | map(select(.syscall == "connect" and .ret == 0 and
				(.peer | startswith("127.0.0.1:")))) | length) == 0
		   then "no loopback connection" else empty end)
		] | .[:5] | join("; ")' "$truth" 2>&1)
	if [ "$rc" -eq 0 ] && [ -z "$msg" ]; then
		ok "$v: run mode (3 threads x 6 requests) exits 0 with a consistent truth log"
	else
		not_ok "$v: run mode (3 threads x 6 requests) exits 0 with a consistent truth log" \
			"exit $rc: $msg $(head -c 300 "$tmp/$v/run.out")"
	fi
}

while IFS='|' read -r v exe mod kind envs args; do
	[ -n "$v" ] || continue
	exe=$S/$exe
	mod=$S/$mod
	args=${args//LIB/$mod}
	mkdir -p "$tmp/$v"
	if [ ! -x "$exe" ] || [ ! -f "$mod" ]; then
		not_ok "$v: $exe and $mod are built"
		continue
	fi
	check_symbol "$v" "$mod" "$kind"
	check_reloc "$v" "$mod" "$kind"
	hold_test "$v" "$exe" "$envs" "$args"
	run_test "$v" "$exe" "$envs" "$args"
done <<<"$VARIANTS"

# The same seed gives the same traces, routes and span ids.
det() {
	"$S/spancap-demo-service" --threads 2 --requests 5 --seed 99 --truth "$1" >/dev/null 2>&1 &&
		jq -r 'select(.type == "request") | "\(.worker) \(.index) \(.trace_id) \(.route) \(.child_span_ids)"' \
			"$1" | sort
}
a=$(det "$tmp/det1.jsonl")
b=$(det "$tmp/det2.jsonl")
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$(echo "$a" | wc -l)" -eq 10 ]; then
	ok "demo: the same --seed reproduces the same requests, ids and routes"
else
	not_ok "demo: the same --seed reproduces the same requests, ids and routes" "$(diff <(echo "$a") <(echo "$b"))"
fi

# The hostile writer: every broken record is reported, nothing crashes.
dir=$tmp/hostile
mkdir -p "$dir"
mkfifo "$dir/ctl"
"$S/spancap-hostile-writer" --all --duration 60 --truth "$dir/truth.jsonl" <"$dir/ctl" \
	>"$dir/out" 2>&1 &
started+=($!)
exec 7>"$dir/ctl"
if wait_ready "$dir/truth.jsonl"; then
	pid=$(jq -r 'select(.type == "ready") | .pid' "$dir/truth.jsonl")
	# shellcheck disable=SC2046
	out=$("$CHECKER" -p "$pid" $(jq -r 'select(.type == "thread") |
		"-t \(.tid)=\(.tls_offset)"' "$dir/truth.jsonl") 2>&1)
	rc=$?
	hostile_case() { # case expected-regex
		local tid line
		tid=$(jq -r --arg c "$1" 'select(.type == "thread" and .case == $c) | .tid' \
			"$dir/truth.jsonl")
		line=$(printf '%s\n' "$out" | grep "^tid=$tid ")
		if [ -n "$tid" ] && [ "$rc" -eq 0 ] && printf '%s\n' "$line" | grep -qE "$2"; then
			ok "hostile: $1 record is read safely and reported"
		else
			not_ok "hostile: $1 record is read safely and reported" "exit $rc: $line"
		fi
	}
	T=4bf92f3577b34da6a3ce929d0e0e4736
	hostile_case garbage ' error=read_record:EFAULT$'
	hostile_case toggle " valid=[01] trace_id=$T span_id=00f067aa0ba902b7 flags=01 attrs_size=0 attrs=$"
	hostile_case oversize " valid=1 trace_id=$T .* attrs_size=65535 attrs=0:\"hello\",0:\"\","
	hostile_case cross-attrs " valid=1 trace_id=$T .* attrs_size=100 attrs=\\? error=read_attrs:EFAULT$"
	hostile_case cross-header ' error=read_record:EFAULT$'
	hostile_case misaligned ' record=0x[0-9a-f]*[13579bdf] valid=1 '
else
	not_ok "hostile: writer announces ready" "$(cat "$dir/out")"
fi
exec 7>&-
wait "${started[-1]}"
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "hostile: writer ends cleanly at EOF on stdin"
else
	not_ok "hostile: writer ends cleanly at EOF on stdin" "exit $rc: $(cat "$dir/out")"
fi

tap_end
