/* Tests of the one safe writer every output goes through (hvbench/safefile.c):
 * symlinks written through, non-regular destinations refused, "-" as stdout,
 * unwritable folders found before any work, no temp file left on error. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "hvbench/safefile.h"

struct scratch {
	char base[64];
	char sub[128]; /* a second folder, for links that leave the first */
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->base, sizeof(s->base), "/tmp/hvbench-test-safe-XXXXXX");
	if (!mkdtemp(s->base))
		return -1;
	snprintf(s->sub, sizeof(s->sub), "%s/other", s->base);
	if (mkdir(s->sub, 0755))
		return -1;
	*state = s;
	return 0;
}

static int rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 32];

	/* The scratch folder only: mkdtemp made it, nothing else is in it. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int teardown(void **state)
{
	struct scratch *s = *state;

	rm_tree(s->base);
	free(s);
	return 0;
}

/* The names in @dir, sorted, space-separated. */
static void listing(const char *dir, char *out, size_t len)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	size_t k = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..") &&
		    k < len)
			k += (size_t)snprintf(out + k, len - k, "%s%s",
					      k ? " " : "", ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void expect_content(const char *path, const char *text)
{
	char buf[4096] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

static void expect_link(const char *path, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
}

static void join(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void test_new_and_replace(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX], err[1024], names[1024];
	struct stat st;
	mode_t mask = umask(0);

	umask(mask);
	join(path, sizeof(path), s->base, "a.json");
	assert_int_equal(sf_write(path, "one\n", 4, 0, err, sizeof(err)), 0);
	expect_content(path, "one\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
	/* a replaced file keeps the permissions its owner gave it */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sf_write(path, "two\n", 4, 0, err, sizeof(err)), 0);
	expect_content(path, "two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	listing(s->base, names, sizeof(names));
	assert_string_equal(names, "a.json other");
	unlink(path);
}

static void test_symlink_through(void **state)
{
	struct scratch *s = *state;
	char link[PATH_MAX], link2[PATH_MAX], real[PATH_MAX], err[1024];
	char names[1024];
	struct stat st;

	/* relative link in the same folder */
	join(real, sizeof(real), s->base, "real.json");
	join(link, sizeof(link), s->base, "link.json");
	put(real, "old\n");
	assert_int_equal(symlink("real.json", link), 0);
	assert_int_equal(sf_write(link, "new\n", 4, 0, err, sizeof(err)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	expect_link(link, "real.json");
	expect_content(real, "new\n");

	/* a chain of two links, the second one into another folder */
	join(link2, sizeof(link2), s->sub, "far.json");
	assert_int_equal(symlink("../link.json", link2), 0);
	assert_int_equal(sf_write(link2, "far\n", 4, 0, err, sizeof(err)), 0);
	expect_link(link2, "../link.json");
	expect_link(link, "real.json");
	expect_content(real, "far\n");
	/* the temp file lived in real.json's folder and is gone from both */
	listing(s->sub, names, sizeof(names));
	assert_string_equal(names, "far.json");
	listing(s->base, names, sizeof(names));
	assert_string_equal(names, "link.json other real.json");

	/* resolve reports the target's real path */
	char *r, *d;
	assert_int_equal(sf_resolve(link2, 0, &r, &d, err, sizeof(err)), 0);
	assert_string_equal(d, s->base);
	assert_int_equal(strcmp(r + strlen(d), "/real.json"), 0);
	free(r);
	free(d);
	unlink(link2);
	unlink(link);
	unlink(real);
}

static void test_dangling_and_loop(void **state)
{
	struct scratch *s = *state;
	char link[PATH_MAX], target[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	char err[1024] = "";

	/* a dangling link names the file to create, in the target's folder */
	join(link, sizeof(link), s->base, "dangling.json");
	join(target, sizeof(target), s->sub, "created.json");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(sf_write(link, "made\n", 5, 0, err, sizeof(err)), 0);
	expect_link(link, target);
	expect_content(target, "made\n");
	unlink(link);
	unlink(target);

	/* a link to a folder that does not exist fails, and names it */
	assert_int_equal(symlink("nowhere/x.json", link), 0);
	assert_true(sf_write(link, "x", 1, 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "nowhere"));
	unlink(link);

	/* a loop */
	join(a, sizeof(a), s->base, "la");
	join(b, sizeof(b), s->base, "lb");
	assert_int_equal(symlink("lb", a), 0);
	assert_int_equal(symlink("la", b), 0);
	assert_int_equal(sf_write(a, "x", 1, 0, err, sizeof(err)), -ELOOP);
	assert_int_equal(sf_check(a, 0, err, sizeof(err)), -ELOOP);
	unlink(a);
	unlink(b);
}

/* @path must be refused by sf_check and sf_write, and stay what it was. */
static void expect_refused(const char *path, mode_t kind, const char *word)
{
	char err[1024] = "";
	struct stat st;

	assert_true(sf_check(path, SF_STDOUT_OK, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "refusing"));
	assert_non_null(strstr(err, word));
	err[0] = '\0';
	assert_true(sf_write(path, "x\n", 2, SF_STDOUT_OK, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "refusing"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, kind);
}

static void test_non_regular_refused(void **state)
{
	struct scratch *s = *state;
	char fifo[PATH_MAX], link[PATH_MAX], dev[PATH_MAX], names[1024];
	char err[1024];

	join(fifo, sizeof(fifo), s->base, "fifo");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	expect_refused(fifo, S_IFIFO, "FIFO");
	/* through a symlink too: the link stays, the FIFO stays */
	join(link, sizeof(link), s->base, "tofifo");
	assert_int_equal(symlink("fifo", link), 0);
	expect_refused(link, S_IFIFO, "FIFO");
	expect_link(link, "fifo");

	expect_refused(s->sub, S_IFDIR, "directory");
	assert_int_equal(sf_write("/tmp/", "x", 1, 0, err, sizeof(err)), -EISDIR);

	/* a device: a scratch node (root only), never the real /dev/null */
	join(dev, sizeof(dev), s->base, "null");
	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		expect_refused(dev, S_IFCHR, "character device");
		unlink(dev);
	} else {
		print_message("device case skipped: mknod: %s (needs root)\n",
			      strerror(errno));
	}
	/* nothing was left behind by any refusal */
	listing(s->base, names, sizeof(names));
	assert_string_equal(names, "fifo other tofifo");
	unlink(link);
	unlink(fifo);
}

static void test_dash_is_stdout(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX], names[1024], err[1024];
	int saved, fd;

	join(path, sizeof(path), s->base, "captured");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	printf("before ");	/* buffered stdio comes first */
	int rc = sf_write("-", "{\"a\": 1}\n", 9, SF_STDOUT_OK, err, sizeof(err));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(rc, 0);
	expect_content(path, "before {\"a\": 1}\n");
	unlink(path);
	/* no file called "-" appears anywhere */
	assert_int_equal(access("-", F_OK), -1);
	listing(s->base, names, sizeof(names));
	assert_string_equal(names, "other");

	/* where stdout makes no sense, "-" is refused with a reason */
	assert_int_equal(sf_check("-", 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "standard output"));
	assert_int_equal(sf_check("-", SF_STDOUT_OK, err, sizeof(err)), 0);
	assert_true(sf_write("-", "x", 1, 0, err, sizeof(err)) < 0);
	assert_true(sf_check("", 0, err, sizeof(err)) < 0);
}

static void test_unwritable_found_before(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX], dir[PATH_MAX], names[1024], err[1024] = "";

	/* a folder nobody can create a file in, not even root */
	assert_true(sf_check("/proc/hvbench-nope.json", 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/proc/hvbench-nope.json"));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_true(sf_check("/proc/self/x.json", 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/proc/self"));
	/* a missing folder: refused, or made with SF_MKDIR (one level) */
	join(dir, sizeof(dir), s->base, "results");
	join(path, sizeof(path), dir, "x.json");
	assert_int_equal(sf_check(path, 0, err, sizeof(err)), -ENOENT);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(sf_check(path, SF_MKDIR, err, sizeof(err)), 0);
	/* the check made the folder and left no probe file in it */
	listing(dir, names, sizeof(names));
	assert_string_equal(names, "");
	/* the parent is a file */
	put(path, "{}\n");
	char deeper[PATH_MAX + 16];
	snprintf(deeper, sizeof(deeper), "%s/y.json", path);
	assert_true(sf_check(deeper, SF_MKDIR, err, sizeof(err)) < 0);
	unlink(path);
	/* a folder for several files */
	assert_int_equal(sf_check_dir(s->sub, err, sizeof(err)), 0);
	listing(s->sub, names, sizeof(names));
	assert_string_equal(names, "");
	assert_true(sf_check_dir("/proc/self", err, sizeof(err)) < 0);
	assert_true(sf_check_dir("/nonexistent-hvbench", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, strerror(ENOENT)));
	join(dir, sizeof(dir), s->base, "results");
	rmdir(dir);
}

static void test_error_cleans_temp(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX], names[1024], err[1024] = "", big[8192];
	struct rlimit old, small = { 1024, 0 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, prev;

	join(path, sizeof(path), s->base, "keep.json");
	put(path, "old\n");
	memset(big, 'x', sizeof(big));
	/* A file-size limit makes write() fail half way (EFBIG), as a full
	 * disk would: the old file must survive and the temp file go. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	sigaction(SIGXFSZ, &ign, &prev);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int rc = sf_write(path, big, sizeof(big), 0, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	sigaction(SIGXFSZ, &prev, NULL);
	assert_int_equal(rc, -EFBIG);
	assert_non_null(strstr(err, "keep.json"));
	expect_content(path, "old\n");
	listing(s->base, names, sizeof(names));
	assert_string_equal(names, "keep.json other");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dangling_and_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_regular_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dash_is_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_found_before, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_cleans_temp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
