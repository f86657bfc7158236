/* Runs gnuplot as a subprocess: template filling, temporary files, and a
 * check of its exit status, with the first error line of its stderr quoted
 * so that a broken chart is reported by name. */
#include "analysis/an_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/an_util.h"

char *an_plot_render(const char *tpl, const struct an_plot_var *vars,
		     size_t n_vars, char *err, size_t errlen)
{
	struct an_buf out = { 0 };
	const char *p = tpl, *at;

	while ((at = strchr(p, '@'))) {
		const char *end = strchr(at + 1, '@');
		size_t i, len;

		an_buf_putn(&out, p, (size_t)(at - p));
		if (!end) {
			an_buf_put(&out, at);
			p = at + strlen(at);
			break;
		}
		len = (size_t)(end - at - 1);
		for (i = 0; i < n_vars; i++)
			if (strlen(vars[i].name) == len &&
			    !strncmp(vars[i].name, at + 1, len))
				break;
		if (i == n_vars) {
			snprintf(err, errlen, "template placeholder @%.*s@ has no value",
				 (int)len, at + 1);
			an_buf_free(&out);
			return NULL;
		}
		an_buf_put(&out, vars[i].value);
		p = end + 1;
	}
	an_buf_put(&out, p);
	if (out.oom) {
		snprintf(err, errlen, "out of memory");
		an_buf_free(&out);
		return NULL;
	}
	return out.s;
}

bool an_gp_char_ok(unsigned char ch)
{
	/* Printable ASCII less the characters gnuplot gives a meaning inside
	 * or around strings: " and \ (double-quoted escapes and ends), `
	 * (command substitution), @ (macros), $ (column references). */
	return ch >= 0x20 && ch < 0x7f && !strchr("\"\\`@$", ch);
}

char *an_gp_label(const char *s, size_t max)
{
	struct an_buf b = { 0 };
	size_t n = 0;

	an_buf_put(&b, "");
	for (; s && *s; s++, n++) {
		if (max > 3 && n == max - 3 && strlen(s) > 3) {
			an_buf_put(&b, "...");
			break;
		}
		an_buf_putn(&b, an_gp_char_ok((unsigned char)*s) ? s : "_", 1);
	}
	if (b.oom) {
		an_buf_free(&b);
		return NULL;
	}
	return b.s;
}

