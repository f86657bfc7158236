/* How busy the host was around a run: the 1-minute load average and the CPU
 * time other processes took over a short window, read at start and end. */
#ifndef PROBES_HOSTLOAD_H
#define PROBES_HOSTLOAD_H

#include <jansson.h>

/* Length of the /proc/stat window, in ms: long enough for jiffies (10 ms)
 * to mean something, short enough not to delay a run noticeably. */
#define HOSTLOAD_INTERVAL_MS 100

struct hostload {
	double load1;		/* /proc/loadavg, 1-minute average, runnable tasks */
	double cpus;		/* online CPUs counted in /proc/stat */
	double busy_cpus;	/* CPUs' worth of non-idle time in the window, all tasks */
	double self_cpus;	/* of which this process */
	double other_cpus;	/* busy_cpus - self_cpus: what others took */
	double interval_ms;	/* measured window, ms */
};

/* Reads both sources, sleeping @interval_ms between the two /proc/stat
 * reads. Returns 0, or -1 with errno when /proc cannot be read. */
int hostload_read(struct hostload *out, unsigned interval_ms);

/* {"load1", "cpus", "busy_cpus", "other_cpus", "interval_ms"}, or
 * {"error": "..."} when /proc could not be read: never NULL unless OOM. */
json_t *hostload_json(const struct hostload *h, int rc);

/* hostload_read + hostload_json in one call, for the run's start. */
json_t *hostload_sample(void);

/* The run's start window without waiting for it: hostload_begin reads the
 * first sample now and the second HOSTLOAD_INTERVAL_MS later on a thread of
 * its own, while the run goes on; hostload_collect waits for it (if it is
 * still open), frees @w and returns hostload_json's object (NULL: @w NULL).
 * hvbench's own CPU time, its benchmark children's included, is not
 * counted as other load. */
struct hostload_window;
struct hostload_window *hostload_begin(void);
json_t *hostload_collect(struct hostload_window *w);

/* Puts "host_load": {"start": @start} (reference taken) into the result
 * document, then "end" is added by hostload_finish right before the
 * document is finished. */
void hostload_attach(json_t *doc, json_t *start);
void hostload_finish(json_t *doc);

#endif
