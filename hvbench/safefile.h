/* Output files written safely, for every command that writes one (run,
 * export, report, plot, dashboard): "-" is standard output, a symlink is
 * written through, anything that is not a regular file is refused, and the
 * bytes land by temporary file + fsync + rename, so a reader or a kill -9
 * sees the old file or the whole new one (docs/results-schema.md). */
#ifndef HVBENCH_SAFEFILE_H
#define HVBENCH_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Flags of sf_check / sf_write. */
enum {
	SF_STDOUT_OK = 1 << 0,	/* "-" means standard output (else refused) */
	SF_MKDIR = 1 << 1,	/* create the file's folder if missing (one level) */
	SF_NOREPLACE = 1 << 2,	/* never replace an existing file: -EEXIST */
};

/* True for the name "-" (standard output). */
bool sf_is_stdout(const char *path);

/*
 * Where the bytes for @path would go: the symlink chain followed to its end
 * (a dangling link names the file to create), that name's folder resolved
 * with realpath. *real and *dir are malloc'ed. Refuses (-EISDIR, -EINVAL
 * with the kind in @err) a destination that exists and is not a regular
 * file, -ELOOP past 40 links, and "-" (callers test sf_is_stdout first).
 * With SF_MKDIR a missing folder is created. 0 or -errno.
 */
int sf_resolve(const char *path, unsigned flags, char **real, char **dir,
	       char *err, size_t errlen);

/*
 * Before any work: would sf_write(@path) succeed? Resolves as above and
 * creates then removes a temporary file in the destination folder, so a
 * read-only, full or missing folder is found now, not after the work.
 * 0 or -errno with one line naming the path and the errno text in @err.
 */
int sf_check(const char *path, unsigned flags, char *err, size_t errlen);
/* The same for a folder that several files will be written into. */
int sf_check_dir(const char *dir, char *err, size_t errlen);

/*
 * Writes @len bytes to @path: "-" (with SF_STDOUT_OK) goes to standard
 * output; otherwise a temporary file made with mkstemp (O_EXCL) in the
 * destination's folder is written, fsync'ed, renamed onto the destination,
 * and the folder fsync'ed. A replaced file keeps its permission bits; a new
 * one gets 0666 & ~umask. On error the temporary file is removed and the
 * old file is untouched. With SF_NOREPLACE the rename fails with -EEXIST
 * when the name exists (renameat2 RENAME_NOREPLACE, else link + unlink),
 * atomically: of two writers of one name exactly one wins. 0 or -errno
 * with a message in @err.
 */
int sf_write(const char *path, const void *data, size_t len, unsigned flags,
	     char *err, size_t errlen);

/* write(2) until done, retrying EINTR. 0 or -errno. */
int sf_write_all(int fd, const void *data, size_t len);

#endif
