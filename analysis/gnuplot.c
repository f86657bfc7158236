/* Runs gnuplot as a subprocess: template filling, temporary files, and a
 * check of its exit status, with the first error line of its stderr quoted
 * so that a broken chart is reported by name. */
#include "analysis/an_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

char *an_gp_quote(const char *s)
{
	struct an_buf b = { 0 };

	an_buf_put(&b, "");
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			an_buf_putn(&b, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			an_buf_putn(&b, s, 1);
	}
	if (b.oom) {
		an_buf_free(&b);
		return NULL;
	}
	return b.s;
}

int an_plot_run_init(struct an_plot_run *run, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");

	memset(run, 0, sizeof(*run));
	run->gnuplot = getenv("HVBENCH_GNUPLOT");
	if (!run->gnuplot || !*run->gnuplot)
		run->gnuplot = "gnuplot";
	snprintf(run->dir, sizeof(run->dir), "%s/hvbench-plot.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(run->dir)) {
		snprintf(err, errlen, "%s: cannot create a temporary folder: %s",
			 run->dir, strerror(errno));
		return -1;
	}
	return 0;
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

char *an_plot_tmpfile(struct an_plot_run *run, const char *stem,
		      const char *data, size_t len, char *err, size_t errlen)
{
	char name[256], *path;

	snprintf(name, sizeof(name), "%02u-%s", run->n_files++, stem);
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

	snprintf(name, sizeof(name), "%02u-out-%s", run->n_files++,
		 an_basename(final));
	return an_path_join(run->dir, name);
}

/* Moves a chart gnuplot drew in the private folder to its place with the
 * one safe writer: the old chart or the whole new one, never half. */
static int publish(const char *staged, const char *final, char *err,
		   size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	int rc = an_read_file(staged, &data, &len);

	if (rc) {
		snprintf(err, errlen, "%s: cannot read gnuplot's output: %s",
			 staged, strerror(-rc));
		return -3;
	}
	rc = an_write_file(final, data, len, false, err, errlen);
	free(data);
	return rc ? -3 : 0;
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
	snprintf(stem, sizeof(stem), "%s.stderr", chart);
	errpath = an_path_join(run->dir, stem);
	if (!errpath) {
		free(spath);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", errpath, strerror(errno));
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(nul, 1);
		dup2(fd, 2);
		execlp(run->gnuplot, run->gnuplot, spath, (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", run->gnuplot, strerror(errno));
		_exit(127);
	}
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
	if (stat(output, &st) || st.st_size == 0) {
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
