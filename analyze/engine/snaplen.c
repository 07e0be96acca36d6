// SPDX-License-Identifier: BSD-2-Clause
/*
 * snaplen.c - the capture's snaplen, from its command line, and strings cut at it.
 */
#include <string.h>

#include "spancap_file.h"
#include "snaplen.h"

/* spancap's long options that take an argument (capture/capture.c, spancap(8)). */
static const char *const long_with_arg[] = {
	"write", "pid", "count", "duration", "tick-ms", "ringbuf-size", "user", "file-size",
	"rotate-seconds", "file-count", "compress-level", "events", "snaplen",
};
#define N_LONG_WITH_ARG (sizeof(long_with_arg) / sizeof(long_with_arg[0]))
/* and its short options that do */
static const char short_with_arg[] = "wpcZCGWesr";

/* "16" as 16; 0 unless a whole decimal number 1 to 255. */
static uint32_t snap_value(const uint8_t *s, size_t n)
{
	uint32_t v = 0;

	if (!n || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 255 ? v : 0;
}

uint32_t ana_cmdline_snaplen(const uint8_t *list, size_t len)
{
	struct scf_strlist_iter it;
	const uint8_t *s;
	uint16_t n;
	uint32_t snap = 0;
	bool first = true, want_snap = false, want_other = false;

	scf_strlist_begin(&it, list, len);
	while (scf_strlist_next(&it, &s, &n) == 1) {
		if (first) { /* argv[0] */
			first = false;
			continue;
		}
		if (want_snap || want_other) {
			if (want_snap)
				snap = snap_value(s, n);
			want_snap = want_other = false;
			continue;
		}
		if (n == 2 && !memcmp(s, "--", 2))
			break;
		if (n < 2 || s[0] != '-')
			break; /* the first operand ends the options ("+" getopt) */
		if (s[1] == '-') {
			const uint8_t *name = s + 2, *eq = memchr(s, '=', n);
			size_t nl = (size_t)((eq ? eq : s + n) - name), hits = 0;
			bool snaplen = false;

			for (size_t k = 0; k < N_LONG_WITH_ARG; k++)
				if (nl && nl <= strlen(long_with_arg[k]) &&
				    !memcmp(name, long_with_arg[k], nl)) {
					hits++;
					snaplen = !strcmp(long_with_arg[k], "snaplen");
				}
			if (hits != 1) /* a flag, or an ambiguity spancap refused */
				continue;
			if (eq && snaplen)
				snap = snap_value(eq + 1, (size_t)(s + n - eq - 1));
			else if (!eq && snaplen)
				want_snap = true;
			else if (!eq)
				want_other = true;
			continue;
		}
		for (size_t i = 1; i < n; i++) {
			if (!memchr(short_with_arg, s[i], sizeof(short_with_arg) - 1))
				continue; /* a flag: the next character is another option */
			if (i + 1 < n) {
				if (s[i] == 's')
					snap = snap_value(s + i + 1, n - i - 1);
			} else if (s[i] == 's') {
				want_snap = true;
			} else {
				want_other = true;
			}
			break;
		}
	}
	return snap;
}

bool ana_str_cut(uint32_t snaplen, uint16_t flags, uint16_t tag, size_t len)
{
	size_t kept;

	if (!(flags & SCF_SYSCALL_F_TRUNCATED))
		return false;
	kept = snaplen ? snaplen : ANA_PATH_KEPT;
	if (tag == SCF_ITEM_ARGV && kept > ANA_ARGV_STR_KEPT)
		kept = ANA_ARGV_STR_KEPT;
	else if (tag != SCF_ITEM_ARGV && tag != SCF_ITEM_PATH && tag != SCF_ITEM_PATH2)
		return false;
	return len == kept;
}

bool ana_argv_block_cut(uint32_t snaplen, uint16_t flags, size_t total)
{
	return (flags & SCF_SYSCALL_F_TRUNCATED) && total == (snaplen ? snaplen : ANA_PATH_KEPT);
}
