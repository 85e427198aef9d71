/* SPDX-License-Identifier: MIT */
/*
 * report/file.c -- writing a report file whole or not at all.
 *
 * A JSON or JUnit file is made in memory and written by
 * report_write_atomic(): a temporary file in the same directory, fsync,
 * rename, then fsync of the directory, so that a reader (a CI job) never
 * sees half a file, and a full disk or a read-only directory is an error
 * the caller reports rather than a 0-byte file.  (Traces are written the
 * same way by report_trace_write; campaign/ has camp_write_atomic.)
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* report_write_atomic -- buf to path, whole or not at all; 0 or -errno. */
int report_write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[4096], dir[4096];
	const char *p = buf;
	int fd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path,
			     (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}
