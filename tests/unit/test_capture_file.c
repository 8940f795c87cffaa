/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A capture's ring of pcap files (pcap/capture_file.c): files never pass file_size, the
 * ring keeps file_count files and deletes the oldest, names follow dumpcap's ring
 * (<name>_<5-digit index>_<YYYYmmddHHMMSS>.pcap, UTC), libpcap reads back every packet
 * with its time, nothing reaches the disk but whole records, and a scan at start-up lists
 * the files, cuts one with a torn last record back to its last whole record, and continues
 * the numbering.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "capture_file.h"
#include "capture_types.h"

/* 2024-05-01 10:00:00 UTC */
#define T0_S 1714557600ull
#define T0_US (T0_S * 1000000ull)

struct fx {
	char dir[256];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "%s/test_capture_file_XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Packet seq of len bytes (its bytes derived from seq) at time T0 + seq ms + 7 us. */
static void
make(uint32_t seq, uint32_t len, struct capture_rec *r, uint8_t *data)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->ts_us = T0_US + seq * 1000ull + 7;
	r->caplen = len;
	r->origlen = len + 4;
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(seq + i);
}

static void
write_n(struct capture_files *cf, uint32_t first, uint32_t n, uint32_t len)
{
	struct capture_rec r;
	uint8_t data[2048];
	char err[512];
	uint32_t i;

	for (i = first; i < first + n; i++) {
		make(i, len, &r, data);
		/* Files are created at T0 + 1 s. */
		if (capture_files_write(cf, &r, data, T0_US + 1000000, err, sizeof(err)) != 0)
			fail_msg("%s", err);
	}
}

/* Read a file with libpcap; check it holds packets first.. with len bytes each. */
static void
check_file(const char *dir, const char *name, uint32_t first, uint32_t n, uint32_t len)
{
	char path[512], perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	uint32_t i = 0, k;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	p = pcap_open_offline(path, perr);
	if (p == NULL)
		fail_msg("%s", perr);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint32_t seq = first + i;

		assert_int_equal(h->caplen, len);
		assert_int_equal(h->len, len + 4);
		assert_int_equal((uint64_t)h->ts.tv_sec, T0_S + seq / 1000);
		assert_int_equal(h->ts.tv_usec, (seq % 1000) * 1000 + 7);
		for (k = 0; k < len; k++)
			assert_int_equal(d[k], (uint8_t)(seq + k));
		i++;
	}
	pcap_close(p);
	assert_int_equal(i, n);
}

