package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.ChainBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * How long a booking made through one node takes to reach a WebSocket client of another (or of the same node,
 * given one URL): the writer is the first URL, the listener the second.
 *
 * <p>A storefront shows live availability from whichever node its client is connected to, while bookings land on
 * any node; the shopper sees a slot that is already gone until the change has crossed the cluster. Before the
 * clock starts, {@code -Dlag.samples} pools of capacity 1 (default 400) are defined through the writer in a region
 * of their own, and the listener's index shows them all. One user then opens {@code /ws/availability} on the
 * listener (its first message, the snapshot, is checked), and books the pools one at a time through the writer,
 * {@code -Dlag.rate} per second (default 20); for each it waits, up to {@code -Dlag.timeout} seconds (10), until
 * the socket says the slot is unavailable, and every second booking also polls the listener's
 * {@code POST /availability} until it shows the slot unavailable. {@link LagSamples} keeps the figures.
 */
public class ChangeLag extends StorefrontSimulation {

  /** Minutes between the starts of consecutive pools: 72 a day, so a day's answer stays small. */
  static final int SPACING_MINUTES = 20;
  private static final Duration POLL_PAUSE = Duration.ofMillis(1);
  private static final Duration INDEX_LIMIT = Duration.ofSeconds(60);
  private static final String RESERVATION_ID = "\"reservationId\":\"([^\"]+)\"";

