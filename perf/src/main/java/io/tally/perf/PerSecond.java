package io.tally.perf;

import io.vertx.core.json.JsonObject;

/**
 * One wall-clock second of a timeline run: the requests whose intended send time falls in it.
 *
 * <p>Seconds are aligned to the wall clock rather than to the run's start so they line up with the instants the
 * driving script recorded (ms since the epoch) for the node it killed, restarted or stopped. Latencies are taken
 * from the intended send time and cover failed requests too, since a client waited for those as well.
 *
 * @param epochSecond the second, in seconds since the epoch
 * @param sent requests meant to start in this second
 * @param ok those answered 201 or 200
 * @param errors the rest: 4xx/5xx answers, exhausted deadlines, requests unanswered when the run ended
 * @param resent re-sends these requests needed after a connection failure
 * @param p50 median latency, ms
 * @param p99 99th percentile latency, ms
 * @param max slowest request, ms
 */
record PerSecond(long epochSecond, int sent, int ok, int errors, int resent, double p50, double p99, double max) {

  JsonObject toJson(long firstSecond) {
    return new JsonObject()
        .put("t", epochSecond - firstSecond)
        .put("epochSecond", epochSecond)
        .put("sent", sent)
        .put("ok", ok)
        .put("errors", errors)
        .put("resent", resent)
        .put("p50Ms", PhaseResult.number(p50))
        .put("p99Ms", PhaseResult.number(p99))
        .put("maxMs", PhaseResult.number(max));
  }
}
