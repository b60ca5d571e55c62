package io.tally.replay;

import io.tally.contract.StoredForm;
import io.tally.pool.Ids;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.tally.replay.RequestLog.Entry;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Sends a {@link RequestLog} to a deployment, one request after the other in time order, so that its pools end up
 * with what the system of record asked for, and says for each request whether it was applied, was already there, or
 * was refused.
 *
 * <p>Replaying a log twice changes nothing the second time. A reservation is idempotent by its order while it is
 * live, but an order whose reservation was released would be reserved again; so before the first request for a
 * pool, the replay reads the pool's history (the admin route) and replays it. The log's nth reservation of an order
 * is already there when the pool ever gave that order n reservations or holds, and a release is already there when
 * its reservation was issued and is no longer live; neither is sent. Definitions are idempotent as they are (the
 * same definition again answers 200). A request that was refused is asked again on a second run, against the pool
 * as it is then.
 *
 * <p>A request the deployment cannot answer just now (503, or no connection) is sent again with backoff for up to
 * {@link Options#retryFor}; after that the replay stops at that line, and running it again carries on where it
 * stopped without applying anything twice. Reads in the log are counted and not sent.
 */
public final class Replay {

  private static final int HISTORY_PAGE = 1_000;
  private static final int EXAMPLES = 20;
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);

  /**
   * @param target the deployment's base URL ({@code http://host:port}; {@code https} for TLS)
   * @param token the admin bearer token, sent with every request (histories and definitions need it)
   * @param speed 0 to send each request as soon as the one before is answered; otherwise the log's timing divided
   *     by it (2: twice as fast), never earlier than the request before was answered
   * @param retryFor how long one request is sent again while the deployment cannot answer it
   * @param progress where a line of progress goes every two seconds, and the summary at the end
   */
  public record Options(URI target, Optional<String> token, double speed, Duration retryFor, PrintStream progress) {
  }

  /**
   * What a replay did: requests in the log, how many were applied, already there, refused (by error code, with
   * examples), and reads skipped; {@code stoppedAt} names the line it stopped at, with why, when it did not finish.
   */
  public record Report(int requests, int applied, int alreadyThere, int refused, int reads,
      Map<String, Integer> refusedBy, List<String> refusedExamples, String stoppedAt, String stopReason) {

    public boolean finished() {
      return stoppedAt == null;
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("finished", finished()).put("requests", requests)
          .put("applied", applied).put("alreadyThere", alreadyThere).put("refused", refused).put("reads", reads)
          .put("refusedBy", new JsonObject(new TreeMap<>(refusedBy))).put("refusedExamples",
              new JsonArray(refusedExamples));
      if (stoppedAt != null) {
        json.put("stoppedAt", stoppedAt).put("stopReason", stopReason);
      }
      return json;
    }
  }

  /**
   * A pool as the replay knows it: the ids live in it, how many it ever issued, how many reservations (and holds)
   * each order ever had there, and how many reservations of each order the log asked for so far.
   */
  private static final class Known {
    private final Set<String> live = new HashSet<>();
    private final Map<String, Integer> taken = new HashMap<>();
    private final Map<String, Integer> asked = new HashMap<>();
    private long issued;
    private boolean exists;
  }

  /** The deployment's answer to one request. */
  private record Answer(int status, JsonObject body) {
    String error() {
      return body.getString("error", "status_" + status);
    }
  }

  /** The replay stops: the deployment could not answer a request within the retry time, or answered with a fault. */
  private static final class Stopped extends RuntimeException {
    Stopped(String message) {
      super(message);
    }
  }

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final Options options;
  /** The JDK's client: a command-line tool that sends one request at a time has no use for an event loop. */
  private final HttpClient http;
  private final Map<String, Known> pools = new HashMap<>();
  private final Map<String, Integer> refusedBy = new TreeMap<>();
  private final List<String> refusedExamples = new ArrayList<>();
  private int applied;
  private int alreadyThere;
  private int refused;
  private int reads;

  private Replay(Options options, HttpClient http) {
    this.options = options;
    this.http = http;
  }

  /** Replays {@code entries} against the deployment; blocks until done, so never call it on an event loop. */
  public static Report run(Options options, List<Entry> entries) {
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT).build()) {
      return new Replay(options, http).all(entries);
    }
  }

  private Report all(List<Entry> entries) {
    long start = System.nanoTime();
    long nextProgress = start + PROGRESS_EVERY.toNanos();
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      pace(start, entry);
      try {
        one(entry);
      } catch (Stopped stopped) {
        Report report = report(entries.size(), entry.where(), stopped.getMessage());
        options.progress().printf("Stopped at %s after %d of %d requests: %s%n", entry.where(), i, entries.size(),
            stopped.getMessage());
        summary(report);
        return report;
      }
      if (System.nanoTime() >= nextProgress) {
        nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
        options.progress().printf("Replayed %d of %d requests (%d %%): %s%n", i + 1, entries.size(),
            (i + 1) * 100L / entries.size(), counts());
      }
    }
    Report report = report(entries.size(), null, null);
    summary(report);
    return report;
  }

  private void pace(long start, Entry entry) {
    if (options.speed() <= 0) {
      return;
    }
    long due = start + (long) (entry.offsetMs() * 1_000_000 / options.speed());
    long waitMs = (due - System.nanoTime()) / 1_000_000;
    if (waitMs > 0) {
      pause(waitMs);
    }
  }

  private void one(Entry entry) {
    switch (entry.kind()) {
      case READ -> reads++;
      case DEFINE -> {
        Answer answer = send(entry, entry.method(), entry.path(), entry.body());
        if (answer.status() == 201) {
          applied++;
          Known known = new Known();
          known.exists = true;
          pools.put(entry.poolId(), known);
        } else {
          classify(entry, answer, 200);
          pools.remove(entry.poolId()); // read again when next needed
        }
      }
      case RESERVE -> {
        Known known = known(entry);
        int nth = known.asked.merge(entry.orderId(), 1, Integer::sum);
        if (nth <= known.taken.getOrDefault(entry.orderId(), 0)) {
          // the order's nth reservation is there, live or released since: sent again, it would be reserved again
          alreadyThere++;
          return;
        }
        Answer answer = send(entry, entry.method(), entry.path(), entry.body());
        if (answer.status() == 201 || answer.status() == 200) {
          known.taken.merge(entry.orderId(), 1, Integer::sum);
          String id = answer.body().getString("reservationId");
          if (id != null) {
            known.live.add(id);
            Ids.parseReservation(id).ifPresent(number -> known.issued = Math.max(known.issued, number.number()));
          }
        }
        if (answer.status() == 201) {
          applied++;
        } else {
          classify(entry, answer, 200);
        }
      }
      case RELEASE -> {
        Known known = known(entry);
        long number = Ids.parseReservation(entry.reservationId()).orElseThrow().number();
        if (known.exists && !known.live.contains(entry.reservationId()) && number <= known.issued) {
          alreadyThere++; // released, or voided by a reset, before
          return;
        }
        Answer answer = send(entry, entry.method(), entry.path(), null);
        if (answer.status() == 200) {
          applied++;
          known.live.remove(entry.reservationId());
        } else {
          classify(entry, answer, -1);
        }
      }
    }
  }

  /** An answer other than "applied": {@code already} means it was there already, any other 4xx a refusal. */
  private void classify(Entry entry, Answer answer, int already) {
    if (answer.status() == already) {
      alreadyThere++;
      return;
    }
    refused++;
    refusedBy.merge(answer.error(), 1, Integer::sum);
    if (refusedExamples.size() < EXAMPLES) {
      refusedExamples.add(entry.where() + ": " + entry.method() + " " + entry.path() + " -> " + answer.status() + " "
          + answer.error());
    }
  }

  /** What the deployment holds of the entry's pool, read once from its history. */
  private Known known(Entry entry) {
    Known known = pools.get(entry.poolId());
    if (known != null) {
      return known;
    }
    known = new Known();
    List<PoolEvent> events = new ArrayList<>();
    long after = 0;
    String base = "/pools/" + URLEncoder.encode(entry.poolId(), StandardCharsets.UTF_8) + "/events?limit="
        + HISTORY_PAGE + "&after=";
    while (true) {
      Answer page = send(entry, "GET", base + after, null);
      if (page.status() == 404) {
        break; // no such pool: its requests are sent and refused
      }
      if (page.status() != 200) {
        throw new Stopped("the history of pool " + entry.poolId() + " could not be read: " + page.status() + " "
            + page.error() + (page.status() == 401 ? " (the replay needs the admin token: TALLY_ADMIN_TOKEN)" : ""));
      }
      known.exists = true;
      for (Object item : page.body().getJsonArray("events")) {
        JsonObject event = (JsonObject) item;
        events.add(StoredForm.decode(event.getString("type"), event.getJsonObject("payload").encode()));
      }
      Long next = page.body().getLong("next");
      if (next == null) {
        break;
      }
      after = next;
    }
    Pool pool = PoolDecider.replay(null, events);
    if (pool != null) {
      known.live.addAll(pool.reservations().keySet());
      known.live.addAll(pool.holds().keySet());
      known.issued = pool.reservationsIssued();
    }
    for (PoolEvent event : events) {
      switch (event) {
        case PoolEvent.CapacityReserved reserved -> known.taken.merge(reserved.orderId(), 1, Integer::sum);
        case PoolEvent.HoldPlaced placed -> known.taken.merge(placed.orderId(), 1, Integer::sum);
        default -> {
        }
      }
    }
    pools.put(entry.poolId(), known);
    return known;
  }

  /** Sends a request, again while the deployment cannot answer it, until {@link Options#retryFor} has passed. */
  private Answer send(Entry entry, String method, String path, JsonObject body) {
    long deadline = System.nanoTime() + options.retryFor().toNanos();
    long backoffMs = 50;
    String last;
    while (true) {
      try {
        Answer answer = attempt(method, path, body);
        if (answer.status() < 500) {
          return answer;
        }
        if (answer.status() != 503) {
          throw new Stopped(method + " " + path + " answered " + answer.status() + " " + answer.error());
        }
        last = "503 " + answer.error();
      } catch (Stopped stopped) {
        throw stopped;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Stopped("interrupted");
      } catch (IOException | RuntimeException e) { // no connection, a reset, a timeout
        last = e.getMessage() == null ? e.toString() : e.getMessage();
      }
      if (System.nanoTime() + backoffMs * 1_000_000 > deadline) {
        throw new Stopped(method + " " + path + " could not be delivered within " + options.retryFor().toSeconds()
            + " s (" + last + "); running the replay again carries on from here");
      }
      pause(backoffMs);
      backoffMs = Math.min(1_000, backoffMs * 2);
    }
  }

  /** One request, answered or failed within {@link #REQUEST_TIMEOUT}. */
  private Answer attempt(String method, String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(options.target().resolve(path)).timeout(REQUEST_TIMEOUT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    options.token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), json(response.body()));
  }

  private static JsonObject json(String text) {
    try {
      return text.isEmpty() ? new JsonObject() : new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject().put("error", "not_json");
    }
  }

  /** Waits between sends: pacing to the log's timing, or backing off from a deployment that cannot answer. */
  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Stopped("interrupted");
    }
  }

  private Report report(int requests, String stoppedAt, String reason) {
    return new Report(requests, applied, alreadyThere, refused, reads, Map.copyOf(refusedBy),
        List.copyOf(refusedExamples), stoppedAt, reason);
  }

  private String counts() {
    return applied + " applied, " + alreadyThere + " already there, " + refused + " refused, " + reads
        + " reads skipped";
  }

  private void summary(Report report) {
    options.progress().printf("%s %d requests: %s%n", report.finished() ? "Replayed" : "Stopped after some of",
        report.requests(), counts());
    report.refusedBy().forEach((code, n) -> options.progress().printf("  refused %s: %d%n", code, n));
    report.refusedExamples().forEach(example -> options.progress().println("  " + example));
  }
}
