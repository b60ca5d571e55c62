package io.tally.perf;

import java.time.Duration;

/**
 * The timeline of one phase on the {@link System#nanoTime()} clock: warm-up from {@code start}, measurement from
 * {@code measureStart} until {@code measureEnd}.
 *
 * <p>Only events that fall inside the measured span are counted, so the warm-up and the drain of requests still in
 * flight at the end never inflate or dilute a rate.
 *
 * @param start when the phase starts sending
 * @param measureStart first instant that counts
 * @param measureEnd first instant that no longer counts
 */
record Window(long start, long measureStart, long measureEnd) {

  static Window fromNow(Duration warmup, Duration duration) {
    long start = System.nanoTime();
    long measureStart = start + warmup.toNanos();
    return new Window(start, measureStart, measureStart + duration.toNanos());
  }

  boolean measures(long nanos) {
    return nanos >= measureStart && nanos < measureEnd;
  }

  double seconds() {
    return (measureEnd - measureStart) / 1e9;
  }

  Duration total() {
    return Duration.ofNanos(measureEnd - start);
  }
}