char *an_gp_quote(const char *s)
{
	char *clean = an_gp_label(s, AN_GP_MAX_TEXT);
	struct an_buf b = { 0 };

	if (!clean)
		return NULL;
	/* A single-quoted gnuplot string has no escapes and no backtick
	 * substitution; its only special character is ' itself, doubled. */
	an_buf_put(&b, "'");
	for (const char *p = clean; *p; p++)
		an_buf_putn(&b, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
	an_buf_put(&b, "'");
	free(clean);
	if (b.oom) {
		an_buf_free(&b);
		return NULL;
	}
	return b.s;
}

void an_gp_put_datum(struct an_buf *b, const char *s)
{
	char *clean = an_gp_label(s, AN_GP_MAX_LABEL);

	/* Data files are not parsed as commands, and the label set has no "
	 * to end the field early, nor a newline to end the row. */
	an_buf_put(b, "\"");
	an_buf_put(b, clean ? clean : "?");
	an_buf_put(b, "\"");
	free(clean);
}

/* Under root, the user gnuplot runs as: $HVBENCH_TOOL_USER or "nobody".
 * gnuplot reads scripts that carry text from result files, which come from
 * other machines; a gnuplot bug or a missed escape then costs nobody's
 * rights, not root's. */
static int pick_user(struct an_plot_run *run, char *err, size_t errlen)
{
	const char *name = getenv("HVBENCH_TOOL_USER");
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (!name || !*name)
		name = "nobody";
	pw = getpwnam(name);
	if (pw && pw->pw_uid != 0 && pw->pw_gid != 0) {
		run->drop = true;
		run->uid = pw->pw_uid;
		run->gid = pw->pw_gid;
		snprintf(run->user, sizeof(run->user), "%s", name);
		return 0;
	}
	if (run->allow_root)
		return 0;
	snprintf(err, errlen,
		 "refusing to run gnuplot as root: no unprivileged user '%s' to run it as (%s); set HVBENCH_TOOL_USER to one, or pass --allow-root-tools",
		 name, !pw ? "no such user" : "it has uid or gid 0");
	return -2;
}

/*
 * The private folder: DIR (mkdtemp, then 0711) holds the scripts and data
 * root writes, readable by name only; DIR/out, owned by the tool user, is the
 * only place gnuplot can write. Root never writes into a folder another user
 * owns (a planted symlink there could aim root's write anywhere), and reads
 * the charts back from it with O_NOFOLLOW.
 */
int an_plot_run_init(struct an_plot_run *run, bool allow_root, char *err,
		     size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char out[sizeof(run->dir) + 8];
	int rc;

	memset(run, 0, sizeof(*run));
	run->allow_root = allow_root;
	run->gnuplot = getenv("HVBENCH_GNUPLOT");
	if (!run->gnuplot || !*run->gnuplot)
		run->gnuplot = "gnuplot";
	snprintf(run->dir, sizeof(run->dir), "%s/hvbench-plot.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(run->dir)) {
		snprintf(err, errlen, "%s: cannot create a temporary folder: %s",
			 run->dir, strerror(errno));
		run->dir[0] = '\0';
		return -1;
	}
	rc = pick_user(run, err, errlen);
	snprintf(out, sizeof(out), "%s/out", run->dir);
	if (!rc && (chmod(run->dir, 0711) || mkdir(out, 0700) ||
		    (run->drop && chown(out, run->uid, run->gid)))) {
		snprintf(err, errlen, "%s: cannot prepare gnuplot's folder: %s",
			 out, strerror(errno));
		rc = -1;
	}
	if (rc)
		an_plot_run_cleanup(run);
	return rc;
}

const char *an_plot_rel(const struct an_plot_run *run, const char *path)
{
	size_t n = strlen(run->dir);

	return !strncmp(path, run->dir, n) && path[n] == '/' ? path + n + 1 : path;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	remove(path);
	return 0;
}

void an_plot_run_cleanup(struct an_plot_run *run)
{
	if (!run->dir[0] || run->keep)
		return;
	nftw(run->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	run->dir[0] = '\0';
}

/* File names in the private folder keep [A-Za-z0-9._-] of @stem (others
 * become '_', at most 80): a script names them, so they carry nothing that
 * a result file's name could smuggle in. */
static void safe_name(char *out, size_t outlen, const char *stem)
{
	size_t i;

	for (i = 0; stem[i] && i < 80 && i + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)stem[i];

		out[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_' ? (char)ch : '_';
	}
	if (outlen)
		out[i] = '\0';
}

char *an_plot_tmpfile(struct an_plot_run *run, const char *stem,
		      const char *data, size_t len, char *err, size_t errlen)
{
	char name[256], *path;

	snprintf(name, sizeof(name), "%02u-", run->n_files++);
	safe_name(name + strlen(name), sizeof(name) - strlen(name), stem);
	path = an_path_join(run->dir, name);
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (an_write_file(path, data, len, false, err, errlen)) {
		free(path);
		return NULL;
	}
	return path;
}

/* The line of gnuplot's stderr that says what went wrong: the one with
 * "line N:" that is not a warning, else the first non-warning line. */
static const char *first_error(char *text, char *line, size_t len)
{
	char *save = NULL, *l;
	bool have_any = false;

	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '^' || strcasestr(l, "warning:"))
			continue;
		if (strstr(l, " line ") && strstr(l, ": ")) {
			snprintf(line, len, "%s", l);
			return line;
		}
		if (!have_any)
			snprintf(line, len, "%s", l);
		have_any = true;
	}
	return have_any ? line : NULL;
}

char *an_plot_staged(struct an_plot_run *run, const char *final)
{
	char name[300];

	snprintf(name, sizeof(name), "out/%02u-", run->n_files++);
	safe_name(name + strlen(name), sizeof(name) - strlen(name),
		  an_basename(final));
	return an_path_join(run->dir, name);
}

/* Moves a chart gnuplot drew in the private folder to its place with the
 * one safe writer: the old chart or the whole new one, never half. */
