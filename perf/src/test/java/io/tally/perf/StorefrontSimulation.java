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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

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
 * is written to the run's {@code acknowledged.csv} for the audit. A session attribute {@code pin} sends the first
 * attempt to that URL (by index) instead of the next in turn.
 */
public abstract class StorefrontSimulation extends Simulation {

  private static final String RESERVATION_ID = "\"reservationId\":\"([^\"]+)\"";
  private static final String HOLD_ID = "\"holdId\":\"([^\"]+)\"";
  private static final String ERROR_CODE = "\"error\":\"([^\"]+)\"";
  private static final long FAST_FAILURE_NANOS = 1_000_000_000L;
  /** Every {@value}th checkout is cancelled. */
  static final int RELEASE_EVERY = LoadSettings.RESERVATIONS_PER_SECOND / LoadSettings.RELEASES_PER_SECOND;

  protected final LoadSettings settings;
  protected final StorefrontGrid grid;
  /** Tells this run's pools and orders from those of earlier runs against the same deployment. */
  protected final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final String orderPrefix = "lt-" + runId + "-";
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
    System.out.println(describe());
    try {
      prepare();
      startRun(kinds());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the run is about to do, printed first. */
  protected String describe() {
    return settings.describe();
  }

  /** The kinds of request the run reports, in order. */
  protected List<String> kinds() {
    return List.of(LoadRun.AVAILABILITY, LoadRun.RESERVE, LoadRun.RELEASE);
  }

  /**
   * Sets the deployment up before the clock starts: by default the storefront calendar, recorded first when
   * {@code -Drecord} is given.
   */
  protected void prepare() throws IOException {
    long setupStart = System.nanoTime();
    if (settings.record != null) {
      recording = new ReplayLog.Writer(settings.record);
      grid.setUp((offsetMillis, pool) -> recording.write(offsetMillis, "POST", "/pools", pool));
      recordingShiftMs = (System.nanoTime() - setupStart) / 1_000_000;
    } else {
      grid.setUp();
    }
  }

  /** Defines the reservation pools {@code ids} ({@link Pools}) on the targets. */
  protected void definePools(List<String> ids) {
    Pools.define(settings.urls, Pools.definitions(ids, Instant.now()), (offsetMillis, pool) -> { });
  }

  /** The warm-up and the measured window, at the given target rates (empty for a closed loop). */
  protected List<LoadRun.Window> warmupAndMeasured(Map<String, Double> targets) {
    List<LoadRun.Window> windows = new ArrayList<>();
    if (!settings.warmup.isZero()) {
      windows.add(new LoadRun.Window("warm-up", Duration.ZERO, settings.warmup, settings.multiple, targets));
    }
    windows.add(new LoadRun.Window("measured", settings.warmup, settings.warmup.plus(settings.duration),
        settings.multiple, targets));
    return windows;
  }

  /**
   * The measured window, then the stretches between the planned actions (before the first, after each), so a
   * failover is read window by window; {@code targets} as in {@link LoadRun.Window}.
   */
  protected List<LoadRun.Window> actionWindows(Map<String, Double> targets) {
    Duration end = settings.warmup.plus(settings.duration);
    List<LoadSettings.Action> actions = settings.actions.stream()
        .sorted(Comparator.comparing(LoadSettings.Action::at)).toList();
    List<LoadRun.Window> windows = new ArrayList<>();
    windows.add(new LoadRun.Window("measured", settings.warmup, end, settings.multiple, targets));
    Duration from = settings.warmup;
    String name = "before " + (actions.isEmpty() ? "the end" : actions.getFirst().name());
    for (LoadSettings.Action action : actions) {
      if (action.at().compareTo(from) > 0) {
        windows.add(new LoadRun.Window(name, from, action.at(), settings.multiple, targets));
      }
      from = action.at();
      name = "after " + action.name();
    }
    if (end.compareTo(from) > 0) {
      windows.add(new LoadRun.Window(name, from, end, settings.multiple, targets));
    }
    return windows;
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

  /** For arrivals (the open model): one pool of connections that every user shares, as a crowd of clients would. */
  protected HttpProtocolBuilder protocol() {
    return closedProtocol().shareConnections();
  }

  /**
   * For a closed loop: every user keeps a connection of its own per URL and sends its next request when the
   * previous one answered, so {@code -Dconcurrency} users per URL are that many requests in flight.
   */
  protected HttpProtocolBuilder closedProtocol() {
    return http.disableWarmUp().disableCaching().disableFollowRedirect()
        .contentTypeHeader("application/json").acceptHeader("application/json");
  }

  protected ScenarioBuilder availability() {
    return scenario("availability").exec(stopIfBroken()).exec(question(grid::randomQuestion));
  }

  /** One availability question, from {@code questions}, timed and recorded. */
  protected ChainBuilder question(Supplier<String> questions) {
    return exec(session -> {
      String question = questions.get();
      record("POST", "/availability", question);
      return session.set("question", question);
    })
        .exec(timed(LoadRun.AVAILABILITY, http("availability").post("#{base}/availability")
            .body(StringBody("#{question}"))
            .check(status().saveAs("status"), status().is(200)), (session, ok) -> { }));
  }

  /**
   * One reservation of one unit with a fresh order id in the pool {@code pools} names, timed and, when
   * acknowledged, written to {@code acknowledged.csv}; the session keeps {@code n}, {@code poolId} and
   * {@code reservationId}.
   */
  protected ChainBuilder reserve(Function<Long, String> pools) {
    return exec(session -> {
      long n = checkouts.incrementAndGet();
      String poolId = pools.apply(n);
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
            }));
  }

  /**
   * One basket of one unit in each pool {@code pools} names for checkout {@code n}, with a fresh order id; each item's
   * reservation in the answer is acknowledged, so the audit finds every one of them in the journal.
   */
  protected ChainBuilder basket(Function<Long, List<String>> pools) {
    return exec(session -> {
      long n = checkouts.incrementAndGet();
      StringBuilder items = new StringBuilder();
      for (String poolId : pools.apply(n)) {
        items.append(items.isEmpty() ? "" : ",").append("{\"poolId\":\"").append(poolId)
            .append("\",\"units\":1}");
      }
      String body = "{\"orderId\":\"" + orderPrefix + n + "\",\"items\":[" + items + "]}";
      return session.set("n", n).set("orderId", orderPrefix + n).set("basketBody", body);
    })
        .exec(timed(LoadRun.BASKET, http("basket").post("#{base}/baskets").body(StringBody("#{basketBody}"))
            .check(status().saveAs("status"), regex(RESERVATION_ID).findAll().optional().saveAs("reservationIds"),
                regex(ERROR_CODE).optional().saveAs("error"), status().in(200, 201)),
            (session, ok) -> {
              if (ok && session.contains("reservationIds")) {
                for (String reservationId : session.<String>getList("reservationIds")) {
                  run.reserved(session.getString("orderId"), reservationId,
                      reservationId.substring(0, reservationId.lastIndexOf('~')));
                }
              }
            }));
  }

  /** Checkouts; {@code hot} sends every one of them to the same slot. */
  protected ScenarioBuilder checkout(boolean hot) {
    return scenario(hot ? "checkout (hot slot)" : "checkout")
        .exec(stopIfBroken())
        .exec(reserve(n -> hot ? grid.hotPoolId() : grid.randomPoolId()))
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

  /**
   * Checkouts as storefronts do them: a hold of one unit for {@code ttlSeconds} in a random pool, a pause while the
   * customer pays, then, unless this customer abandons the cart (every {@code abandonEvery}th), a confirmation.
   * An abandoned hold is left to expire; a confirmed one is a reservation, acknowledged for the audit, and every
   * tenth of those is released a second later.
   */
  protected ScenarioBuilder checkoutWithHold(int ttlSeconds, Duration pay, int abandonEvery) {
    return scenario("checkout (hold, then confirm or abandon)")
        .exec(stopIfBroken())
        .exec(session -> {
          long n = checkouts.incrementAndGet();
          String poolId = grid.randomPoolId();
          String body = "{\"orderId\":\"" + orderPrefix + n + "\",\"units\":1,\"ttlSeconds\":" + ttlSeconds + "}";
          record("POST", "/pools/" + poolId + "/holds", body);
          return session.set("n", n).set("orderId", orderPrefix + n).set("poolId", poolId).set("holdBody", body);
        })
        .exec(timed(LoadRun.HOLD, http("hold").post("#{base}/pools/#{poolId}/holds").body(StringBody("#{holdBody}"))
            .check(status().saveAs("status"), regex(HOLD_ID).optional().saveAs("holdId"),
                regex(ERROR_CODE).optional().saveAs("error"), status().in(200, 201)), (session, ok) -> { }))
        .doIf(session -> session.getBoolean("ok") && session.contains("holdId")
            && session.getLong("n") % abandonEvery != 0).then(
            exec(session -> session).pause(pay)
                .exec(session -> {
                  record("POST", "/holds/" + session.getString("holdId") + "/confirm", "{}");
                  return session;
                })
                .exec(timed(LoadRun.CONFIRM, http("confirm").post("#{base}/holds/#{holdId}/confirm")
                    .body(StringBody("{}"))
                    .check(status().saveAs("status"), regex(ERROR_CODE).optional().saveAs("error"),
                        status().is(200)),
                    (session, ok) -> {
                      if (ok) {
                        run.reserved(session.getString("orderId"), session.getString("holdId"),
                            session.getString("poolId"));
                      }
                    }))
                // one in RELEASE_EVERY, counted from 1: the multiples of RELEASE_EVERY are the abandoned carts
                .doIf(session -> session.getBoolean("ok") && session.getLong("n") % RELEASE_EVERY == 1).then(
                    exec(session -> session).pause(Duration.ofSeconds(1))
                        .exec(timed(LoadRun.RELEASE, http("release").delete("#{base}/reservations/#{holdId}")
                            .check(status().saveAs("status"), regex(ERROR_CODE).optional().saveAs("error"),
                                status().is(200)),
                            (session, ok) -> {
                              if (ok) {
                                run.released(session.getString("holdId"));
                              }
                            }))));
  }

  protected ChainBuilder stopIfBroken() {
    return stopLoadGeneratorIf(session -> run.stopReason(), session -> run.stopReason() != null);
  }

  /** {@code request} with the admin token the nodes were started with, when there is one. */
  protected static HttpRequestActionBuilder asAdmin(HttpRequestActionBuilder request) {
    String authorization = Pools.adminAuthorization();
    return authorization == null ? request : request.header("Authorization", authorization);
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
      int first = session.contains("pin") ? session.getInt("pin") : (int) (picks.getAndIncrement() % urls);
      return session.markAsSucceeded().set("t0", started).set("try", 0).set("first", first).remove("status")
          .remove("error");
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
