package io.tally.perf;

import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;

/**
 * Measures how many cores this process burned during a phase's measured span.
 *
 * <p>The generator shares the machine with the service, so a throughput number is only meaningful next to what
 * the generator itself took away; timers on the window's edges take the two samples.
 */
final class CpuMeter {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private volatile long cpuStart = -1;
  private volatile long wallStart;
  private volatile long cpuEnd = -1;
  private volatile long wallEnd;

  static CpuMeter over(Vertx vertx, Window window) {
    CpuMeter meter = new CpuMeter();
    long now = System.nanoTime();
    at(vertx, window.measureStart() - now, meter::begin);
    at(vertx, window.measureEnd() - now, meter::end);
    return meter;
  }

  private static void at(Vertx vertx, long delayNanos, Runnable action) {
    long delayMillis = delayNanos / 1_000_000;
    if (delayMillis < 1) {
      action.run();
    } else {
      vertx.setTimer(delayMillis, id -> action.run());
    }
  }

  private void begin() {
    wallStart = System.nanoTime();
    cpuStart = OS.getProcessCpuTime();
  }

  private void end() {
    if (cpuEnd < 0) {
      wallEnd = System.nanoTime();
      cpuEnd = OS.getProcessCpuTime();
    }
  }

  /** Cores used on average over the measured span; call after the phase finished. */
  double cores() {
    end();
    if (cpuStart < 0 || wallEnd <= wallStart) {
      return Double.NaN;
    }
    return (double) (cpuEnd - cpuStart) / (wallEnd - wallStart);
  }
}
