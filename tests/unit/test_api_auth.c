/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the REST API's bearer tokens (control/api_auth.c): the token file format
 * (comments, blanks, CRLF, both roles, the length bounds), the exact wording of every
 * refusal and that no refusal quotes a token, the file mode check, and the check of an
 * Authorization header: each role, unknown tokens, near-misses in the last byte, in length
 * and by prefix, other schemes and malformed values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_auth.h"

#define ADMIN_TOKEN	"adm-0123456789abcdef"
#define READ_TOKEN	"rd-fedcba9876543210"

/* A token file of mode 0600 in the temp directory; path is a static buffer per test. */
struct tfile {
	char path[256];
};

static void
tfile_write_mode(struct tfile *f, const char *content, size_t len, mode_t mode)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/test_api_auth_XXXXXX",
		 dir != NULL && *dir != '\0' ? dir : "/tmp");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
tfile_write(struct tfile *f, const char *content)
{
	tfile_write_mode(f, content, strlen(content), 0600);
}

static void
tfile_remove(struct tfile *f)
{
	unlink(f->path);
}

/* Loads content and expects the refusal "PATH" + suffix. */
static void
expect_refusal(const char *content, size_t len, const char *suffix)
{
	char err[1024], want[1024];
	struct tfile f;

	tfile_write_mode(&f, content, len, 0600);
	strcpy(err, "untouched");
	assert_null(api_tokens_load(f.path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s%s", f.path, suffix);
	assert_string_equal(err, want);
	tfile_remove(&f);
}

static void
expect_refusal_s(const char *content, const char *suffix)
{
	expect_refusal(content, strlen(content), suffix);
}

static void
test_api_tokens_load_reads_roles_comments_blanks_and_crlf(void **state)
{
	struct tfile f;
	struct api_tokens *t;
	char err[256];

	(void)state;
	tfile_write(&f, "# orchestration tokens\n"
			"\n"
			"   # indented comment\n"
			"admin " ADMIN_TOKEN "\r\n"
			"\t read\t\t" READ_TOKEN "  \n"
			"admin 0123456789abcdef");	/* no final newline */
	t = api_tokens_load(f.path, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(api_tokens_count(t), 3);
	assert_int_equal(api_tokens_check(t, "Bearer " ADMIN_TOKEN), API_ROLE_ADMIN);
	assert_int_equal(api_tokens_check(t, "Bearer " READ_TOKEN), API_ROLE_READ);
	assert_int_equal(api_tokens_check(t, "Bearer 0123456789abcdef"), API_ROLE_ADMIN);
	api_tokens_free(t);
	tfile_remove(&f);
}

static void
test_api_tokens_load_accepts_16_and_256_characters(void **state)
{
	char content[600], tok256[API_TOKEN_MAX + 1], hdr[300], err[256];
	struct api_tokens *t;
	struct tfile f;

	(void)state;
	memset(tok256, '~', API_TOKEN_MAX);
	tok256[API_TOKEN_MAX] = '\0';
	snprintf(content, sizeof(content), "read !!!!!!!!!!!!!!!!\nadmin %s\n", tok256);
	tfile_write(&f, content);
	t = api_tokens_load(f.path, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(api_tokens_count(t), 2);
	assert_int_equal(api_tokens_check(t, "Bearer !!!!!!!!!!!!!!!!"), API_ROLE_READ);
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok256);
	assert_int_equal(api_tokens_check(t, hdr), API_ROLE_ADMIN);
	api_tokens_free(t);
	tfile_remove(&f);
}

static void
test_api_tokens_load_refuses_unknown_role(void **state)
{
	(void)state;
	expect_refusal_s("admin " ADMIN_TOKEN "\nwriter " READ_TOKEN "\n",
			 ":2: unknown role \"writer\": expected \"admin\" or \"read\"");
	/* Roles are lower case. */
	expect_refusal_s("Admin " ADMIN_TOKEN "\n",
			 ":1: unknown role \"Admin\": expected \"admin\" or \"read\"");
}

static void
test_api_tokens_load_never_quotes_a_token_written_without_role(void **state)
{
	char err[1024], want[1024];
	struct tfile f;

	(void)state;
	tfile_write(&f, "# forgot the role\n" ADMIN_TOKEN "\n");
	assert_null(api_tokens_load(f.path, err, sizeof(err)));
	snprintf(want, sizeof(want),
		 "%s:2: unknown role (a 20-character word, not shown as it may be a token): "
		 "expected \"admin\" or \"read\"",
		 f.path);
	assert_string_equal(err, want);
	assert_null(strstr(err, ADMIN_TOKEN));
	tfile_remove(&f);
}

static void
test_api_tokens_load_refuses_missing_token(void **state)
{
	(void)state;
	expect_refusal_s("admin\n", ":1: missing token: expected \"admin TOKEN\"");
	expect_refusal_s("read " READ_TOKEN "\nread   \t\n",
			 ":2: missing token: expected \"read TOKEN\"");
}

static void
test_api_tokens_load_refuses_short_and_long_tokens(void **state)
{
	char content[600], tok257[API_TOKEN_MAX + 2];

	(void)state;
	expect_refusal_s("admin 0123456789abcde\n",
			 ":1: token of 15 characters: expected 16 to 256 printable characters");
	memset(tok257, 'x', API_TOKEN_MAX + 1);
	tok257[API_TOKEN_MAX + 1] = '\0';
	snprintf(content, sizeof(content), "read %s\n", tok257);
	expect_refusal_s(content,
			 ":1: token of 257 characters: expected 16 to 256 printable characters");
}

static void
test_api_tokens_load_refuses_duplicate_token(void **state)
{
	(void)state;
	/* Also across roles: one token cannot have two. */
	expect_refusal_s("admin " ADMIN_TOKEN "\nread " READ_TOKEN "\n\nread " ADMIN_TOKEN "\n",
			 ":4: duplicate token: same as line 1");
}

static void
test_api_tokens_load_refuses_text_after_token(void **state)
{
	char err[512];
	struct tfile f;

	(void)state;
	expect_refusal_s("admin " ADMIN_TOKEN " # ci\n",
			 ":1: text after the token: expected \"admin TOKEN\" (comments take a "
			 "whole line)");
	/* Two tokens on a line: the second is not quoted either. */
	tfile_write(&f, "read " READ_TOKEN " " ADMIN_TOKEN "\n");
	assert_null(api_tokens_load(f.path, err, sizeof(err)));
	assert_null(strstr(err, ADMIN_TOKEN));
	assert_null(strstr(err, READ_TOKEN));
	tfile_remove(&f);
}

static void
test_api_tokens_load_refuses_non_printable_bytes(void **state)
{
	static const char nul_line[] = "admin 0123456789\0abcdef\n";

	(void)state;
	expect_refusal_s("admin 0123456789abcdef\x7f\n",
			 ":1: token has a non-printable byte 0x7f at character 17: expected "
			 "printable ASCII without blanks");
	expect_refusal_s("read caf\xc3\xa9-0123456789abcdef\n",
			 ":1: token has a non-printable byte 0xc3 at character 4: expected "
			 "printable ASCII without blanks");
	expect_refusal(nul_line, sizeof(nul_line) - 1, ":1: NUL byte in the line: expected text");
}

static void
test_api_tokens_load_refuses_file_without_tokens(void **state)
{
	(void)state;
	expect_refusal_s("", ": no tokens: expected lines \"admin TOKEN\" or \"read TOKEN\"");
	expect_refusal_s("# nothing yet\n\n",
			 ": no tokens: expected lines \"admin TOKEN\" or \"read TOKEN\"");
}

static void
test_api_tokens_load_refuses_more_than_256_tokens(void **state)
{
	size_t cap = (API_TOKENS_MAX + 1) * 32, o = 0;
	char *content = malloc(cap);
	struct api_tokens *t;
	struct tfile f;
	char err[256];
	int i;

	(void)state;
	assert_non_null(content);
	for (i = 0; i < API_TOKENS_MAX; i++)
		o += (size_t)snprintf(content + o, cap - o, "read token-%010d\n", i);
	tfile_write(&f, content);
	t = api_tokens_load(f.path, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(api_tokens_count(t), API_TOKENS_MAX);
	assert_int_equal(api_tokens_check(t, "Bearer token-0000000255"), API_ROLE_READ);
	api_tokens_free(t);
	tfile_remove(&f);

	snprintf(content + o, cap - o, "admin token-%010d\n", API_TOKENS_MAX);
	expect_refusal_s(content, ":257: more than 256 tokens");
	free(content);
}

static void
test_api_tokens_load_refuses_file_open_to_group_or_others(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0660, 0610, 0601 };
	char err[1024], want[1024];
	struct api_tokens *t;
	struct tfile f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		tfile_write_mode(&f, "admin " ADMIN_TOKEN "\n", strlen("admin " ADMIN_TOKEN "\n"),
				 refused[i]);
		assert_null(api_tokens_load(f.path, err, sizeof(err)));
		snprintf(want, sizeof(want),
			 "%s: mode %04o lets group or others access the tokens: expected no group "
			 "or other permissions (chmod 600 %s)",
			 f.path, (unsigned int)refused[i], f.path);
		assert_string_equal(err, want);
		tfile_remove(&f);
	}
	tfile_write_mode(&f, "admin " ADMIN_TOKEN "\n", strlen("admin " ADMIN_TOKEN "\n"), 0400);
	t = api_tokens_load(f.path, err, sizeof(err));
	assert_non_null(t);
	api_tokens_free(t);
	tfile_remove(&f);
}

static void
test_api_tokens_load_refuses_missing_file_and_directory(void **state)
{
	char err[512];

	(void)state;
	assert_null(api_tokens_load("/nonexistent/tollgate/tokens", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/tollgate/tokens: No such file or directory");
	assert_null(api_tokens_load("/", err, sizeof(err)));
	assert_string_equal(err, "/: not a regular file: expected a token file");
	assert_null(api_tokens_load(NULL, err, sizeof(err)));
	assert_string_equal(err, "token file: no path given");
	/* err is optional. */
	assert_null(api_tokens_load("/nonexistent/tollgate/tokens", NULL, 0));
}

/* A file with ADMIN_TOKEN (admin) and READ_TOKEN (read), for the check tests. */
static int
setup_tokens(void **state)
{
	struct tfile f;
	char err[256];

	tfile_write(&f, "admin " ADMIN_TOKEN "\nread " READ_TOKEN "\n");
	*state = api_tokens_load(f.path, err, sizeof(err));
	tfile_remove(&f);
	return *state == NULL ? -1 : 0;
}

static int
teardown_tokens(void **state)
{
	api_tokens_free(*state);
	return 0;
}

static void
test_api_tokens_check_gives_each_token_its_role(void **state)
{
	const struct api_tokens *t = *state;

	assert_int_equal(api_tokens_check(t, "Bearer " ADMIN_TOKEN), API_ROLE_ADMIN);
	assert_int_equal(api_tokens_check(t, "Bearer " READ_TOKEN), API_ROLE_READ);
}

static void
test_api_tokens_check_reads_scheme_in_any_case_and_blanks(void **state)
{
	const struct api_tokens *t = *state;

	assert_int_equal(api_tokens_check(t, "bearer " ADMIN_TOKEN), API_ROLE_ADMIN);
	assert_int_equal(api_tokens_check(t, "BEARER " READ_TOKEN), API_ROLE_READ);
	assert_int_equal(api_tokens_check(t, "BeArEr   " READ_TOKEN), API_ROLE_READ);
	assert_int_equal(api_tokens_check(t, "Bearer " READ_TOKEN " \t"), API_ROLE_READ);
}

static void
test_api_tokens_check_refuses_unknown_and_near_miss_tokens(void **state)
{
	const struct api_tokens *t = *state;
	char hdr[512];

	(void)state;
	assert_int_equal(api_tokens_check(t, "Bearer not-a-token-at-all-123"), API_ROLE_NONE);
	/* Only the last byte differs. */
	assert_int_equal(api_tokens_check(t, "Bearer adm-0123456789abcdeg"), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer rd-fedcba9876543211"), API_ROLE_NONE);
	/* Only the first byte differs. */
	assert_int_equal(api_tokens_check(t, "Bearer Adm-0123456789abcdef"), API_ROLE_NONE);
	/* A prefix, and the token with one more byte. */
	assert_int_equal(api_tokens_check(t, "Bearer adm-0123456789abcde"), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer " ADMIN_TOKEN "0"), API_ROLE_NONE);
	/* One more byte, a control one. */
	assert_int_equal(api_tokens_check(t, "Bearer " ADMIN_TOKEN "\x01"), API_ROLE_NONE);
	/* Longer than any token can be. */
	memset(hdr, 'a', sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	memcpy(hdr, "Bearer ", 7);
	assert_int_equal(api_tokens_check(t, hdr), API_ROLE_NONE);
}

static void
test_api_tokens_check_refuses_missing_and_malformed_headers(void **state)
{
	const struct api_tokens *t = *state;

	assert_int_equal(api_tokens_check(t, NULL), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(NULL, "Bearer " ADMIN_TOKEN), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, ""), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer"), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer "), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer" ADMIN_TOKEN), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer\t" ADMIN_TOKEN), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, ADMIN_TOKEN), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Basic " ADMIN_TOKEN), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Token " ADMIN_TOKEN), API_ROLE_NONE);
	assert_int_equal(api_tokens_check(t, "Bearer " ADMIN_TOKEN " " READ_TOKEN),
			 API_ROLE_NONE);
}

static void
test_api_tokens_free_count_and_role_names_take_null_and_bounds(void **state)
{
	(void)state;
	api_tokens_free(NULL);
	assert_int_equal(api_tokens_count(NULL), 0);
	assert_string_equal(api_role_name(API_ROLE_NONE), "none");
	assert_string_equal(api_role_name(API_ROLE_READ), "read");
	assert_string_equal(api_role_name(API_ROLE_ADMIN), "admin");
	assert_string_equal(api_role_name((enum api_role)7), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_tokens_load_reads_roles_comments_blanks_and_crlf),
		cmocka_unit_test(test_api_tokens_load_accepts_16_and_256_characters),
		cmocka_unit_test(test_api_tokens_load_refuses_unknown_role),
		cmocka_unit_test(test_api_tokens_load_never_quotes_a_token_written_without_role),
		cmocka_unit_test(test_api_tokens_load_refuses_missing_token),
		cmocka_unit_test(test_api_tokens_load_refuses_short_and_long_tokens),
		cmocka_unit_test(test_api_tokens_load_refuses_duplicate_token),
		cmocka_unit_test(test_api_tokens_load_refuses_text_after_token),
		cmocka_unit_test(test_api_tokens_load_refuses_non_printable_bytes),
		cmocka_unit_test(test_api_tokens_load_refuses_file_without_tokens),
		cmocka_unit_test(test_api_tokens_load_refuses_more_than_256_tokens),
		cmocka_unit_test(test_api_tokens_load_refuses_file_open_to_group_or_others),
		cmocka_unit_test(test_api_tokens_load_refuses_missing_file_and_directory),
		cmocka_unit_test_setup_teardown(test_api_tokens_check_gives_each_token_its_role,
						setup_tokens, teardown_tokens),
		cmocka_unit_test_setup_teardown(
			test_api_tokens_check_reads_scheme_in_any_case_and_blanks, setup_tokens,
			teardown_tokens),
		cmocka_unit_test_setup_teardown(
			test_api_tokens_check_refuses_unknown_and_near_miss_tokens, setup_tokens,
			teardown_tokens),
		cmocka_unit_test_setup_teardown(
			test_api_tokens_check_refuses_missing_and_malformed_headers, setup_tokens,
			teardown_tokens),
		cmocka_unit_test(test_api_tokens_free_count_and_role_names_take_null_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
