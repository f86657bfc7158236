/* What every chart of `hvbench plot` shares (analysis/plot_int.h). */
#include "analysis/an_plot.h"
#include "analysis/plot_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an_util.h"

/* Labels go into data files as "..." in the label set (an_gp_put_datum). */
void ch_put_label(struct an_buf *b, const char *s)
{
	an_gp_put_datum(b, s);
}

void ch_put_val(struct an_buf *b, double v, bool log)
{
	if (isnan(v) || isinf(v) || (log && v <= 0))
		an_buf_put(b, " ?");
	else
		an_buf_printf(b, " %.10g", v);
}

char *ch_subtitle(struct an_result *const *rs, size_t nr)
{
	struct an_buf b = { 0 };

	for (size_t i = 0; i < nr && i < 4; i++) {
		const struct an_host *h = &rs[i]->host;

		an_buf_printf(&b, "%shost %s (%s%s%s%s%s), %s", i ? "; " : "",
			      h->hostname, h->backend, h->paging ? ", " : "",
			      h->paging ? h->paging : "", h->arch ? ", " : "",
			      h->arch ? h->arch : "",
			      rs[i]->started ? rs[i]->started :
					       an_basename(rs[i]->path));
	}
	if (nr > 4)
		an_buf_printf(&b, "; and %zu more", nr - 4);
	return b.oom ? (an_buf_free(&b), NULL) : b.s;
}


void ch_var(struct an_chart *ch, const char *name, const char *value)
{
	ch->extra[ch->n_extra].name = name;
	ch->extra[ch->n_extra++].value = value;
}

/* Renders and runs @ch once per requested format. */
int ch_run(struct an_plot_ctx *c, struct an_chart *ch)
{
	char stem[256], w[24], h[24], *data_path, *qtitle, *qsub, *qdata, *qunit,
		*chart;
	int ret = 0;

	snprintf(stem, sizeof(stem), "%s-%s", ch->stem, ch->name);
	if (ch->data.oom || !ch->subtitle) {
		snprintf(c->err, sizeof(c->err), "chart %s: out of memory", stem);
		return -3;
	}
	data_path = an_plot_tmpfile(&c->run, stem, ch->data.s ? ch->data.s : "",
				    ch->data.len, c->err, sizeof(c->err));
	if (!data_path)
		return -3;
	qtitle = an_gp_quote(ch->title);
	qsub = an_gp_quote(ch->subtitle);
	qdata = an_gp_quote(an_plot_rel(&c->run, data_path));
	qunit = an_gp_quote(ch->unit);
	chart = an_gp_label(stem, 0);
	snprintf(w, sizeof(w), "%u", ch->width);
	snprintf(h, sizeof(h), "%u", ch->height);
	for (int f = 0; f < 2 && !ret; f++) {
		const char *fmt = f ? "svg" : "png";
		struct an_plot_var vars[24] = {
			{ "CHART", chart ? chart : "" }, { "FORMAT", fmt },
			{ "WIDTH", w }, { "HEIGHT", h },
			{ "TITLE", qtitle ? qtitle : "''" },
			{ "SUBTITLE", qsub ? qsub : "''" },
			{ "DATA", qdata ? qdata : "''" },
			{ "UNIT", qunit ? qunit : "''" },
		};
		size_t nv = 8;
		char file[300], *out, *staged, *qout, *pro, *body, *script = NULL;

		if ((f == 0 && !c->png) || (f == 1 && !c->svg))
			continue;
		snprintf(file, sizeof(file), "%s.%s", stem, fmt);
		out = an_path_join(c->outdir, file);
		staged = out ? an_plot_staged(&c->run, out) : NULL;
		qout = staged ? an_gp_quote(an_plot_rel(&c->run, staged)) : NULL;
		vars[nv].name = "OUTPUT";
		vars[nv++].value = qout ? qout : "''";
		for (size_t i = 0; i < ch->n_extra; i++)
			vars[nv++] = ch->extra[i];
		pro = an_plot_render(an_tpl_prologue, vars, nv, c->err, sizeof(c->err));
		body = pro ? an_plot_render(ch->tpl, vars, nv, c->err, sizeof(c->err)) : NULL;
		if (body && asprintf(&script, "%s%s", pro, body) < 0)
			script = NULL;
		if (!script) {
			if (body)
				snprintf(c->err, sizeof(c->err), "out of memory");
			ret = -3;
		} else {
			ret = an_plot_exec(&c->run, stem, script, staged, out, c->err,
					   sizeof(c->err));
			if (!ret) {
				printf("wrote %s\n", out);
				c->n_written++;
			}
		}
		free(script);
		free(body);
		free(pro);
		free(qout);
		free(staged);
		free(out);
	}
	free(qtitle);
	free(qsub);
	free(qdata);
	free(qunit);
	free(chart);
	free(data_path);
	return ret;
}

void ch_free(struct an_chart *ch)
{
	an_buf_free(&ch->data);
	free(ch->subtitle);
}

unsigned ch_width_for(size_t n)
{
	size_t w = n * 70 + 300;

	return w < 1000 ? 1000 : w > 4000 ? 4000 : (unsigned)w;
}


int ch_run_stacked(struct an_plot_ctx *c, struct an_chart *ch, struct an_result *r, size_t rows,
		   size_t cols, const char *title, const char *ylabel)
{
	char ncols[24];
	int ret;

	snprintf(ncols, sizeof(ncols), "%zu", cols + 1);
	ch->title = title;
	ch->subtitle = ch_subtitle(&r, 1);
	ch->width = ch_width_for(rows * 2);
	ch_var(ch, "NCOLS", ncols);
	ch_var(ch, "YLABEL", ylabel);
	ret = ch_run(c, ch);
	ch_free(ch);
	return ret;
}
