/* `hvbench dashboard --db URL -o SITE`: the dashboard's site built from
 * the results store's runs instead of a folder of files — the same pages
 * (analysis/dashboard*.c), every stored run read from its document. */
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/an.h"
#include "analysis/an_dash.h"

static int fill(struct dash *d, void *arg, char *err, size_t errlen)
{
	struct db *db = arg;
	long long *ids;
	size_t n;
	int ret = 0;

	if (db_run_ids(db, &ids, &n, err, errlen))
		return -1;
	for (size_t i = 0; i < n && !ret; i++) {
		json_t *doc = db_run_doc(db, ids[i], false, err, errlen);
		char rel[48];

		if (!doc) {
			ret = -1;
			break;
		}
		snprintf(rel, sizeof(rel), "run %lld", ids[i]);
		ret = an_dash_add(d, rel, rel, doc, err, errlen);
	}
	free(ids);
	return ret;
}

static json_t *reload(void *arg, const struct dash_file *f, char *err,
		      size_t errlen)
{
	long long id;

	if (sscanf(f->rel, "run %lld", &id) != 1) {
		snprintf(err, errlen, "%s: not a stored run", f->rel);
		return NULL;
	}
	return db_run_doc(arg, id, true, err, errlen);
}

int cmd_dashboard(int argc, char **argv)
{
	struct dash d = { 0 };
	const char *url;
	struct db *db;
	char err[1024];
	int rc = an_dash_args(argc, argv, &d, &url);

	if (rc >= 0)
		return rc;
	if (!url)
		return an_dash_build(&d, NULL, NULL);
	rc = db_open(url, 0, &db, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "dashboard: %s\n", err);
		return rc == -2 ? AN_EXIT_USAGE : AN_EXIT_INPUT;
	}
	d.reload = reload;
	d.reload_arg = db;
	rc = an_dash_build(&d, fill, db);
	db_close(db);
	return rc;
}
