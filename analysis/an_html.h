/* Page frame shared by the HTML report and the dashboard: one inline style
 * sheet, so every page is self-contained and looks the same. */
#ifndef ANALYSIS_AN_HTML_H
#define ANALYSIS_AN_HTML_H

#include "analysis/an_util.h"

void an_html_head(struct an_buf *b, const char *title);
void an_html_foot(struct an_buf *b, const char *note);
/* "exit-cost" -> "exit-cost", "io path!" -> "io-path-": safe in ids/URLs. */
void an_html_slug(char *out, size_t len, const char *s);

struct an_result;
/* The page of `hvbench report` for @r, appended to @b. */
void an_report_html(struct an_result *r, struct an_buf *b);

#endif
