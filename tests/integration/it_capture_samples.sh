#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap on every build variant of the demo service (every TLS model), with real BPF: for
# each, `spancap -w FILE -- VARIANT`, then check_capture_truth.py compares the capture with the
# service's own ground-truth log: every operation is recorded, every syscall made inside a
# span carries exactly its trace and span ids, none outside does, paths, peers and byte counts
# match; and check_analyze_truth.py compares spancap-analyze's per-trace reconstruction (files,
# bytes, peers, errors, children) with the same log. Also a service started after an --all
# capture began. Prints TAP.
#
# VARIANTS="gd dlopen-gd-dyn" runs only those variants of sample_variants.list (and the fork
# check when it names fork-ctx) and skips the late start (default: all of them).
set -u
BUILD=${1:-build}
here=$(dirname "$0")
S=$BUILD/samples
SPANCAP=$BUILD/spancap
CHECK=$here/check_capture_truth.py
. "$here/suite_lib.sh"
TAP_DETAIL_LINES=20
suite_tmpdir
suite_cleanup() { kill $(jobs -p) 2>/dev/null; }

# Runs a checker and folds its verdicts into one TAP line per check, named for the variant.
fold_tap() { # name command...
	local name=$1 out line
	shift
	out=$("$@" 2>&1)
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$name: ${line#ok * - }" ;;
		"not ok "*)
			not_ok "$name: ${line#not ok * - }" \
				"$(printf '%s\n' "$out" | sed -n "/^${line//\//\\/}\$/,/^\(ok\|not ok\) /p" |
					grep '^#' | sed 's/^#   //')"
			;;
		esac
	done <<<"$out"
}

# The capture against the service's truth, then spancap-analyze's reconstruction against it.
check_truth() { # name capture truth
	fold_tap "$1" python3 "$CHECK" "$2" "$3" --min-ops 50
	fold_tap "$1: analyze" python3 "$here/check_analyze_truth.py" "$BUILD/spancap-analyze" \
		"$2" "$3"
}

[ -x "$SPANCAP" ] || { echo "not ok 1 - $SPANCAP is built"; exit 1; }

while IFS='|' read -r v exe mod _kind envs args; do
	[ -n "$v" ] || continue
	case " ${VARIANTS:-$v} " in *" $v "*) ;; *) continue ;; esac
	exe=$S/$exe
	args=${args//LIB/$S/$mod}
	d=$tmp/$v
	mkdir -p "$d/files"
	# shellcheck disable=SC2086 # envs and args are word lists on purpose
	if timeout 120 "$SPANCAP" -w "$d/cap.pcapng.zst" -- env $envs "$exe" $args --threads 3 \
		--requests 6 --seed 11 --dir "$d/files" --truth "$d/truth.jsonl" \
		>"$d/out" 2>&1; then
		ok "$v: spancap -- $(basename "$exe") exits 0 ($(tail -n 1 "$d/out"))"
	else
		not_ok "$v: spancap -- $(basename "$exe") exits 0" "$(tail -n 5 "$d/out")"
		continue
	fi
	check_truth "$v" "$d/cap.pcapng.zst" "$d/truth.jsonl"
done < <(grep -v '^#' "$here/sample_variants.list")

# Fork children whose DTV pages are not mapped (MADV_DONTFORK in the parent): each child's
# first syscall must carry its parent's context, read through the slot the parent cached
# (handle_fork()), not through a DTV walk; never a wrong context.
case " ${VARIANTS:-fork-ctx} " in *" fork-ctx "*)
	d=$tmp/fork-ctx
	mkdir -p "$d"
	if timeout 60 "$SPANCAP" -w "$d/cap.pcapng.zst" -- env \
		GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0 "$S/spancap-fork-ctx" \
		"$S/libspancap-otel-gd.so" 200 >"$d/truth.json" 2>"$d/out"; then
		ok "fork-ctx: spancap -- spancap-fork-ctx exits 0 ($(tail -n 1 "$d/out"))"
		fold_tap "fork-ctx" python3 "$here/check_fork_ctx.py" "$d/cap.pcapng.zst" \
			"$d/truth.json"
	else
		not_ok "fork-ctx: spancap -- spancap-fork-ctx exits 0" "$(tail -n 5 "$d/out")"
	fi
	;;
esac

# A service that starts after the capture began, found by the --all scan of new processes.
if [ -n "${VARIANTS:-}" ]; then
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
fi
d=$tmp/late
mkdir -p "$d/files"
"$SPANCAP" -w "$d/cap.pcapng.zst" --all --duration 6 >"$d/out" 2>&1 &
cap=$!
sleep 1.5
"$S/spancap-demo-service" --threads 2 --requests 6 --seed 5 --dir "$d/files" \
	--truth "$d/truth.jsonl" >"$d/svc.out" 2>&1
wait "$cap"
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "late start: spancap --all --duration 6 exits 0 ($(tail -n 1 "$d/out"))"
	check_truth "late start" "$d/cap.pcapng.zst" "$d/truth.jsonl"
else
	not_ok "late start: spancap --all --duration 6 exits 0" "$(tail -n 5 "$d/out")"
fi

tap_end
