package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one event loop observed during a phase; merged across loops when the phase ends.
 *
 * <p>Each loop owns its instance and touches it only from its own thread, which keeps recording free of locks and
 * atomics on the hot path.
 */
final class Stats {

  static final long LOWEST_MICROS = 1;
  static final long HIGHEST_MICROS = 60_000_000;

  final Histogram latencyMicros = new Histogram(LOWEST_MICROS, HIGHEST_MICROS, 3);
  /** Open loops only: latency from the moment a request was actually sent, and how late that was. */
  final Histogram fromSendMicros = new Histogram(LOWEST_MICROS, HIGHEST_MICROS, 3);
  final Histogram sendLagMicros = new Histogram(LOWEST_MICROS, HIGHEST_MICROS, 3);
  final Map<String, Long> errors = new TreeMap<>();
  long ok;
  long late;
  long maxLateNanos;

  void latency(long nanos) {
    record(latencyMicros, nanos);
  }

  static void record(Histogram histogram, long nanos) {
    histogram.recordValue(Math.max(LOWEST_MICROS, Math.min(HIGHEST_MICROS, nanos / 1_000)));
  }

  /** {@code {"p50": …, "p99": …, "p999": …, "max": …}} in milliseconds, or nulls when nothing was recorded. */
  static JsonObject percentiles(Histogram histogram) {
    boolean empty = histogram.getTotalCount() == 0;
    return new JsonObject()
        .put("p50", empty ? null : histogram.getValueAtPercentile(50) / 1e3)
        .put("p99", empty ? null : histogram.getValueAtPercentile(99) / 1e3)
        .put("p999", empty ? null : histogram.getValueAtPercentile(99.9) / 1e3)
        .put("max", empty ? null : histogram.getMaxValue() / 1e3);
  }

  void error(String outcome) {
    errors.merge(outcome, 1L, Long::sum);
  }

  Stats merge(Stats other) {
    latencyMicros.add(other.latencyMicros);
    fromSendMicros.add(other.fromSendMicros);
    sendLagMicros.add(other.sendLagMicros);
    other.errors.forEach((key, count) -> errors.merge(key, count, Long::sum));
    ok += other.ok;
    late += other.late;
    maxLateNanos = Math.max(maxLateNanos, other.maxLateNanos);
    return this;
  }
}
