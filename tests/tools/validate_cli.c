/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * validate_cli: runs one validator (sensors/validators.c) over many candidates in one
 * process, so the Python tests can compare it with python-stdnum over thousands of values.
 *
 *   validate_cli NAME [--today YYYY-MM-DD] < candidates
 *
 * Reads one candidate per line (only the trailing '\n' is removed; '\r' and NUL bytes are
 * part of the candidate) and prints, per line, "1 NORM WEAK" when the validator accepts
 * it (NORM the normalised value, WEAK 0 or 1) or "0" when it refuses it. --today pins the
 * date the date-dependent validators use (default: the current UTC date). Exit status 0,
 * 1 on an I/O error, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validators.h"

static int
usage(const char *msg, const char *arg)
{
	fprintf(stderr, "validate_cli: %s%s%s\n", msg, arg != NULL ? ": " : "",
		arg != NULL ? arg : "");
	fprintf(stderr, "usage: validate_cli NAME [--today YYYY-MM-DD] < candidates\n");
	return 2;
}

static int
parse_date(const char *s, struct validator_date *out)
{
	unsigned int y, m, d;
	char extra;

	if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &extra) != 3 || y < 1 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	out->year = (uint16_t)y;
	out->month = (uint8_t)m;
	out->day = (uint8_t)d;
	return 0;
}

int
main(int argc, char **argv)
{
	struct validator_date today, *pin = NULL;
	struct validator_result r;
	enum validator_id id;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc != 2 && argc != 4)
		return usage("expected a validator name", NULL);
	id = validator_by_name(argv[1]);
	if (id == VALIDATOR__COUNT)
		return usage("unknown validator", argv[1]);
	if (argc == 4) {
		if (strcmp(argv[2], "--today") != 0)
			return usage("unknown option", argv[2]);
		if (parse_date(argv[3], &today) != 0)
			return usage("--today: expected YYYY-MM-DD", argv[3]);
		pin = &today;
	}
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (!validator_run_at(id, (const uint8_t *)line, (size_t)n, pin, &r)) {
			fputs("0\n", stdout);
			continue;
		}
		fputs("1 ", stdout);
		fwrite(r.norm, 1, r.norm_len, stdout);
		printf(" %u\n", r.weak);
	}
	free(line);
	if (fflush(stdout) != 0 || ferror(stdin)) {
		perror("validate_cli");
		return 1;
	}
	return 0;
}
