package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The storefront mix as Gatling scenarios: availability questions, and checkouts that reserve a slot, every tenth
 * of them cancelled (released) a second later. Subclasses choose the injection (open model: arrival rates, never a
 * fixed number of looping users, so a slow service cannot slow the arrivals down and hide its own latency) and the
 * windows the run reports.
 *
 * <p>With one target URL (a load balancer, as {@code perf/load.sh} puts in front of a local cluster, or a single
 * node) every request goes there and the client retries nothing: retrying is the balancer's job. With several URLs
 * the client stands in for a balancer: each request goes to the next URL in turn and, when its connection fails at
 * once or the node answers 503, is sent again to the following one, up to once per URL; reservations carry an
 * order id and releases a reservation id, so a retried request is idempotent. The latency recorded is the
 * customer's: from the moment the request was first sent until its final answer, retries included. Every success
 * is written to the run's {@code acknowledged.csv} for the audit.
 */
public abstract class StorefrontSimulation extends Simulation {

  private static final String RESERVATION_ID = "\"reservationId\":\"([^\"]+)\"";
  private static final String ERROR_CODE = "\"error\":\"([^\"]+)\"";
  private static final long FAST_FAILURE_NANOS = 1_000_000_000L;
  /** Every {@value}th checkout is cancelled. */
  static final int RELEASE_EVERY = LoadSettings.RESERVATIONS_PER_SECOND / LoadSettings.RELEASES_PER_SECOND;

  protected final LoadSettings settings;
  protected final StorefrontGrid grid;
  private final String orderPrefix = "lt-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  private final AtomicLong checkouts = new AtomicLong();
  private final AtomicLong picks = new AtomicLong();
  private final List<AtomicInteger> inFlight;
  protected volatile LoadRun run;
  private ReplayLog.Writer recording;
  private long recordingShiftMs;

  protected StorefrontSimulation(String scenario) {
    this.settings = LoadSettings.fromSystem(scenario);
    this.grid = new StorefrontGrid(settings.urls, settings.regions, settings.days);
    this.inFlight = settings.urls.stream().map(url -> new AtomicInteger()).toList();
    System.out.println(settings.describe());
  }

  /** The windows the run reports, measured from the first arrival. */
  protected abstract List<LoadRun.Window> windows();

  /** Facts about the run for its summary, beyond the settings. */
  protected JsonObject details() {
    return new JsonObject().put("pools", grid.pools()).put("hotPool", grid.hotPoolId())
        .put("releaseEvery", RELEASE_EVERY);
  }

