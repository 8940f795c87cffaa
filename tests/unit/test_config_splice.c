/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of config splicing (config/config_splice.c): replacing one key's value keeps
 * every other byte (comments, other sections, blank lines, the comments that lead the
 * next key), nested and flow values, keys that are added, refusals, and the atomic file
 * write (content, mode, and an untouched original on failure).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_splice.h"

static const char *const policy_path[] = { "policy" };
static const char *const custom_path[] = { "dlp", "custom" };

/* Splice must succeed and give exactly want. */
static void
assert_splice(const char *text, const char *const *path, unsigned int depth,
	      const char *block, const char *want)
{
	char err[256] = "", *out = NULL;
	size_t len = 0;
	int rc;

	rc = config_splice(text, strlen(text), path, depth, block, &out, &len, err, sizeof(err));
	if (rc != 0)
		fail_msg("splice failed (%d): %s", rc, err);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(out);
}

/* Splice must fail with -EINVAL and exactly msg. */
static void
assert_splice_error(const char *text, const char *const *path, unsigned int depth,
		    const char *msg)
{
	char err[256] = "", *out = (char *)1;

	assert_int_equal(config_splice(text, strlen(text), path, depth, "[]\n", &out, NULL, err,
				       sizeof(err)), -EINVAL);
	assert_null(out);
	assert_string_equal(err, msg);
}

static void
test_splice_top_level_keeps_comments_and_other_sections(void **state)
{
	(void)state;
	assert_splice(
		"# Tollgate configuration\n"
		"state_dir: /var/lib/tollgate   # persistent\n"
		"\n"
		"policy:   # written by the API\n"
		"  mode: monitor\n"
		"  rules:\n"
		"    - id: old\n"
		"      from: any\n"
		"\n"
		"# DLP settings\n"
		"dlp:\n"
		"  enabled: true\n",
		policy_path, 1,
		"mode: protect\n"
		"groups: []\n"
		"rules:\n"
		"  - id: new\n",
		"# Tollgate configuration\n"
		"state_dir: /var/lib/tollgate   # persistent\n"
		"\n"
		"policy:   # written by the API\n"
		"  mode: protect\n"
		"  groups: []\n"
		"  rules:\n"
		"    - id: new\n"
		"\n"
		"# DLP settings\n"
		"dlp:\n"
		"  enabled: true\n");
}

static void
test_splice_nested_custom_keeps_siblings_and_next_comments(void **state)
{
	(void)state;
	assert_splice(
		"dlp:\n"
		"  enabled: true\n"
		"  # Custom classes. Example:\n"
		"  #   custom:\n"
		"  #     - name: patient_id\n"
		"  custom:\n"
		"    - name: old\n"
		"      patterns: ['x']\n"
		"    # - name: commented_out_item\n"
		"  # Comment of the next key\n"
		"  sensors: []\n"
		"\n"
		"api:\n"
		"  listen: 127.0.0.1:8470\n",
		custom_path, 2,
		"- name: patient_id\n"
		"  patterns:\n"
		"    - \"PAT-[0-9]{8}\"\n",
		"dlp:\n"
		"  enabled: true\n"
		"  # Custom classes. Example:\n"
		"  #   custom:\n"
		"  #     - name: patient_id\n"
		"  custom:\n"
		"    - name: patient_id\n"
		"      patterns:\n"
		"        - \"PAT-[0-9]{8}\"\n"
		"  # Comment of the next key\n"
		"  sensors: []\n"
		"\n"
		"api:\n"
		"  listen: 127.0.0.1:8470\n");
}

static void
test_splice_last_key_of_section_keeps_next_sections_comments(void **state)
{
	(void)state;
	/* The shipped file's layout: custom is the last key of dlp. */
	assert_splice(
		"dlp:\n"
		"  custom:\n"
		"  - name: a\n"
		"    patterns: [x]\n"
		"  # about api, indented like custom\n"
		"\n"
		"# about api\n"
		"api:\n"
		"  listen: \"\"\n",
		custom_path, 2, "[]\n",
		"dlp:\n"
		"  custom: []\n"
		"  # about api, indented like custom\n"
		"\n"
		"# about api\n"
		"api:\n"
		"  listen: \"\"\n");
}

