package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Constant-arrival-rate driver that avoids coordinated omission.
 *
 * <p>Request {@code i} has the intended send time {@code start + i / rate}, fixed in advance, and is sent when it is
 * due whether or not earlier requests have answered; latency is measured from the intended time, so when the server
 * or the generator stalls, the waiting shows up in the percentiles instead of silently lowering the offered load.
 * Requests are dealt round-robin to the loops ({@code i mod loops}).
 *
 * <p>How due requests are released is a {@link Pacing}: a 1 ms tick is cheap and good enough when the latencies are
 * tens of milliseconds, but adds up to a millisecond of the generator's own making to every request, which would
 * dominate a goal of a few milliseconds; a pacing thread then releases each request at its time. Both ways record
 * how late each request left and its latency from that moment, so the generator's share stays visible.
 *
 * <p>Latency and errors cover the requests whose intended time lies in the measured span, and those are waited
 * for even when they answer after it; the achieved rate counts successes that completed inside the span.
 */
final class OpenLoop {

  static final long LATE_NANOS = 1_000_000;

  /** How requests are released when they are due. */
  enum Pacing {
    /** A 1 ms periodic timer on every event loop sends whatever is due; a request leaves up to ~1 ms late. */
    TICK,
    /**
     * One thread sleeps until each request's intended time and hands it to its event loop: a wake-up per request,
     * and a request leaves as late as the sleep's overshoot plus the hand-off (typically well under 0.2 ms).
     */
    THREAD
  }

  private final Vertx vertx;
  private final List<Context> loops;
  private final Duration drainLimit;
  private final CpuWatch cpuWatch;

  OpenLoop(Vertx vertx, List<Context> loops, Duration drainLimit, CpuWatch cpuWatch) {
    this.vertx = vertx;
    this.loops = loops;
    this.drainLimit = drainLimit;
    this.cpuWatch = cpuWatch;
  }

  PhaseResult run(String name, double rate, Duration warmup, Duration duration, Load load) {
    return run(name, rate, warmup, duration, load, Pacing.TICK);
  }

  PhaseResult run(String name, double rate, Duration warmup, Duration duration, Load load, Pacing pacing) {
    Window window = Window.fromNow(warmup, duration);
    long total = (long) Math.floor(rate * (window.measureEnd() - window.start()) / 1e9);
    double intervalNanos = 1e9 / rate;
    CpuMeter cpu = cpuWatch.meter(window);
    List<Driver> drivers = new ArrayList<>();
    List<Future<Stats>> parts = new ArrayList<>();
    for (int loop = 0; loop < loops.size(); loop++) {
      Driver driver = new Driver(vertx, loop, loops.size(), total, intervalNanos, window, load);
      drivers.add(driver);
      parts.add(EventLoops.on(loops.get(loop), pacing == Pacing.TICK ? driver::start : driver::await));
    }
    Thread pacer = pacing == Pacing.THREAD ? Thread.ofPlatform().name("open-loop-pacer").daemon()
        .start(() -> pace(drivers, total, intervalNanos, window)) : null;
    Stats stats = new Stats();
    try {
      for (Future<Stats> part : parts) {
        stats.merge(EventLoops.await(part, window.total().plus(drainLimit)));
      }
    } finally {
      if (pacer != null) {
        pacer.interrupt();
      }
    }
    JsonObject details = new JsonObject()
        .put("targetRate", rate)
        .put("pacing", pacing.name().toLowerCase(Locale.ROOT))
        .put("scheduledIncludingWarmup", total)
        .put("sentLateOver1ms", stats.late)
        .put("maxSendLagMs", stats.maxLateNanos / 1e6)
        .put("sendLagMs", Stats.percentiles(stats.sendLagMicros))
        .put("latencyFromActualSendMs", Stats.percentiles(stats.fromSendMicros));
    return PhaseResult.of(name, window, stats, cpu.use(), details);
  }

  /** The pacing thread: releases request {@code i} on its loop at its intended time, then ends every schedule. */
  private void pace(List<Driver> drivers, long total, double intervalNanos, Window window) {
    for (long i = 0; i < total; i++) {
      long intended = window.start() + (long) (i * intervalNanos);
      for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
        LockSupport.parkNanos(wait);
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
      }
      int loop = (int) (i % drivers.size());
      Driver driver = drivers.get(loop);
      loops.get(loop).runOnContext(ignored -> driver.release(intended));
    }
    for (int loop = 0; loop < drivers.size(); loop++) {
      Driver driver = drivers.get(loop);
      loops.get(loop).runOnContext(ignored -> driver.scheduleDone());
    }
  }

  /** The share of the schedule that one event loop sends; every method runs on that loop. */
  private static final class Driver {
    private final Vertx vertx;
    private final int loop;
    private final int stride;
    private final long total;
    private final double intervalNanos;
    private final Window window;
    private final Load load;
    private final Stats stats = new Stats();
    private final Promise<Stats> done = Promise.promise();
    private long next;
    private long timer = -1;
    private int inFlight;
    private boolean scheduled;

    Driver(Vertx vertx, int loop, int stride, long total, double intervalNanos, Window window, Load load) {
      this.vertx = vertx;
      this.loop = loop;
      this.stride = stride;
      this.total = total;
      this.intervalNanos = intervalNanos;
      this.window = window;
      this.load = load;
      this.next = loop;
    }

    /** Tick pacing: sends what is due every millisecond. */
    Future<Stats> start() {
      timer = vertx.setPeriodic(1, id -> tick());
      tick();
      return done.future();
    }

    /** Thread pacing: requests arrive through {@link #release(long)}, the end through {@link #scheduleDone()}. */
    Future<Stats> await() {
      return done.future();
    }

    void release(long intended) {
      send(intended, System.nanoTime());
    }

    void scheduleDone() {
      scheduled = true;
      finishIfIdle();
    }

    private void tick() {
      long now = System.nanoTime();
      while (next < total) {
        long intended = window.start() + (long) (next * intervalNanos);
        if (intended > now) {
          break;
        }
        send(intended, now);
        next += stride;
      }
      if (next >= total && !scheduled) {
        vertx.cancelTimer(timer);
        scheduleDone();
      }
    }

    private void send(long intended, long now) {
      boolean measured = window.measures(intended);
      if (measured) {
        long lag = now - intended;
        stats.maxLateNanos = Math.max(stats.maxLateNanos, lag);
        Stats.record(stats.sendLagMicros, lag);
        if (lag > LATE_NANOS) {
          stats.late++;
        }
      }
      inFlight++;
      Future<String> request;
      try {
        request = load.call(loop, 0);
      } catch (RuntimeException e) {
        request = Future.failedFuture(e);
      }
      request.onComplete(result -> {
        long completed = System.nanoTime();
        inFlight--;
        String outcome = result.succeeded() ? result.result() : Outcome.of(result.cause());
        boolean ok = Outcome.ok(outcome);
        if (measured) {
          stats.latency(completed - intended);
          Stats.record(stats.fromSendMicros, completed - now);
          if (!ok) {
            stats.error(outcome);
          }
        }
        if (ok && window.measures(completed)) {
          stats.ok++;
        }
        finishIfIdle();
      });
    }

    private void finishIfIdle() {
      if (scheduled && inFlight == 0) {
        done.tryComplete(stats);
      }
    }
  }
}