  private final int listener;
  private final String region;
  private final LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).plusDays(1);
  private final LagSamples lag;

  public ChangeLag() {
    super("lag");
    this.listener = settings.urls.size() > 1 ? 1 : 0;
    this.region = "lag-" + runId;
    this.lag = new LagSamples(Pools.ids(region + "-", settings.lagSamples));
    Duration interval = Duration.ofNanos(Math.round(1e9 / settings.lagRate));
    URI socket = settings.urls.get(listener);
    String wsUrl = "ws://" + socket.getHost() + ":" + socket.getPort() + "/ws/availability?region=" + region
        + "&from=" + firstDay + "&to=" + lastDay().plusDays(1) + "&units=1";
    setUp(scenario("change lag")
        .exec(ws("listen").connect(wsUrl).await(settings.lagTimeout)
            .on(ws.checkTextMessage("snapshot").check(regex("\"type\":\"snapshot\""))))
        .repeat(lag.size(), "i").on(pace(interval).exec(sample()))
        .exec(processMessages())
        .exec(ws("close").close())
        .injectOpen(atOnceUsers(1)))
        .protocols(protocol().wsUnmatchedInboundMessageBufferSize(4 * lag.size() + 100));
  }

  private ChainBuilder sample() {
    long timeout = settings.lagTimeout.toNanos();
    return exec(session -> {
      int i = session.getInt("i");
      lag.sent(i);
      return session.set("poolId", lag.poolId(i)).set("orderId", "o-" + lag.poolId(i)).set("pin", 0);
    })
        .exec(timed(LoadRun.RESERVE, http("book").post("#{base}/pools/#{poolId}/reservations")
            .body(StringBody("{\"orderId\":\"#{orderId}\",\"units\":1}"))
            .check(status().saveAs("status"), regex(RESERVATION_ID).optional().saveAs("reservationId"),
                status().in(200, 201)),
            (session, ok) -> {
              int i = session.getInt("i");
              if (ok) {
                lag.acknowledged(i, System.currentTimeMillis(), System.nanoTime());
                run.reserved(session.getString("orderId"), session.getString("reservationId"),
                    session.getString("poolId"));
              } else {
                lag.failed(i, session.contains("status") ? String.valueOf(session.getInt("status")) : "no answer");
              }
            }))
        .exec(session -> session.set("deadline", System.nanoTime() + timeout))
        .doIf(session -> session.getBoolean("ok") && LagSamples.polls(session.getInt("i"))).then(
            exec(session -> session.set("pin", listener).set("question", question(session.getInt("i"))))
                .asLongAs(session -> !lag.pollShowed(session.getInt("i"))
                    && System.nanoTime() < session.getLong("deadline")).on(
                    exec(timed(LoadRun.AVAILABILITY, http("poll").post("#{base}/availability")
                        .body(StringBody("#{question}"))
                        .check(status().saveAs("status"), status().is(200), bodyString().saveAs("answer")),
                        (session, ok) -> { }))
                        .exec(session -> {
                          long now = System.nanoTime();
                          int i = session.getInt("i");
                          lag.polled(i, now, session.getBoolean("ok")
                              && showsUnavailable(session.getString("answer"), lag.poolId(i)));
                          return session.remove("answer");
                        })))
        .exec(processMessages())
        .asLongAs(session -> session.getBoolean("ok") && !lag.pushed(session.getInt("i"))
            && System.nanoTime() < session.getLong("deadline")).on(
            // A Gatling pause, not a sleep: the user's event loop must be free to read the socket's frames.
            pause(POLL_PAUSE).exec(processMessages()));
  }

  /** Hands the socket's messages received so far, with Gatling's receipt times, to {@link LagSamples}. */
  private ActionBuilder processMessages() {
    return ws.processUnmatchedMessages((messages, session) -> {
      for (WsInboundMessage message : messages) {
        if (message instanceof WsInboundMessage.Text text) {
          lag.message(text.timestamp(), text.message());
        }
      }
      return session;
    });
  }

  private Instant slotStart(int i) {
    return firstDay.atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofMinutes((long) SPACING_MINUTES * i));
  }

  private LocalDate lastDay() {
    return LocalDate.ofInstant(slotStart(lag.size() - 1), ZoneOffset.UTC);
  }

  private String question(int i) {
    LocalDate day = LocalDate.ofInstant(slotStart(i), ZoneOffset.UTC);
    return new JsonObject().put("region", region).put("from", day.toString()).put("to", day.plusDays(1).toString())
        .put("units", 1).encode();
  }

  static boolean showsUnavailable(String answer, String poolId) {
    try {
      for (Object item : new JsonObject(answer).getJsonArray("slots", new JsonArray())) {
        JsonObject slot = (JsonObject) item;
        if (poolId.equals(slot.getString("poolId"))) {
          return !slot.getBoolean("available", true);
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  protected String describe() {
    return String.format(Locale.ROOT, "%s: %d bookings at %.1f/s through %s, each timed from its 201 until a"
        + " WebSocket on %s reports the slot unavailable", settings.scenario, lag.size(), settings.lagRate,
        settings.urls.getFirst(), settings.urls.get(listener));
  }

  /** Defines the pools through the writer and waits until the listener's index shows every one available. */
  @Override
  protected void prepare() {
    List<JsonObject> definitions = new ArrayList<>();
    for (int i = 0; i < lag.size(); i++) {
      Instant start = slotStart(i);
      definitions.add(new JsonObject().put("poolId", lag.poolId(i)).put("capacity", 1)
          .put("slot", new JsonObject().put("start", start.toString())
              .put("end", start.plus(Duration.ofMinutes(SPACING_MINUTES)).toString()))
          .put("regions", new JsonArray().add(region)));
    }
    Pools.define(List.of(settings.urls.getFirst()), definitions, (offset, pool) -> { });
    String all = new JsonObject().put("region", region).put("from", firstDay.toString())
        .put("to", lastDay().plusDays(1).toString()).put("units", 1).encode();
    long deadline = System.nanoTime() + INDEX_LIMIT.toNanos();
    int shown = -1;
    while (System.nanoTime() < deadline) {
      String answer = Pools.answer(settings.urls.get(listener).resolve("/availability"), all);
      shown = answer == null ? -1 : (int) new JsonObject(answer).getJsonArray("slots").stream()
          .filter(slot -> ((JsonObject) slot).getBoolean("available", false)).count();
      if (shown == lag.size()) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    throw new IllegalStateException("the listener's index showed " + shown + " of " + lag.size()
        + " lag pools as available after " + INDEX_LIMIT.toSeconds() + " s");
  }

  @Override
  protected List<String> kinds() {
    return List.of(LoadRun.RESERVE, LoadRun.AVAILABILITY);
  }

  @Override
  protected List<LoadRun.Window> windows() {
    Duration span = Duration.ofNanos(Math.round(lag.size() / settings.lagRate * 1e9)).plus(settings.lagTimeout);
    return List.of(new LoadRun.Window("lag", Duration.ZERO, span, 1, Map.of(LoadRun.RESERVE, settings.lagRate)));
  }

  @Override
  protected JsonObject details() {
    JsonObject figures = lag.toJson(settings.lagTimeout.toMillis());
    JsonObject socket = figures.getJsonObject("socketLagMs");
    JsonObject poll = figures.getJsonObject("pollLagMs");
    return figures.put("writer", settings.urls.getFirst().toString())
        .put("listener", settings.urls.get(listener).toString()).put("region", region).put("pools", lag.size())
        .put("rate", settings.lagRate)
        .put("note", String.format(Locale.ROOT, "socket lag p50 / p99 / max %s / %s / %s ms (%d negative), polling"
            + " p50 / p99 %s / %s ms", socket.getValue("p50"), socket.getValue("p99"), socket.getValue("max"),
            figures.getLong("negativeLags"), poll.getValue("p50"), poll.getValue("p99")));
  }
}