static void
test_splice_flow_values_are_replaced_whole(void **state)
{
	(void)state;
	/* A one-line flow value, its trailing comment with it. */
	assert_splice("dlp:\n  enabled: true\n  custom: []   # none yet\napi: {}\n", custom_path, 2,
		      "- name: a\n  patterns: [x]\n",
		      "dlp:\n  enabled: true\n  custom:\n    - name: a\n      patterns: [x]\n"
		      "api: {}\n");
	/* A flow mapping over several lines. */
	assert_splice("policy: {mode: protect,\n  rules: []}\nstate_dir: /x\n", policy_path, 1,
		      "mode: monitor\n", "policy:\n  mode: monitor\nstate_dir: /x\n");
	/* A flow block goes on the key's line. */
	assert_splice("policy:\n  mode: protect\n", policy_path, 1, "{}\n", "policy: {}\n");
}

static void
test_splice_null_value_and_null_parent_are_filled(void **state)
{
	(void)state;
	assert_splice("policy:\nz: 1\n", policy_path, 1, "mode: protect\n",
		      "policy:\n  mode: protect\nz: 1\n");
	assert_splice("policy: ~\n", policy_path, 1, "mode: protect\n",
		      "policy:\n  mode: protect\n");
	/* An empty dlp: section becomes the mapping that holds custom. */
	assert_splice("dlp:   # nothing yet\napi: {}\n", custom_path, 2, "[]\n",
		      "dlp:   # nothing yet\n  custom: []\napi: {}\n");
}

static void
test_splice_absent_top_level_key_is_appended_at_end(void **state)
{
	(void)state;
	assert_splice("state_dir: /x\n# end of file\n", policy_path, 1, "mode: protect\n",
		      "state_dir: /x\n# end of file\npolicy:\n  mode: protect\n");
	/* A missing final newline is added first. */
	assert_splice("state_dir: /x", policy_path, 1, "mode: protect",
		      "state_dir: /x\npolicy:\n  mode: protect\n");
	/* Parent and child both missing. */
	assert_splice("api:\n  listen: x\n", custom_path, 2, "[]\n",
		      "api:\n  listen: x\ndlp:\n  custom: []\n");
	/* Empty text and a text of comments only. */
	assert_splice("", custom_path, 2, "- name: a\n  patterns: [x]\n",
		      "dlp:\n  custom:\n    - name: a\n      patterns: [x]\n");
	assert_splice("# nothing\n", policy_path, 1, "mode: protect\n",
		      "# nothing\npolicy:\n  mode: protect\n");
}

static void
test_splice_absent_nested_key_is_appended_to_its_parent_block(void **state)
{
	(void)state;
	assert_splice("dlp:\n  enabled: true\n  # trailing\n\napi:\n  listen: x\n", custom_path, 2,
		      "- name: a\n  patterns: [x]\n",
		      "dlp:\n  enabled: true\n  custom:\n    - name: a\n      patterns: [x]\n"
		      "  # trailing\n\napi:\n  listen: x\n");
	/* Parent indented by 4: the new key follows its siblings' column. */
	assert_splice("dlp:\n    enabled: true\n", custom_path, 2, "[]\n",
		      "dlp:\n    enabled: true\n    custom: []\n");
	/* Parent is the last section and the text has no final newline. */
	assert_splice("dlp:\n  enabled: true", custom_path, 2, "[]\n",
		      "dlp:\n  enabled: true\n  custom: []\n");
}

static void
test_splice_last_key_in_file(void **state)
{
	(void)state;
	assert_splice("a: 1\npolicy:\n  mode: monitor\n  rules: []\n", policy_path, 1,
		      "mode: protect\n", "a: 1\npolicy:\n  mode: protect\n");
	/* No final newline, and trailing blank lines and a comment stay. */
	assert_splice("policy:\n  mode: monitor", policy_path, 1, "mode: protect\n",
		      "policy:\n  mode: protect\n");
	assert_splice("policy:\n  mode: monitor\n\n# the end\n", policy_path, 1,
		      "mode: protect\n", "policy:\n  mode: protect\n\n# the end\n");
}

static void
test_splice_keeps_crlf_and_unicode_bytes_elsewhere(void **state)
{
	(void)state;
	/* Columns are characters: a key after multi-byte text still lands right. */
	assert_splice("note: \"\xc3\xa9t\xc3\xa9 \xe2\x9c\x93\"\r\npolicy:\r\n  mode: monitor\r\n"
		      "z: 1\r\n",
		      policy_path, 1, "mode: protect\n",
		      "note: \"\xc3\xa9t\xc3\xa9 \xe2\x9c\x93\"\r\npolicy:\n  mode: protect\n"
		      "z: 1\r\n");
}

