package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fixed-rate reservation traffic through a simulated load balancer, recorded request by request, for watching a
 * cluster while nodes are killed, restarted and stopped underneath it.
 *
 * <p>Clients of a cluster reach it through a balancer that spreads requests over the nodes and, when a node's
 * connection fails before it answered anything, tries the next node. Tally makes that safe because a reservation
 * is idempotent by {@code orderId}, so this driver does the same: request {@code i} has a fixed intended send time
 * ({@code start + i / rate}, the open model of {@link OpenLoop}, so a stall shows up as latency instead of lowering
 * the load), goes first to URL {@code i mod n}, and after a refused, reset or closed connection, or no answer within
 * the attempt timeout, is sent again with the same body to the next URL after a short pause, until its deadline.
 * An HTTP answer is final: 201/200 is a success, anything else an error, as is an exhausted deadline.
 *
 * <p>Every request's outcome goes into a {@link RequestLog} so a report can cut the run at any instant; the
 * reservation ids of successes are kept so the journal can be checked for each of them afterwards.
 */
final class Timeline {

  /** How long before sending starts the schedule is fixed, so every loop is ready for the first request. */
  private static final Duration LEAD = Duration.ofMillis(200);
  private static final Duration DRAIN_MARGIN = Duration.ofSeconds(30);

  /**
   * What to send and how to behave as a balancer.
   *
   * @param rate requests per second
   * @param duration span over which the requests are scheduled
   * @param deadline time from a request's intended send time after which it counts as failed
   * @param pause wait before a request is sent to the next URL
   * @param attemptTimeout longest wait for one attempt's connection, and again for its answer
   * @param mark file that receives the start time (ms since the epoch) as sending begins, or null
   */
  record Settings(double rate, Duration duration, Duration deadline, Duration pause, Duration attemptTimeout,
      Path mark) {
  }

  /** A finished run: the usual phase figures plus every request and the order-id prefix it used. */
  record Result(PhaseResult phase, RequestLog log, String orderPrefix, long startEpochMillis) {
    String orderId(int index) {
      return orderPrefix + index;
    }
  }

  private final Vertx vertx;
  private final List<Context> loops;
  private final TallyApi api;
  private final List<Target> targets;
  private final CpuWatch cpuWatch;

  Timeline(Vertx vertx, List<Context> loops, TallyApi api, List<Target> targets, CpuWatch cpuWatch) {
    if (targets.size() > Byte.MAX_VALUE) {
      throw new IllegalArgumentException("the timeline drives at most " + Byte.MAX_VALUE + " URLs");
    }
    this.vertx = vertx;
    this.loops = loops;
    this.api = api;
    this.targets = List.copyOf(targets);
    this.cpuWatch = cpuWatch;
  }

