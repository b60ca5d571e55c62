package io.tally.perf;

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
  final Map<String, Long> errors = new TreeMap<>();
  long ok;
  long late;
  long maxLateNanos;

  void latency(long nanos) {
    long micros = Math.max(LOWEST_MICROS, Math.min(HIGHEST_MICROS, nanos / 1_000));
    latencyMicros.recordValue(micros);
  }

  void error(String outcome) {
    errors.merge(outcome, 1L, Long::sum);
  }

  Stats merge(Stats other) {
    latencyMicros.add(other.latencyMicros);
    other.errors.forEach((key, count) -> errors.merge(key, count, Long::sum));
    ok += other.ok;
    late += other.late;
    maxLateNanos = Math.max(maxLateNanos, other.maxLateNanos);
    return this;
  }
}