static void
test_splice_refuses_invalid_yaml_and_non_mappings(void **state)
{
	char err[256], *out = (char *)1;
	static const char *const bad_key[] = { "a b" };

	(void)state;
	assert_splice_error("a: [\n", policy_path, 1,
			    "<buffer>:2:1: did not find expected node content (while parsing a "
			    "flow node at line 2, column 1)");
	assert_splice_error("a: 1\na: 2\n", policy_path, 1,
			    "<buffer>:2:1: duplicate key \"a\" (first at line 1, column 1)");
	assert_splice_error("- a\n- b\n", policy_path, 1,
			    "<buffer>:1:1: the document is not a block mapping (got a sequence)");
	assert_splice_error("{policy: 1}\n", policy_path, 1,
			    "<buffer>:1:1: the document is not a block mapping (got a flow "
			    "mapping)");
	assert_splice_error("dlp: {enabled: true}\n", custom_path, 2,
			    "<buffer>:1:6: dlp: not a block mapping (got a flow mapping)");
	assert_splice_error("dlp: [1]\n", custom_path, 2,
			    "<buffer>:1:6: dlp: not a block mapping (got a sequence)");
	assert_splice_error("dlp: off\n", custom_path, 2,
			    "<buffer>:1:6: dlp: not a block mapping (got a scalar)");
	assert_splice_error("a: 1\n", bad_key, 1,
			    "config splice: path[0]: bad key (expected 1..64 characters of A-Z "
			    "a-z 0-9 _ . -, not starting with - or .)");
	assert_int_equal(config_splice("a: 1\n", 5, policy_path, 0, "x\n", &out, NULL, err,
				       sizeof(err)), -EINVAL);
	assert_null(out);
	/* A block that would break the document is caught by parsing the result. */
	assert_int_equal(config_splice("a: 1\npolicy: 1\n", 15, policy_path, 1, "x: [\n", &out,
				       NULL, err, sizeof(err)), -EINVAL);
	assert_null(out);
	assert_memory_equal(err, "the spliced text does not parse: ", 33);
}

