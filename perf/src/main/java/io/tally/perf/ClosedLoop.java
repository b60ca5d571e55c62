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
 * Peak-throughput driver: a fixed number of lanes, each sending its next request as soon as the previous answers.
 *
 * <p>This finds the saturation rate, not user-facing latency: a closed loop slows down with the server, so its
 * latencies are those of a saturated system. Lanes are spread over the event loops and stay on theirs; a request
 * counts when it completes inside the measured span, and lanes stop issuing once the span is over. A lane whose
 * request failed without an HTTP answer pauses briefly, so a dead server yields a bounded error count.
 */
final class ClosedLoop {

  /** A lane whose request failed in transport waits this long, so a dead server is not hammered in a spin. */
  static final long FAILURE_PAUSE_MILLIS = 10;

  private final List<Context> loops;
  private final Duration drainLimit;
  private final CpuWatch cpuWatch;

  ClosedLoop(List<Context> loops, Duration drainLimit, CpuWatch cpuWatch) {
    this.loops = loops;
    this.drainLimit = drainLimit;
    this.cpuWatch = cpuWatch;
  }

  /** Lanes that loop {@code loop} of {@code loopCount} runs when {@code lanes} are spread evenly. */
  static int share(int lanes, int loopCount, int loop) {
    return lanes / loopCount + (loop < lanes % loopCount ? 1 : 0);
  }

  PhaseResult run(String name, int lanes, Duration warmup, Duration duration, Load load, JsonObject details) {
    Window window = Window.fromNow(warmup, duration);
    CpuMeter cpu = cpuWatch.meter(window);
    List<Future<Stats>> parts = new ArrayList<>();
    for (int loop = 0; loop < loops.size(); loop++) {
      int share = share(lanes, loops.size(), loop);
      if (share > 0) {
        int index = loop;
        parts.add(EventLoops.on(loops.get(loop), () -> new Driver(index, share, window, load).start()));
      }
    }
    Stats total = new Stats();
    for (Future<Stats> part : parts) {
      total.merge(EventLoops.await(part, window.total().plus(drainLimit)));
    }
    return PhaseResult.of(name, window, total, cpu.use(), details.put("lanes", lanes));
  }

  /** The lanes of one event loop; every method runs on that loop. */
  private static final class Driver {
    private final int loop;
    private final int lanes;
    private final Window window;
    private final Load load;
    private final Stats stats = new Stats();
    private final Promise<Stats> done = Promise.promise();
    private int running;

    Driver(int loop, int lanes, Window window, Load load) {
      this.loop = loop;
      this.lanes = lanes;
      this.window = window;
      this.load = load;
    }

    Future<Stats> start() {
      running = lanes;
      for (int slot = 0; slot < lanes; slot++) {
        next(slot);
      }
      return done.future();
    }

    private void next(int slot) {
      long sent = System.nanoTime();
      if (sent >= window.measureEnd()) {
        if (--running == 0) {
          done.complete(stats);
        }
        return;
      }
      Future<String> request;
      try {
        request = load.call(loop, slot);
      } catch (RuntimeException e) {
        request = Future.failedFuture(e);
      }
      request.onComplete(result -> {
        long now = System.nanoTime();
        String outcome = result.succeeded() ? result.result() : Outcome.of(result.cause());
        if (window.measures(now)) {
          stats.latency(now - sent);
          if (Outcome.ok(outcome)) {
            stats.ok++;
          } else {
            stats.error(outcome);
          }
        }
        if (result.succeeded()) {
          next(slot);
        } else {
          Vertx.currentContext().owner().setTimer(FAILURE_PAUSE_MILLIS, ignored -> next(slot));
        }
      });
    }
  }
}
