package io.tally;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.config.HealthConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the node can still do its job, for {@code /health/live}: every event loop runs (each has a heartbeat
 * that must come within {@code health.loopBlockedMs}), and PostgreSQL answered within
 * {@code health.journalUnreachableMs}. Either failing is a reason an orchestrator's restart may cure (a loop stuck
 * in a call that never returns, a connection pool that no longer connects); the reason says which. A node that is
 * only busy stays live: a heartbeat is one timer tick, and a probe waits behind appends, never for them.
 */
final class Liveness {

  private static final Logger log = LoggerFactory.getLogger(Liveness.class);

  private final Vertx vertx;
  private final Pool sql;
  private final HealthConfig config;
  private final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
  private volatile long lastReached = System.nanoTime();
  private volatile String lastProblem = "no answer yet";
  private volatile boolean probing;
  private volatile boolean reachable = true;
  private volatile Optional<String> lastVerdict = Optional.empty();
  private long probeTimer = -1;

  private Liveness(Vertx vertx, Pool sql, HealthConfig config) {
    this.vertx = vertx;
    this.sql = sql;
    this.config = config;
  }

  /** Starts a heartbeat on each of the {@code eventLoops} loops and the database probe. */
  static Future<Liveness> start(Vertx vertx, Pool sql, HealthConfig config, int eventLoops, MeterRegistry meters) {
    Liveness liveness = new Liveness(vertx, sql, config);
    Gauge.builder("tally.live", liveness, live -> live.notLiveBecause().isEmpty() ? 1 : 0)
        .description("1 while /health/live answers 200, 0 while it answers 503").register(meters);
    // instances deployed together are given consecutive event loops, so as many as there are loops cover each one
    long period = Math.max(10, config.loopBlocked().toMillis() / 10);
    return vertx.deployVerticle(() -> new Heartbeat(liveness.heartbeats, period),
            new DeploymentOptions().setInstances(eventLoops))
        .map(deployed -> {
          liveness.probeTimer = vertx.setPeriodic(1, config.probe().toMillis(), tick -> liveness.probe());
          return liveness;
        });
  }

  void stop() {
    vertx.cancelTimer(probeTimer);
  }

  /** Why the node is not live, or empty when it is; logs each change of verdict once. */
  synchronized Optional<String> notLiveBecause() {
    long now = System.nanoTime();
    Optional<String> verdict = Optional.empty();
    for (Heartbeat heartbeat : heartbeats) {
      long silent = now - heartbeat.last;
      if (silent > config.loopBlocked().toNanos()) {
        verdict = Optional.of("event loop " + heartbeat.thread + " has not run for " + millis(silent)
            + " ms (health.loopBlockedMs is " + config.loopBlocked().toMillis() + ")");
        break;
      }
    }
    long unreachable = now - lastReached;
    if (verdict.isEmpty() && unreachable > config.journalUnreachable().toNanos()) {
      verdict = Optional.of("PostgreSQL has not answered for " + millis(unreachable) + " ms (health"
          + ".journalUnreachableMs is " + config.journalUnreachable().toMillis() + "): " + lastProblem);
    }
    if (!verdict.equals(lastVerdict)) {
      if (verdict.isPresent() && lastVerdict.isEmpty()) {
        log.warn("Not live: {}", verdict.get());
      } else if (verdict.isEmpty()) {
        log.info("Live again");
      }
      lastVerdict = verdict;
    }
    return verdict;
  }

  /** One {@code SELECT 1} at a time, each bounded by {@code health.probeMs}. */
  private void probe() {
    if (probing) {
      return;
    }
    probing = true;
    sql.query("SELECT 1").execute()
        .timeout(Math.max(config.probe().toMillis(), 1_000), TimeUnit.MILLISECONDS)
        .onComplete(done -> {
          probing = false;
          if (done.succeeded()) {
            if (!reachable) {
              log.info("PostgreSQL answers again, after {} ms", millis(System.nanoTime() - lastReached));
              reachable = true;
            }
            lastReached = System.nanoTime();
          } else {
            lastProblem = done.cause().toString();
            if (reachable) {
              log.warn("PostgreSQL does not answer: {}", lastProblem);
              reachable = false;
            }
          }
          notLiveBecause();
        });
  }

  private static long millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }

  /** A timer on one event loop, recording when it last ran. */
  private static final class Heartbeat extends VerticleBase {
    private final List<Heartbeat> all;
    private final long period;
    private volatile long last = System.nanoTime();
    private volatile String thread = "?";

    Heartbeat(List<Heartbeat> all, long period) {
      this.all = all;
      this.period = period;
    }

    @Override
    public Future<?> start() {
      thread = Thread.currentThread().getName();
      all.add(this);
      vertx.setPeriodic(period, tick -> last = System.nanoTime());
      return Future.succeededFuture();
    }
  }
}
