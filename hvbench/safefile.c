/* Safe output files (safefile.h): resolve the destination once, refuse what
 * is not a regular file, and replace it only by an atomic rename within the
 * destination's own folder. */
#include "hvbench/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A symlink chain longer than this is a loop (the kernel's own limit). */
#define SF_MAX_LINKS 40

bool sf_is_stdout(const char *path)
{
	return path && !strcmp(path, "-");
}

int sf_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* @cur with its last component replaced by @rel (or @rel when absolute). */
static char *link_next(const char *cur, const char *rel)
{
	const char *slash = strrchr(cur, '/');
	char *out;

	if (rel[0] == '/' || !slash)
		return strdup(rel);
	if (asprintf(&out, "%.*s/%s", (int)(slash - cur), cur, rel) < 0)
		return NULL;
	return out;
}

/* Follows the symlinks of @path; the end of the chain in *out (malloc'ed). */
static int follow_links(const char *path, char **out, char *err, size_t errlen)
{
	char *cur = strdup(path), buf[PATH_MAX];
	int hops;

	if (!cur)
		goto oom;
	for (hops = 0;; hops++) {
		struct stat st;
		ssize_t n;
		char *next;

		if (lstat(cur, &st)) {
			int e = errno;

			if (e == ENOENT)
				break;	/* a new file (or a dangling link's target) */
			snprintf(err, errlen, "%s: cannot write %s: %s", path, cur,
				 strerror(e));
			free(cur);
			return -e;
		}
		if (!S_ISLNK(st.st_mode)) {
			if (S_ISREG(st.st_mode))
				break;
			if (!strcmp(cur, path))
				snprintf(err, errlen,
					 "%s is %s, not a regular file: refusing to replace it",
					 path, kind_of(st.st_mode));
			else
				snprintf(err, errlen,
					 "%s: the link leads to %s, which is %s, not a regular file: refusing to replace it",
					 path, cur, kind_of(st.st_mode));
			free(cur);
			return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		}
		if (hops >= SF_MAX_LINKS) {
			snprintf(err, errlen, "%s: too many levels of symbolic links",
				 path);
			free(cur);
			return -ELOOP;
		}
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: cannot read the link %s: %s", path,
				 cur, strerror(e));
			free(cur);
			return -e;
		}
		buf[n] = '\0';
		next = link_next(cur, buf);
		free(cur);
		cur = next;
		if (!cur)
			goto oom;
	}
	*out = cur;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
	return -ENOMEM;
}

int sf_resolve(const char *path, unsigned flags, char **real, char **dir,
	       char *err, size_t errlen)
{
	char *end = NULL, *d = NULL, *rdir = NULL, *out = NULL;
	const char *base, *slash;
	struct stat st;
	int rc;

	*real = *dir = NULL;
	if (!path || !*path || sf_is_stdout(path)) {
		snprintf(err, errlen, "%s: not a file name",
			 path && *path ? path : "\"\"");
		return -EINVAL;
	}
	rc = follow_links(path, &end, err, errlen);
	if (rc)
		return rc;
	slash = strrchr(end, '/');
	base = slash ? slash + 1 : end;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(err, errlen, "%s: names a folder, not a file", path);
		rc = -EISDIR;
		goto out;
	}
	if (!slash)
		d = strdup(".");
	else if (slash == end)
		d = strdup("/");
	else
		d = strndup(end, (size_t)(slash - end));
	if (!d)
		goto oom;
	if ((flags & SF_MKDIR) && stat(d, &st) && errno == ENOENT &&
	    mkdir(d, 0777) && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot create the folder %s: %s", path,
			 d, strerror(-rc));
		goto out;
	}
	rdir = realpath(d, NULL);
	if (!rdir || stat(rdir, &st) || !S_ISDIR(st.st_mode)) {
		rc = rdir ? -ENOTDIR : -errno;
		snprintf(err, errlen, "%s: cannot write into the folder %s: %s",
			 path, d, strerror(-rc));
		goto out;
	}
	if (asprintf(&out, "%s/%s", strcmp(rdir, "/") ? rdir : "", base) < 0) {
		out = NULL;
		goto oom;
	}
	*real = out;
	*dir = rdir;
	rdir = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
	rc = -ENOMEM;
out:
	free(rdir);
	free(d);
	free(end);
	return rc;
}

/* mkstemp in @dir with a dot name, so a glob for *.json never picks up a
 * half file; *tmp is malloc'ed. fd or -errno. */
