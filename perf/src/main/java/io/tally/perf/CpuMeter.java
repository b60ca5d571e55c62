package io.tally.perf;

/**
 * Measures where the CPU went during one phase's measured span: two {@link CpuWatch} samples, one at each edge.
 *
 * <p>The generator shares the machine with the service and its database, so a throughput number is only meaningful
 * next to what each of them, and the generator itself, took away. The samples run on the watch's own thread; asking
 * for the result waits for the closing sample, or takes it at once if the span has not ended yet.
 */
final class CpuMeter {

  private final CpuWatch watch;
  private CpuWatch.Sample first;
  private CpuWatch.Sample last;

  CpuMeter(CpuWatch watch) {
    this.watch = watch;
  }

  synchronized void begin() {
    if (first == null && last == null) {
      first = watch.sample();
    }
  }

  synchronized void end() {
    if (last == null) {
      last = watch.sample();
    }
  }

  /** The CPU use over the measured span; call after the phase finished. */
  CpuUse use() {
    end();
    synchronized (this) {
      return first == null ? CpuUse.unknown(watch.names()) : CpuUse.between(first, last, watch.clockTicks());
    }
  }
}
