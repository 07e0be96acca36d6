// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze_scenario_gen.c - test tool: writes the analyzer scenario (analyze_scenario.h).
 *
 *   analyze_scenario_gen FILE [VARIANT] [-u]
 *
 * VARIANT 0 (default) is the main host, 1 the second host, 2 the host whose process contexts
 * change; -u writes plain pcapng.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_scenario.h"

int main(int argc, char **argv)
{
	char err[SCF_ERRMSG_MAX];
	int variant = 0;
	bool plain = false;

	if (argc < 2) {
		fprintf(stderr, "usage: analyze_scenario_gen FILE [VARIANT] [-u]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-u"))
			plain = true;
		else
			variant = atoi(argv[i]);
	}
	if (scen_write_file(argv[1], variant, plain, err, sizeof(err))) {
		fprintf(stderr, "analyze_scenario_gen: %s\n", err);
		return 1;
	}
	return 0;
}