static int make_temp(const char *dir, const char *base, char **tmp)
{
	int fd;

	/* NAME_MAX is 255: keep room for the dot and the suffix. */
	if (asprintf(tmp, "%s/.%.200s.XXXXXX", dir, base) < 0) {
		*tmp = NULL;
		return -ENOMEM;
	}
	fd = mkstemp(*tmp);
	if (fd < 0) {
		fd = -errno;
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

static int probe_dir(const char *shown, const char *dir, const char *base,
		     char *err, size_t errlen)
{
	char *tmp;
	int fd = make_temp(dir, base, &tmp);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a file in %s: %s", shown,
			 dir, strerror(-fd));
		return fd;
	}
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

int sf_check(const char *path, unsigned flags, char *err, size_t errlen)
{
	char *real, *dir;
	int rc;

	if (sf_is_stdout(path)) {
		if (flags & SF_STDOUT_OK)
			return 0;
		snprintf(err, errlen, "-: standard output is not possible here; name a file");
		return -EINVAL;
	}
	rc = sf_resolve(path, flags, &real, &dir, err, errlen);
	if (rc)
		return rc;
	rc = probe_dir(path, dir, strrchr(real, '/') + 1, err, errlen);
	free(real);
	free(dir);
	return rc;
}

int sf_check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int e = 0;

	if (stat(dir, &st))
		e = errno;
	else if (!S_ISDIR(st.st_mode))
		e = ENOTDIR;
	if (e) {
		snprintf(err, errlen, "%s: not a writable folder: %s", dir,
			 strerror(e));
		return -e;
	}
	return probe_dir(dir, dir, "hvbench-probe", err, errlen);
}

static int to_stdout(const void *data, size_t len, char *err, size_t errlen)
{
	int rc;

	/* Whatever stdio still buffers must come first. */
	if (fflush(stdout)) {
		rc = -errno;
		goto fail;
	}
	rc = sf_write_all(STDOUT_FILENO, data, len);
	if (!rc)
		return 0;
fail:
	snprintf(err, errlen, "-: cannot write to standard output: %s",
		 strerror(-rc));
	return rc;
}

int sf_write(const char *path, const void *data, size_t len, unsigned flags,
	     char *err, size_t errlen)
{
	char *real = NULL, *dir = NULL, *tmp = NULL;
	const char *step = "write";
	struct stat st;
	mode_t mode;
	int fd = -1, rc, dfd;

	if (sf_is_stdout(path) && (flags & SF_STDOUT_OK))
		return to_stdout(data, len, err, errlen);
	rc = sf_resolve(path, flags, &real, &dir, err, errlen);
	if (rc)
		return rc;
	/* A replaced file keeps its permissions; mkstemp's 0600 is only
	 * right for a temporary file, a result is for everyone to read. */
	if (!lstat(real, &st) && S_ISREG(st.st_mode)) {
		mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);

		umask(mask);
		mode = 0666 & ~mask;
	}
	fd = make_temp(dir, strrchr(real, '/') + 1, &tmp);
	if (fd < 0) {
		rc = fd;
		snprintf(err, errlen, "%s: cannot create a file in %s: %s", path,
			 dir, strerror(-rc));
		goto out;
	}
	if (fchmod(fd, mode)) {
		rc = -errno;
		step = "chmod";
	} else if ((rc = sf_write_all(fd, data, len))) {
		step = "write";
	} else if (fsync(fd)) {
		rc = -errno;
		step = "fsync";
	}
	if (close(fd) && !rc) {
		rc = -errno;
		step = "close";
	}
	fd = -1;
	if (rc) {
		snprintf(err, errlen, "%s: cannot write (%s of %s): %s", path,
			 step, tmp, strerror(-rc));
		goto out;
	}
	/* rename() within one folder: atomic, and it replaces only the
	 * directory entry `real`, never what a symlink there points to. */
	if (flags & SF_NOREPLACE) {
		rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, real, RENAME_NOREPLACE) ?
			     -errno : 0;
		/* a file system without RENAME_NOREPLACE: link() is just as
		 * exclusive */
		if (rc == -EINVAL || rc == -ENOSYS) {
			rc = link(tmp, real) ? -errno : 0;
			if (!rc)
				unlink(tmp);
		}
		if (rc) {
			snprintf(err, errlen, "%s: %s", path,
				 rc == -EEXIST ? "exists already" : strerror(-rc));
			goto out;
		}
	} else if (rename(tmp, real)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot rename %s onto %s: %s", path, tmp,
			 real, strerror(-rc));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* The rename itself must survive a crash too. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(real);
	free(dir);
	return rc;
}