/* ---- atomic write ---- */

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Entries of dir other than . and .. */
static int
count_entries(const char *dir)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void
remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' && rm -rf '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_write_atomic_replaces_content_and_keeps_mode(void **state)
{
	char dir[] = "/tmp/tollgate-splice-XXXXXX", path[256], err[256] = "";
	struct stat st;
	char *got;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tollgate.yaml", dir);
	write_file(path, "old: 1\n", 0640);
	assert_int_equal(config_write_atomic(path, "new: 2\n", 7, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	got = read_file(path, &len);
	assert_string_equal(got, "new: 2\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_entries(dir), 1);	/* no temporary file left */
	remove_tree(dir);
}

static void
test_write_atomic_new_file_is_0600_whatever_the_umask(void **state)
{
	char dir[] = "/tmp/tollgate-splice-XXXXXX", path[256], err[256] = "";
	struct stat st;
	mode_t old;
	char *got;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/new.yaml", dir);
	old = umask(0077);
	assert_int_equal(config_write_atomic(path, "a: 1\n", 5, err, sizeof(err)), 0);
	umask(old);
	got = read_file(path, &len);
	assert_int_equal(len, 5);
	assert_string_equal(got, "a: 1\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	remove_tree(dir);
}

static void
test_write_atomic_through_symlink_replaces_target(void **state)
{
	char dir[] = "/tmp/tollgate-splice-XXXXXX", path[256], link[256], err[256] = "";
	struct stat st;
	char *got;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/real.yaml", dir);
	snprintf(link, sizeof(link), "%s/link.yaml", dir);
	write_file(path, "old: 1\n", 0644);
	assert_int_equal(symlink("real.yaml", link), 0);
	assert_int_equal(config_write_atomic(link, "new: 2\n", 7, err, sizeof(err)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	got = read_file(path, &len);
	assert_string_equal(got, "new: 2\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	remove_tree(dir);
}

static void
test_write_atomic_failed_create_leaves_original_untouched(void **state)
{
	char dir[] = "/tmp/tollgate-splice-XXXXXX", path[256], tmp[300], err[256] = "", want[700];
	char *got;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tollgate.yaml", dir);
	write_file(path, "old: 1\n", 0600);
	/* A directory where the temporary file would go: the create fails, as root too. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(config_write_atomic(path, "new: 2\n", 7, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: create %s: Is a directory", path, tmp);
	assert_string_equal(err, want);
	got = read_file(path, &len);
	assert_string_equal(got, "old: 1\n");
	free(got);
	remove_tree(dir);
}

static void
test_write_atomic_failed_rename_removes_temp_file(void **state)
{
	char dir[] = "/tmp/tollgate-splice-XXXXXX", path[256], inner[300], err[256] = "";
	char want[700];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* The target is a non-empty directory: rename(2) refuses to replace it. */
	snprintf(path, sizeof(path), "%s/target", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	write_file(inner, "x", 0600);
	assert_int_equal(config_write_atomic(path, "new: 2\n", 7, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: rename %s.tmp.%ld: Is a directory", path, path,
		 (long)getpid());
	assert_string_equal(err, want);
	assert_int_equal(stat(inner, &st), 0);
	assert_int_equal(count_entries(dir), 1);	/* the temporary file is gone */
	remove_tree(dir);
}

/* The write into a directory the caller may not write; 0 when it failed as it should. */
static int
unwritable_write(const char *path)
{
	char err[256] = "", want[600];

	if (config_write_atomic(path, "new: 2\n", 7, err, sizeof(err)) != -EACCES)
		return 1;
	snprintf(want, sizeof(want), "%s: create %s.tmp.%ld: Permission denied", path, path,
		 (long)getpid());
	return strcmp(err, want) == 0 ? 0 : 2;
}

static void
test_write_atomic_unwritable_dir_leaves_original_untouched(void **state)
{
	char dir[] = "/tmp/tollgate-splice-XXXXXX", path[256];
	char *got;
	size_t len;
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tollgate.yaml", dir);
	write_file(path, "old: 1\n", 0644);
	if (geteuid() != 0) {
		assert_int_equal(chmod(dir, 0500), 0);
		assert_int_equal(unwritable_write(path), 0);
	} else {
		/* Root writes anywhere: the write runs in a child that became nobody. */
		assert_int_equal(chmod(dir, 0555), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(3);
			_exit(unwritable_write(path));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	got = read_file(path, &len);
	assert_string_equal(got, "old: 1\n");
	free(got);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(chmod(dir, 0700), 0);
	remove_tree(dir);
}

static void
test_write_atomic_missing_directory_names_the_path(void **state)
{
	char err[256] = "", want[256];

	(void)state;
	assert_int_equal(config_write_atomic("/nonexistent-tollgate-dir/x.yaml", "a", 1, err,
					     sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "/nonexistent-tollgate-dir/x.yaml: create "
		 "/nonexistent-tollgate-dir/x.yaml.tmp.%ld: No such file or directory",
		 (long)getpid());
	assert_string_equal(err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splice_top_level_keeps_comments_and_other_sections),
		cmocka_unit_test(test_splice_nested_custom_keeps_siblings_and_next_comments),
		cmocka_unit_test(test_splice_last_key_of_section_keeps_next_sections_comments),
		cmocka_unit_test(test_splice_flow_values_are_replaced_whole),
		cmocka_unit_test(test_splice_null_value_and_null_parent_are_filled),
		cmocka_unit_test(test_splice_absent_top_level_key_is_appended_at_end),
		cmocka_unit_test(test_splice_absent_nested_key_is_appended_to_its_parent_block),
		cmocka_unit_test(test_splice_last_key_in_file),
		cmocka_unit_test(test_splice_keeps_crlf_and_unicode_bytes_elsewhere),
		cmocka_unit_test(test_splice_refuses_invalid_yaml_and_non_mappings),
		cmocka_unit_test(test_write_atomic_replaces_content_and_keeps_mode),
		cmocka_unit_test(test_write_atomic_new_file_is_0600_whatever_the_umask),
		cmocka_unit_test(test_write_atomic_through_symlink_replaces_target),
		cmocka_unit_test(test_write_atomic_failed_create_leaves_original_untouched),
		cmocka_unit_test(test_write_atomic_failed_rename_removes_temp_file),
		cmocka_unit_test(test_write_atomic_unwritable_dir_leaves_original_untouched),
		cmocka_unit_test(test_write_atomic_missing_directory_names_the_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
