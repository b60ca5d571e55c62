package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Constant-arrival-rate driver that avoids coordinated omission.
 *
 * <p>Request {@code i} has the intended send time {@code start + i / rate}, fixed in advance. A 1 ms tick on every
 * event loop sends whatever is due, whether or not earlier requests have answered, and latency is measured from the
 * intended time: when the server or the generator stalls, the waiting shows up in the percentiles instead of
 * silently lowering the offered load. Requests are dealt round-robin to the loops ({@code i mod loops}).
 *
 * <p>Latency and errors cover the requests whose intended time lies in the measured span, and those are waited
 * for even when they answer after it; the achieved rate counts successes that completed inside the span.
 */
final class OpenLoop {

  static final long LATE_NANOS = 1_000_000;

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
    Window window = Window.fromNow(warmup, duration);
    long total = (long) Math.floor(rate * (window.measureEnd() - window.start()) / 1e9);
    double intervalNanos = 1e9 / rate;
    CpuMeter cpu = cpuWatch.meter(window);
    List<Future<Stats>> parts = new ArrayList<>();
    for (int loop = 0; loop < loops.size(); loop++) {
      Driver driver = new Driver(vertx, loop, loops.size(), total, intervalNanos, window, load);
      parts.add(EventLoops.on(loops.get(loop), driver::start));
    }
    Stats stats = new Stats();
    for (Future<Stats> part : parts) {
      stats.merge(EventLoops.await(part, window.total().plus(drainLimit)));
    }
    JsonObject details = new JsonObject()
        .put("targetRate", rate)
        .put("scheduledIncludingWarmup", total)
        .put("sentLateOver1ms", stats.late)
        .put("maxSendLagMs", stats.maxLateNanos / 1e6);
    return PhaseResult.of(name, window, stats, cpu.use(), details);
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

    Future<Stats> start() {
      timer = vertx.setPeriodic(1, id -> tick());
      tick();
      return done.future();
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
        scheduled = true;
        vertx.cancelTimer(timer);
        finishIfIdle();
      }
    }

    private void send(long intended, long now) {
      boolean measured = window.measures(intended);
      if (measured) {
        long lag = now - intended;
        stats.maxLateNanos = Math.max(stats.maxLateNanos, lag);
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