static int publish(const char *staged, const char *final, char *err,
		   size_t errlen)
{
	struct an_buf b = { 0 };
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	/* The folder belongs to the tool user under root: what is there may be
	 * a symlink to a file only root can read. Take a regular file only. */
	fd = open(staged, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read gnuplot's output: %s", staged,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -3;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		an_buf_putn(&b, chunk, (size_t)n);
	}
	close(fd);
	if (rc || b.oom) {
		snprintf(err, errlen, "%s: cannot read gnuplot's output: %s", staged,
			 strerror(rc ? -rc : ENOMEM));
		an_buf_free(&b);
		return -3;
	}
	rc = an_write_file(final, b.s ? b.s : "", b.len, false, err, errlen);
	an_buf_free(&b);
	return rc ? -3 : 0;
}

/* The forked child: stdin/stdout to /dev/null, stderr to @errfd, only
 * those three descriptors, the private folder as working directory (the
 * script names its files relative to it), and under root the tool user's
 * ids with no supplementary groups, checked before exec. */
static void __attribute__((noreturn))
child(const struct an_plot_run *run, const char *script, int errfd)
{
	int nul = open("/dev/null", O_RDWR);

	dup2(nul, 0);
	dup2(nul, 1);
	dup2(errfd, 2);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (chdir(run->dir)) {
		dprintf(2, "cannot enter %s: %s\n", run->dir, strerror(errno));
		_exit(126);
	}
	if (run->drop) {
		if (setgroups(0, NULL) || setgid(run->gid) || setuid(run->uid) ||
		    !setuid(0) || getuid() == 0 || geteuid() == 0) {
			dprintf(2, "cannot drop to user %s: %s\n", run->user,
				strerror(errno));
			_exit(126);
		}
		/* gnuplot reads $HOME/.gnuplot: not root's. */
		setenv("HOME", run->dir, 1);
	}
	execlp(run->gnuplot, run->gnuplot, an_plot_rel(run, script), (char *)NULL);
	dprintf(2, "cannot run %s: %s\n", run->gnuplot, strerror(errno));
	_exit(127);
}

int an_plot_exec(struct an_plot_run *run, const char *chart,
		 const char *script, const char *output, const char *final,
		 char *err, size_t errlen)
{
	char stem[128], *spath, *errpath = NULL, *text = NULL, line[512] = "";
	struct stat st;
	int fd, status;
	pid_t pid;

	snprintf(stem, sizeof(stem), "%s.gp", chart);
	spath = an_plot_tmpfile(run, stem, script, strlen(script), err, errlen);
	if (!spath)
		return -1;
	snprintf(stem, sizeof(stem), "%02u-gnuplot.stderr", run->n_files++);
	errpath = an_path_join(run->dir, stem);
	if (!errpath) {
		free(spath);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd = open(errpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", errpath, strerror(errno));
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child(run, spath, fd); /* does not return */
	close(fd);
	if (pid < 0) {
		snprintf(err, errlen, "chart %s: fork: %s", chart, strerror(errno));
		goto fail;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "chart %s: waitpid: %s", chart,
				 strerror(errno));
			goto fail;
		}
	}
	an_read_file(errpath, &text, NULL);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 126) {
		if (text)
			first_error(text, line, sizeof(line));
		snprintf(err, errlen, "chart %s: %s", chart,
			 line[0] ? line : "the child could not start gnuplot");
		free(text);
		free(spath);
		free(errpath);
		return -2;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen,
			 "chart %s: cannot run '%s' (install gnuplot, e.g. apt-get install gnuplot-nox, or set HVBENCH_GNUPLOT)",
			 chart, run->gnuplot);
		free(text);
		free(spath);
		free(errpath);
		return -2;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (text)
			first_error(text, line, sizeof(line));
		snprintf(err, errlen, "chart %s: gnuplot %s%s%s (script kept in %s)",
			 chart, WIFEXITED(status) ? "failed" : "was killed",
			 line[0] ? ": " : "", line, spath);
		run->keep = true;
		unlink(output); /* no half-drawn chart left behind */
		goto fail;
	}
	if (lstat(output, &st) || st.st_size == 0) {
		snprintf(err, errlen, "chart %s: gnuplot wrote no %s", chart,
			 output);
		goto fail;
	}
	if (final && publish(output, final, err, errlen)) {
		free(text);
		free(spath);
		free(errpath);
		return -3;
	}
	free(text);
	free(spath);
	free(errpath);
	return 0;
fail:
	free(text);
	free(spath);
	free(errpath);
	return -1;
}