static uint64_t
file_size(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static unsigned int
count_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	unsigned int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_capture_files_rotate_at_exact_size_and_keep_file_count(void **state)
{
	struct fx *f = *state;
	/* 3 records of 100 bytes per file: 24 + 3 * (16 + 100) = 372. */
	struct capture_files cf;
	char err[512], name[CAPTURE_FNAME_LEN];

	capture_files_init(&cf, f->dir, "web", 100, 372, 3);
	assert_int_equal(capture_files_open(&cf, T0_US + 1000000, err, sizeof(err)), 0);
	write_n(&cf, 0, 10, 100);
	assert_int_equal(capture_files_close(&cf), 0);
	/* Files 1..4 were made (3 + 3 + 3 + 1 packets); the ring keeps the last 3. */
	assert_int_equal(cf.created, 4);
	assert_int_equal(cf.deleted, 1);
	assert_int_equal(cf.n, 3);
	assert_int_equal(cf.next_index, 5);
	assert_int_equal(cf.f[0].index, 2);
	assert_int_equal(cf.f[1].index, 3);
	assert_int_equal(cf.f[2].index, 4);
	capture_files_name(&cf, &cf.f[0], name, sizeof(name));
	assert_string_equal(name, "web_00002_20240501100001.pcap");
	assert_int_equal(count_dir(f->dir), 3);
	assert_int_equal(file_size(f->dir, "web_00002_20240501100001.pcap"), 372);
	assert_int_equal(file_size(f->dir, "web_00003_20240501100001.pcap"), 372);
	assert_int_equal(file_size(f->dir, "web_00004_20240501100001.pcap"), 24 + 116);
	assert_int_equal(cf.f[0].size, 372);
	assert_int_equal(cf.f[2].size, 140);
	assert_int_equal(cf.bytes, 372 + 372 + 140);
	assert_int_equal(cf.f[0].packets, 3);
	assert_int_equal(cf.f[0].first_us, T0_US + 3000 + 7);
	assert_int_equal(cf.f[0].last_us, T0_US + 5000 + 7);
	check_file(f->dir, "web_00002_20240501100001.pcap", 3, 3, 100);
	check_file(f->dir, "web_00003_20240501100001.pcap", 6, 3, 100);
	check_file(f->dir, "web_00004_20240501100001.pcap", 9, 1, 100);
	capture_files_release(&cf);
}

static void
test_capture_files_one_record_larger_than_the_rest_of_a_file_opens_the_next(void **state)
{
	struct fx *f = *state;
	struct capture_files cf;
	struct capture_rec r;
	uint8_t data[2048];
	char err[512];

	/* 24 + 116 + 1016 = 1156 > 1100: the second packet goes to file 2. */
	capture_files_init(&cf, f->dir, "x", 1000, 1100, 10);
	assert_int_equal(capture_files_open(&cf, T0_US, err, sizeof(err)), 0);
	make(0, 100, &r, data);
	assert_int_equal(capture_files_write(&cf, &r, data, T0_US, err, sizeof(err)), 0);
	make(1, 1000, &r, data);
	assert_int_equal(capture_files_write(&cf, &r, data, T0_US, err, sizeof(err)), 0);
	assert_int_equal(cf.n, 2);
	assert_int_equal(cf.f[0].size, 140);
	assert_int_equal(cf.f[1].size, 24 + 1016);
	/* A file holding no packet takes any packet that fits file_size. */
	make(2, 1000, &r, data);
	assert_int_equal(capture_files_write(&cf, &r, data, T0_US, err, sizeof(err)), 0);
	assert_int_equal(cf.n, 3);
	capture_files_release(&cf);
}

static void
test_capture_files_reach_disk_only_as_whole_records(void **state)
{
	struct fx *f = *state;
	struct capture_files cf;
	char err[512], name[CAPTURE_FNAME_LEN];

	capture_files_init(&cf, f->dir, "w", 100, 1 << 20, 2);
	assert_int_equal(capture_files_open(&cf, T0_US, err, sizeof(err)), 0);
	capture_files_name(&cf, &cf.f[0], name, sizeof(name));
	/* The header is on disk as soon as the file is open. */
	assert_int_equal(file_size(f->dir, name), 24);
	write_n(&cf, 0, 5, 100);
	/* Buffered (64 KiB not reached): still only the header. */
	assert_int_equal(file_size(f->dir, name), 24);
	assert_int_equal(capture_files_flush(&cf), 0);
	assert_int_equal(file_size(f->dir, name), 24 + 5 * 116);
	/* Past 64 KiB buffered, whole records are written without a flush. */
	write_n(&cf, 5, 600, 100);
	assert_int_equal((file_size(f->dir, name) - 24) % 116, 0);
	assert_true(file_size(f->dir, name) > 24 + 5 * 116);
	assert_int_equal(capture_files_close(&cf), 0);
	assert_int_equal(file_size(f->dir, name), 24 + 605 * 116);
	check_file(f->dir, name, 0, 605, 100);
	capture_files_release(&cf);
}

static void
test_capture_files_scan_lists_repairs_and_continues_numbering(void **state)
{
	struct fx *f = *state;
	struct capture_files cf, again;
	char err[512], name[CAPTURE_FNAME_LEN], path[512];
	int fd;

	capture_files_init(&cf, f->dir, "ring", 100, 372, 5);
	assert_int_equal(capture_files_open(&cf, T0_US + 1000000, err, sizeof(err)), 0);
	write_n(&cf, 0, 7, 100);	/* files 1 (3), 2 (3), 3 (1) */
	assert_int_equal(capture_files_close(&cf), 0);
	/* A crash tore the last record of file 3: half a header and some bytes. */
	capture_files_name(&cf, &cf.f[2], name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 10), 10);
	close(fd);
	/* Files of other names are not the ring's. */
	snprintf(path, sizeof(path), "%s/other_00009_20240501100001.pcap", f->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	snprintf(path, sizeof(path), "%s/ring_0001_20240501100001.pcap", f->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	capture_files_release(&cf);

	capture_files_init(&again, f->dir, "ring", 100, 372, 5);
	assert_int_equal(capture_files_scan(&again, err, sizeof(err)), 0);
	assert_int_equal(again.n, 3);
	assert_int_equal(again.repaired, 1);
	assert_int_equal(again.f[0].index, 1);
	assert_int_equal(again.f[2].index, 3);
	assert_int_equal(again.f[0].packets, 3);
	assert_int_equal(again.f[2].packets, 1);
	assert_int_equal(again.f[2].size, 140);
	assert_int_equal(again.f[2].created_s, T0_S + 1);
	assert_int_equal(again.f[1].first_us, T0_US + 3000 + 7);
	assert_int_equal(again.bytes, 372 + 372 + 140);
	assert_int_equal(file_size(f->dir, name), 140);
	check_file(f->dir, name, 6, 1, 100);
	assert_int_equal(again.next_index, 4);
	/* Started again: the ring continues at 4 and keeps file_count files in all. */
	assert_int_equal(capture_files_open(&again, T0_US + 1000000, err, sizeof(err)), 0);
	write_n(&again, 100, 7, 100);	/* files 4 (3), 5 (3), 6 (1) */
	assert_int_equal(capture_files_close(&again), 0);
	assert_int_equal(again.n, 5);
	assert_int_equal(again.f[0].index, 2);
	assert_int_equal(again.f[4].index, 6);
	assert_int_equal(count_dir(f->dir), 5 + 2);
	assert_int_equal(capture_files_remove(&again), 0);
	assert_int_equal(count_dir(f->dir), 2);
	capture_files_release(&again);
}

static void
test_capture_files_open_fails_with_the_path_in_the_message(void **state)
{
	struct fx *f = *state;
	struct capture_files cf;
	char err[512], dir[300];

	(void)f;
	snprintf(dir, sizeof(dir), "%s/missing/dir", f->dir);
	capture_files_init(&cf, dir, "x", 100, 1000, 2);
	assert_int_equal(capture_files_open(&cf, T0_US, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "missing/dir/x_00001_20240501100000.pcap: No such file or "
			       "directory"));
	assert_int_equal(cf.n, 0);
	assert_int_equal(cf.next_index, 1);
	capture_files_release(&cf);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_capture_files_rotate_at_exact_size_and_keep_file_count),
		T(test_capture_files_one_record_larger_than_the_rest_of_a_file_opens_the_next),
		T(test_capture_files_reach_disk_only_as_whole_records),
		T(test_capture_files_scan_lists_repairs_and_continues_numbering),
		T(test_capture_files_open_fails_with_the_path_in_the_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