  Result run(Settings settings, List<String> poolIds, String orderPrefix) {
    long total = (long) Math.floor(settings.rate() * settings.duration().toNanos() / 1e9);
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("the timeline holds at most " + (Integer.MAX_VALUE - 8) + " requests");
    }
    RequestLog log = new RequestLog((int) total);
    double intervalNanos = 1e9 / settings.rate();
    Instant wallNow = Instant.now();
    long nanoNow = System.nanoTime();
    long start = nanoNow + LEAD.toNanos();
    long startEpochMicros = ChronoUnit.MICROS.between(Instant.EPOCH, wallNow) + LEAD.toNanos() / 1_000;
    for (int i = 0; i < total; i++) {
      log.intendedMicros[i] = startEpochMicros + Math.round(i * intervalNanos / 1_000);
    }
    Window window = new Window(start, start, start + settings.duration().toNanos());
    CpuMeter cpu = cpuWatch.meter(window);
    mark(settings.mark(), startEpochMicros / 1_000);
    String[] paths = poolIds.stream().map(id -> "/pools/" + id + "/reservations").toArray(String[]::new);
    List<Future<Driver>> parts = new ArrayList<>();
    for (int loop = 0; loop < loops.size(); loop++) {
      Driver driver = new Driver(loop, loops.size(), (int) total, intervalNanos, start, settings, paths, orderPrefix,
          log);
      parts.add(EventLoops.on(loops.get(loop), driver::start));
    }
    Stats stats = new Stats();
    Map<String, Long> resendCauses = new TreeMap<>();
    long late = 0;
    long maxLate = 0;
    Duration limit = window.total().plus(LEAD).plus(settings.deadline()).plus(DRAIN_MARGIN);
    for (Future<Driver> part : parts) {
      Driver driver = EventLoops.await(part, limit);
      stats.merge(driver.stats);
      driver.resendCauses.forEach((cause, count) -> resendCauses.merge(cause, count, Long::sum));
      late += driver.late;
      maxLate = Math.max(maxLate, driver.maxLateNanos);
    }
    long resent = 0;
    for (int i = 0; i < log.size(); i++) {
      resent += log.resends[i];
    }
    JsonObject causes = new JsonObject();
    resendCauses.forEach(causes::put);
    JsonObject details = new JsonObject()
        .put("targetRate", settings.rate())
        .put("scheduled", total)
        .put("startEpochMillis", startEpochMicros / 1_000)
        .put("deadlineMs", settings.deadline().toMillis())
        .put("resendPauseMs", settings.pause().toMillis())
        .put("attemptTimeoutMs", settings.attemptTimeout().toMillis())
        .put("resent", resent)
        .put("resendCauses", causes)
        .put("sentLateOver1ms", late)
        .put("maxSendLagMs", maxLate / 1e6);
    return new Result(PhaseResult.of("timeline", window, stats, cpu.use(), details), log, orderPrefix,
        startEpochMicros / 1_000);
  }

  private static void mark(Path file, long epochMillis) {
    if (file == null) {
      return;
    }
    try {
      Path absolute = file.toAbsolutePath();
      Path temp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
      Files.writeString(temp, epochMillis + "\n");
      Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the start mark " + file + ": " + e.getMessage(), e);
    }
  }

  /** The requests {@code i ≡ loop (mod stride)}; every method runs on that loop. */
  private final class Driver {
    private final int stride;
    private final int total;
    private final double intervalNanos;
    private final long start;
    private final long deadlineNanos;
    private final long pauseMillis;
    private final long attemptTimeoutMillis;
    private final String[] paths;
    private final String orderPrefix;
    private final RequestLog log;
    private final Stats stats = new Stats();
    private final Map<String, Long> resendCauses = new TreeMap<>();
    private final Promise<Driver> done = Promise.promise();
    private long late;
    private long maxLateNanos;
    private int next;
    private long timer = -1;
    private int inFlight;
    private boolean scheduled;

    Driver(int loop, int stride, int total, double intervalNanos, long start, Settings settings, String[] paths,
        String orderPrefix, RequestLog log) {
      this.stride = stride;
      this.total = total;
      this.intervalNanos = intervalNanos;
      this.start = start;
      this.deadlineNanos = settings.deadline().toNanos();
      this.pauseMillis = settings.pause().toMillis();
      this.attemptTimeoutMillis = settings.attemptTimeout().toMillis();
      this.paths = paths;
      this.orderPrefix = orderPrefix;
      this.log = log;
      this.next = loop;
    }

    Future<Driver> start() {
      timer = vertx.setPeriodic(1, id -> tick());
      tick();
      return done.future();
    }

    private long intended(int index) {
      return start + (long) (index * intervalNanos);
    }

    private void tick() {
      long now = System.nanoTime();
      while (next < total) {
        long intended = intended(next);
        if (intended > now) {
          break;
        }
        long lag = now - intended;
        maxLateNanos = Math.max(maxLateNanos, lag);
        if (lag > OpenLoop.LATE_NANOS) {
          late++;
        }
        int index = next;
        int target = index % targets.size();
        log.firstTarget[index] = (byte) target;
        String path = paths[ThreadLocalRandom.current().nextInt(paths.length)];
        String body = "{\"orderId\":\"" + orderPrefix + index + "\",\"units\":1}";
        inFlight++;
        attempt(index, target, path, body);
        next += stride;
      }
      if (next >= total && !scheduled) {
        scheduled = true;
        vertx.cancelTimer(timer);
        finishIfIdle();
      }
    }

    private void attempt(int index, int target, String path, String body) {
      long due = intended(index) + deadlineNanos;
      long timeout = Math.max(1, Math.min(attemptTimeoutMillis, (due - System.nanoTime()) / 1_000_000));
      log.lastTarget[index] = (byte) target;
      Future<TallyApi.Reply> reply;
      try {
        reply = api.send(HttpMethod.POST, targets.get(target), path, Buffer.buffer(body), timeout);
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.onComplete(result -> {
        if (result.succeeded()) {
          answered(index, result.result());
          return;
        }
        String cause = Outcome.of(result.cause());
        resendCauses.merge(cause, 1L, Long::sum);
        if (System.nanoTime() + pauseMillis * 1_000_000 < due) {
          log.resends[index]++;
          int nextTarget = (target + 1) % targets.size();
          if (pauseMillis == 0) {
            attempt(index, nextTarget, path, body);
          } else {
            vertx.setTimer(pauseMillis, id -> attempt(index, nextTarget, path, body));
          }
        } else {
          finish(index, RequestLog.DEADLINE, null, "deadline exhausted, last attempt: " + cause);
        }
      });
    }

    private void answered(int index, TallyApi.Reply reply) {
      int status = reply.status();
      if (!RequestLog.okStatus(status)) {
        finish(index, status, null, TallyApi.outcome(reply));
        return;
      }
      String reservationId = null;
      try {
        reservationId = new JsonObject(reply.body()).getString("reservationId");
      } catch (RuntimeException e) {
        reservationId = null;
      }
      if (reservationId == null) {
        finish(index, RequestLog.UNREADABLE, null, status + " without a reservationId");
      } else {
        finish(index, status, reservationId, Outcome.OK);
      }
    }

    private void finish(int index, int status, String reservationId, String outcome) {
      long latency = System.nanoTime() - intended(index);
      log.latencyMicros[index] = (int) Math.min(Integer.MAX_VALUE, latency / 1_000);
      log.status[index] = (short) status;
      log.reservationIds[index] = reservationId;
      stats.latency(latency);
      if (Outcome.ok(outcome)) {
        stats.ok++;
      } else {
        stats.error(outcome);
      }
      inFlight--;
      finishIfIdle();
    }

    private void finishIfIdle() {
      if (scheduled && inFlight == 0) {
        done.tryComplete(this);
      }
    }
  }
}
