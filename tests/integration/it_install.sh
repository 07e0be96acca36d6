#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# make install / make uninstall into a staging DESTDIR, with PREFIX=/usr and the default
# PREFIX: exactly the expected files with the expected modes, binaries that run from there,
# man pages that groff accepts without a warning and that document every command and option
# of --help, a dissector that tshark loads from its installed place; uninstall removes them all.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
. "$here/suite_lib.sh"
TAP_DETAIL_LINES=15
suite_tmpdir

# What install must put under a prefix (without the leading /): binaries, every man page of
# the tree in its section, the dissector.
expected() { # prefix
	local p=${1#/} m
	printf '%s\n' "$p/sbin/spancap 755" "$p/bin/spancap-analyze 755" \
		"$p/lib/wireshark/plugins/spancap.lua 644"
	for m in "$root"/man/*.[18]; do
		[ -e "$m" ] || continue
		printf '%s\n' "$p/share/man/man${m##*.}/$(basename "$m") 644"
	done
}

for prefix in /usr /usr/local; do
	d=$tmp/dest${prefix//\//_}
	mkdir -p "$d"
	if [ "$prefix" = /usr ]; then
		args=(PREFIX=/usr)
	else
		args=() # the default PREFIX
	fi
	if make -s -C "$root" BUILD="$BUILD" install DESTDIR="$d" "${args[@]}" >"$tmp/out" 2>&1; then
		ok "make install DESTDIR=... ${args[*]:-(default PREFIX)} succeeds"
	else
		not_ok "make install DESTDIR=... ${args[*]:-(default PREFIX)} succeeds" "$(cat "$tmp/out")"
		continue
	fi
	(cd "$d" && find . -type f -printf '%P %m\n' | sort) >"$tmp/got"
	expected "$prefix" | sort >"$tmp/want"
	if cmp -s "$tmp/got" "$tmp/want"; then
		ok "$prefix: installs exactly $(wc -l <"$tmp/want") files with their modes"
	else
		not_ok "$prefix: installs exactly the expected files with their modes" \
			"$(diff "$tmp/want" "$tmp/got")"
	fi
	if [ "$prefix" = /usr ]; then
		p=$d/usr
		if "$p/bin/spancap-analyze" --version | grep -q '^spancap-analyze ' &&
			"$p/sbin/spancap" --help 2>&1 | grep -q 'spancap -w FILE'; then
			ok "the installed binaries run"
		else
			not_ok "the installed binaries run"
		fi
		bad=""
		for m in "$p"/share/man/man*/*; do
			w=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
			[ -z "$w" ] || bad="$bad$(basename "$m"): $w"$'\n'
		done
		if [ -z "$bad" ] && [ -e "$p/share/man/man1/spancap-analyze.1" ]; then
			ok "installed man pages pass groff -man -ww without a warning"
		else
			not_ok "installed man pages pass groff -man -ww without a warning" "$bad"
		fi
		out=$(tshark -X "lua_script:$p/lib/wireshark/plugins/spancap.lua" \
			-r "$root/samples/captures/demo-small.pcapng.zst" -c 3 -T fields -e spancap.type_name 2>/dev/null |
			tr '\n' ' ')
		if [ "$out" = "SECTION PROCESS THREAD " ]; then
			ok "tshark loads the installed dissector"
		else
			not_ok "tshark loads the installed dissector" "got: $out"
		fi
	fi
	make -s -C "$root" BUILD="$BUILD" uninstall DESTDIR="$d" "${args[@]}" >"$tmp/out" 2>&1
	left=$(cd "$d" && find . -type f)
	if [ -z "$left" ]; then
		ok "$prefix: make uninstall removes every installed file"
	else
		not_ok "$prefix: make uninstall removes every installed file" "$left"
	fi
done

# The manual documents what --help lists: every command and every long option.
help=$("$BUILD/spancap-analyze" --help)
man=$(groff -man -Tutf8 -P-cbou -rLL=200n "$root/man/spancap-analyze.1" 2>/dev/null)
missing=""
for cmd in $(sed -n '/^COMMANDS/,/^OPTIONS/p' <<<"$help" | awk '/^    [a-z]/ { print $1 }'); do
	grep -q "^ *$cmd\b" <<<"$man" || missing="$missing command $cmd"
done
for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
	grep -q -- "$opt" <<<"$man" || missing="$missing option $opt"
done
if [ -z "$missing" ] && [ -n "$man" ]; then
	ok "man/spancap-analyze.1 documents every command and option of --help"
else
	not_ok "man/spancap-analyze.1 documents every command and option of --help" "$missing"
fi

tap_end
