/* The report's Xentrace tables (issue 17): one per workload record that
 * ran in the guest and natively and has an exit profile (probes/xentrace.h). */
#ifndef ANALYSIS_AN_XENTRACE_H
#define ANALYSIS_AN_XENTRACE_H

struct an_buf;
struct an_result;

void an_report_xentrace(struct an_buf *b, const struct an_result *r);

#endif