  @Override
  public void before() {
    long setupStart = System.nanoTime();
    try {
      if (settings.record != null) {
        recording = new ReplayLog.Writer(settings.record);
        grid.setUp((offsetMillis, pool) -> recording.write(offsetMillis, "POST", "/pools", pool));
        recordingShiftMs = (System.nanoTime() - setupStart) / 1_000_000;
      } else {
        grid.setUp();
      }
      startRun(List.of(LoadRun.AVAILABILITY, LoadRun.RESERVE, LoadRun.RELEASE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected void startRun(List<String> kinds) throws IOException {
    run = new LoadRun(settings, kinds, windows());
  }

  @Override
  public void after() {
    try {
      if (recording != null) {
        recording.close();
        System.out.println("request log recorded to " + settings.record);
      }
      run.finish(details());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * With {@code -Drecord=FILE}, writes the request about to be sent to the request log ({@link ReplayLog}); the
   * calendar's definitions come first, at the moments the setup sent them, and the traffic follows as long after
   * the setup began as it did in the recorded run.
   */
  private void record(String method, String path, String body) {
    if (recording != null) {
      recording.write(recordingShiftMs + run.elapsedMillis(), method, path,
          body == null ? null : new JsonObject(body));
    }
  }

  protected HttpProtocolBuilder protocol() {
    return http.disableWarmUp().shareConnections().disableCaching().disableFollowRedirect()
        .contentTypeHeader("application/json").acceptHeader("application/json");
  }

  protected ScenarioBuilder availability() {
    return scenario("availability")
        .exec(stopIfBroken())
        .exec(session -> {
          String question = grid.randomQuestion();
          record("POST", "/availability", question);
          return session.set("question", question);
        })
        .exec(timed(LoadRun.AVAILABILITY, http("availability").post("#{base}/availability")
            .body(StringBody("#{question}"))
            .check(status().saveAs("status"), status().is(200)), (session, ok) -> { }));
  }

  /** Checkouts; {@code hot} sends every one of them to the same slot. */
  protected ScenarioBuilder checkout(boolean hot) {
    return scenario(hot ? "checkout (hot slot)" : "checkout")
        .exec(stopIfBroken())
        .exec(session -> {
          long n = checkouts.incrementAndGet();
          String poolId = hot ? grid.hotPoolId() : grid.randomPoolId();
          record("POST", "/pools/" + poolId + "/reservations",
              "{\"orderId\":\"" + orderPrefix + n + "\",\"units\":1}");
          return session.set("n", n).set("orderId", orderPrefix + n).set("poolId", poolId);
        })
        .exec(timed(LoadRun.RESERVE, http("reserve").post("#{base}/pools/#{poolId}/reservations")
            .body(StringBody("{\"orderId\":\"#{orderId}\",\"units\":1}"))
            .check(status().saveAs("status"), regex(RESERVATION_ID).optional().saveAs("reservationId"),
                regex(ERROR_CODE).optional().saveAs("error"), status().in(200, 201)),
            (session, ok) -> {
              if (ok) {
                run.reserved(session.getString("orderId"), session.getString("reservationId"),
                    session.getString("poolId"));
              }
            }))
        .doIf(session -> session.getBoolean("ok") && session.contains("reservationId")
            && session.getLong("n") % RELEASE_EVERY == 0).then(
            exec(session -> session).pause(Duration.ofSeconds(1))
                .exec(session -> {
                  record("DELETE", "/reservations/" + session.getString("reservationId"), null);
                  return session;
                })
                .exec(timed(LoadRun.RELEASE, http("release").delete("#{base}/reservations/#{reservationId}")
                    .check(status().saveAs("status"), regex(ERROR_CODE).optional().saveAs("error"),
                        status().is(200)),
                    (session, ok) -> {
                      if (ok) {
                        run.released(session.getString("reservationId"));
                      }
                    })));
  }

  private ChainBuilder stopIfBroken() {
    return stopLoadGeneratorIf(session -> run.stopReason(), session -> run.stopReason() != null);
  }

  /**
   * Sends {@code request} as a customer would see it: timed from the first attempt, recorded with its final outcome;
   * {@code onDone} sees the session and whether it succeeded. With several URLs a failed attempt is sent again to
   * the next one, as a load balancer does, when the connection failed at once (refused or reset: the node is gone),
   * the node answered 503 or already had {@code -DmaxInFlight} requests in flight; a request that timed out is
   * not retried, since sending more work to a cluster that is already too slow to answer is how an overload becomes
   * an outage.
   */
  protected ChainBuilder timed(String kind, HttpRequestActionBuilder request,
      BiConsumer<Session, Boolean> onDone) {
    int urls = settings.urls.size();
    ChainBuilder attempts = exec(session -> session.set("again", true)).asLongAs(
        session -> session.getBoolean("again")).on(
        exec(session -> {
          int attempt = session.getInt("try");
          int target = (session.getInt("first") + attempt) % urls;
          Session next = session.markAsSucceeded().remove("status").set("try", attempt + 1)
              .set("sentAt", System.nanoTime()).set("target", target)
              .set("base", settings.urls.get(target).toString());
          if (inFlight.get(target).incrementAndGet() > settings.maxInFlight) {
            inFlight.get(target).decrementAndGet();
            return next.set("shed", true).markAsFailed();
          }
          return next.set("shed", false);
        })
            .doIf(session -> !session.getBoolean("shed")).then(
                exec(request).exec(session -> {
                  inFlight.get(session.getInt("target")).decrementAndGet();
                  return session;
                }))
            .exec(session -> session.set("again", session.isFailed() && session.getInt("try") < urls
                && retryable(session))));
    return exec(session -> {
      long started = run.now();
      run.started(kind, started);
      return session.markAsSucceeded().set("t0", started).set("try", 0)
          .set("first", (int) (picks.getAndIncrement() % urls)).remove("status").remove("error");
    })
        .exec(attempts)
        .exec(session -> {
          boolean ok = !session.isFailed();
          run.finished(kind, session.getLong("t0"), ok ? Outcome.OK : outcome(session), session.getInt("try") - 1);
          onDone.accept(session, ok);
          return session.markAsSucceeded().set("ok", ok);
        });
  }

  /**
   * A connection that failed within a second (refused, reset), a 503, or an attempt the client refused because
   * that node already had too much in flight: another node may well answer.
   */
  private static boolean retryable(Session session) {
    if (session.getBoolean("shed")) {
      return true;
    }
    if (session.contains("status")) {
      return session.getInt("status") == 503;
    }
    return System.nanoTime() - session.getLong("sentAt") < FAST_FAILURE_NANOS;
  }

  private String outcome(Session session) {
    if (session.contains("shed") && session.getBoolean("shed")) {
      return "refused by the client: " + settings.maxInFlight + " requests already in flight to that URL";
    }
    if (!session.contains("status")) {
      return "no answer (connection failed or timed out)";
    }
    String code = session.contains("error") ? " " + session.getString("error") : "";
    return session.getInt("status") + code;
  }
}
