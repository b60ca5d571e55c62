package io.tally.perf;

/**
 * One second of a run, as {@link Chart} draws it: the requests sent in that second and how they ended.
 *
 * @param epochSecond the second, in seconds since the epoch
 * @param sent requests started in this second
 * @param ok those that succeeded
 * @param errors the rest: error answers, failed connections, timeouts
 * @param resent attempts these requests needed again on another URL
 * @param p50 median latency, ms
 * @param p99 99th percentile latency, ms
 * @param max slowest request, ms
 */
record PerSecond(long epochSecond, int sent, int ok, int errors, int resent, double p50, double p99, double max) {
}
