/* hvbench's version and the git commit it was built from, with whether the
 * tree had uncommitted changes (build/<arch>/gitrev.c, rewritten by the
 * Makefile whenever either changes, so a commit or an edit always reaches
 * --version and every result's "tool" block). */
#ifndef HVBENCH_VERSION_INFO_H
#define HVBENCH_VERSION_INFO_H

extern const char hvbench_git[];	/* short commit, or "unknown" */
extern const int hvbench_git_dirty;	/* 1 changed, 0 clean, -1 unknown */

#endif
