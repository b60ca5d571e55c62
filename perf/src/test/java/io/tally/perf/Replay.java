package io.tally.perf;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.doSwitch;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.onCase;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a recorded request log ({@code -Dlog=FILE}, see {@link ReplayLog}) in its original timing, or
 * {@code -Dspeed} times faster, to the target URLs: the tool a team uses to build a deployment's state before a
 * dark launch, or to replay a real day's traffic against a new version. Each request is sent at its own offset
 * (users are injected at the start of each second and wait for their exact moment); answers are checked against
 * the recorded {@code expect} status when there is one, else any 2xx. Reservations and releases are reported
 * apart from availability and from everything else, and acknowledged ones go to the audit's file as usual.
 */
public class Replay extends StorefrontSimulation {

  private static final Pattern RESERVE = Pattern.compile("^/pools/([^/]+)/reservations$");
  private static final Pattern RELEASE = Pattern.compile("^/reservations/([^/]+)$");
  private static final Pattern ORDER_ID = Pattern.compile("\"orderId\"\\s*:\\s*\"([^\"]+)\"");
  private static final String RESERVATION_ID = "\"reservationId\":\"([^\"]+)\"";

  private final List<ReplayLog.Entry> entries;
  private final long spanMs;
  private volatile long startNanos;

  public Replay() {
    super("replay");
    if (settings.replayLog == null) {
      throw new LoadSettings.Invalid("the replay needs -Dlog=FILE, a request log (see perf/README.md)");
    }
    entries = ReplayLog.read(settings.replayLog);
    spanMs = entries.getLast().offsetMs() - entries.getFirst().offsetMs();
    System.out.printf("replay: %d requests over %.1f s from %s at %.2fx speed%n", entries.size(), spanMs / 1e3,
        settings.replayLog, settings.speed);
    Iterator<ReplayLog.Entry> feed = entries.iterator();
    Iterator<Map<String, Object>> feeder = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public synchronized Map<String, Object> next() {
        ReplayLog.Entry entry = feed.next();
        return Map.of("entry", entry);
      }
    };
    setUp(scenario("replay").feed(feeder)
        .pause(session -> Duration.ofNanos(Math.max(0, dueNanos(session.get("entry")) - System.nanoTime())))
        .exec(session -> session.set("kind", kind(session.get("entry"))))
        .exec(send())
        .injectOpen(arrivals()))
        .protocols(protocol());
  }

  private long dueNanos(ReplayLog.Entry entry) {
    return startNanos + Math.round((entry.offsetMs() - entries.getFirst().offsetMs()) * 1e6 / settings.speed);
  }

  /** Users for each second's requests, injected at the start of that second. */
  private List<OpenInjectionStep> arrivals() {
    List<OpenInjectionStep> steps = new ArrayList<>();
    long first = entries.getFirst().offsetMs();
    int index = 0;
    long second = 0;
    while (index < entries.size()) {
      int count = 0;
      while (index < entries.size()
          && (long) Math.floor((entries.get(index).offsetMs() - first) / settings.speed / 1000) == second) {
        count++;
        index++;
      }
      if (count > 0) {
        steps.add(atOnceUsers(count));
      }
      if (index < entries.size()) {
        long next = (long) Math.floor((entries.get(index).offsetMs() - first) / settings.speed / 1000);
        steps.add(nothingFor(Duration.ofSeconds(next - second)));
        second = next;
      }
    }
    return steps;
  }

  private ChainBuilder send() {
    return doSwitch(session -> ((ReplayLog.Entry) session.get("entry")).method()).on(
        onCase("GET").then(request("GET")),
        onCase("POST").then(request("POST")),
        onCase("PUT").then(request("PUT")),
        onCase("PATCH").then(request("PATCH")),
        onCase("DELETE").then(request("DELETE")));
  }

  private ChainBuilder request(String method) {
    HttpRequestActionBuilder request = http("replay " + method)
        .httpRequest(method, session -> session.getString("base") + ((ReplayLog.Entry) session.get("entry")).path())
        .check(status().saveAs("status"), regex(RESERVATION_ID).optional().saveAs("reservationId"),
            status().validate("expected status", (status, session) -> {
              Integer expect = ((ReplayLog.Entry) session.get("entry")).expect();
              boolean ok = expect == null ? status >= 200 && status < 300 : status.equals(expect);
              if (!ok) {
                throw new IllegalStateException("status " + status + (expect == null ? "" : ", expected " + expect));
              }
              return status;
            }));
    if (!method.equals("GET") && !method.equals("DELETE")) {
      request = request.body(StringBody(session -> {
        String body = ((ReplayLog.Entry) session.get("entry")).body();
        return body == null ? "" : body;
      }));
    }
    // a log may hold admin requests (a pool defined or changed): the replay sends them as the operator it stands for
    return exec(session -> session).exec(timedByKind(asAdmin(request)));
  }

  /** {@link #timed} under the entry's kind, acknowledging reservations and releases that succeeded. */
  private ChainBuilder timedByKind(HttpRequestActionBuilder request) {
    List<ChainBuilder> byKind = new ArrayList<>();
    for (String kind : List.of(LoadRun.AVAILABILITY, LoadRun.RESERVE, LoadRun.RELEASE, LoadRun.REPLAY)) {
      byKind.add(exec(timed(kind, request, (session, ok) -> acknowledge(kind, session, ok))));
    }
    return doSwitch(session -> session.getString("kind")).on(
        onCase(LoadRun.AVAILABILITY).then(byKind.get(0)),
        onCase(LoadRun.RESERVE).then(byKind.get(1)),
        onCase(LoadRun.RELEASE).then(byKind.get(2)),
        onCase(LoadRun.REPLAY).then(byKind.get(3)));
  }

  private void acknowledge(String kind, Session session, boolean ok) {
    if (!ok) {
      return;
    }
    ReplayLog.Entry entry = session.get("entry");
    if (kind.equals(LoadRun.RESERVE) && session.contains("reservationId")) {
      Matcher pool = RESERVE.matcher(entry.path());
      Matcher order = ORDER_ID.matcher(entry.body() == null ? "" : entry.body());
      if (pool.matches() && order.find()) {
        run.reserved(order.group(1), session.getString("reservationId"), pool.group(1));
      }
    } else if (kind.equals(LoadRun.RELEASE)) {
      Matcher release = RELEASE.matcher(entry.path());
      if (release.matches()) {
        run.released(release.group(1));
      }
    }
  }

  private static String kind(ReplayLog.Entry entry) {
    String path = entry.path();
    if (entry.method().equals("POST") && path.equals("/availability")) {
      return LoadRun.AVAILABILITY;
    }
    if (entry.method().equals("POST") && RESERVE.matcher(path).matches()) {
      return LoadRun.RESERVE;
    }
    if (entry.method().equals("DELETE") && RELEASE.matcher(path).matches()) {
      return LoadRun.RELEASE;
    }
    return LoadRun.REPLAY;
  }

  @Override
  public void before() {
    try {
      startRun(List.of(LoadRun.AVAILABILITY, LoadRun.RESERVE, LoadRun.RELEASE, LoadRun.REPLAY));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    startNanos = System.nanoTime();
  }

  @Override
  protected List<LoadRun.Window> windows() {
    return List.of(new LoadRun.Window("replay", Duration.ZERO,
        Duration.ofMillis(Math.round(spanMs / settings.speed) + 1000), settings.speed));
  }

  @Override
  protected JsonObject details() {
    return new JsonObject().put("requests", entries.size()).put("recordedSeconds", spanMs / 1e3)
        .put("log", settings.replayLog.toString()).put("speed", settings.speed);
  }
}
