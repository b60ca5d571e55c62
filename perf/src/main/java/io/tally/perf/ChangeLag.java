package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long a booking made through one node takes to reach a WebSocket client of another node.
 *
 * <p>A storefront shows live availability from whichever node its client is connected to, while bookings land on
 * any node; the shopper sees a slot that is already gone until the change has crossed the cluster. This phase
 * defines pools of capacity 1 in a region of their own through the writing node, waits until a WebSocket on the
 * listening node lists them all as available, then books them one at a time at a fixed pace through the writing
 * node. Each sample is the time from the writing node's 201 (sent after the commit) until the listening socket
 * reports that slot unavailable; a socket message can beat the 201 to the client, so a lag can be negative.
 * Every second sample also asks the listening node's {@code POST /availability} over and over, each question sent
 * when the previous answered, until the slot shows unavailable: the lag a polling client sees, to within one round
 * trip (each poll's round trip is reported too). Polling only every second sample keeps the socket figures of the
 * other half free of its load, and the two halves are reported apart.
 */
final class ChangeLag {

  /** Minutes between the starts of consecutive pools: 72 a day, so a day's answer stays small. */
  static final int SPACING_MINUTES = 20;
  static final int MAX_SAMPLES = 5_000;
  private static final Duration SNAPSHOT_LIMIT = Duration.ofSeconds(60);
  private static final long SNAPSHOT_RETRY_MILLIS = 200;
  private static final long CHECK_MILLIS = 100;

  /**
   * What to do.
   *
   * @param samples bookings to time
   * @param rate bookings per second
   * @param timeout longest wait for a sample's socket message (and poll) after its 201
   */
  record Settings(int samples, double rate, Duration timeout) {
  }

  private final Vertx vertx;
  private final Context context;
  private final TallyApi api;
  private final Target writer;
  private final Target reader;
  private final CpuWatch cpuWatch;
  private final String region;
  private final LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).plusDays(1);

  ChangeLag(Vertx vertx, Context context, TallyApi api, Target writer, Target reader, String runId,
      CpuWatch cpuWatch) {
    this.vertx = vertx;
    this.context = context;
    this.api = api;
    this.writer = writer;
    this.reader = reader;
    this.cpuWatch = cpuWatch;
    this.region = runId + "-lag";
  }

  PhaseResult run(Settings settings, Duration setupLimit) {
    int n = settings.samples();
    List<String> poolIds = new ArrayList<>();
    List<JsonObject> definitions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String poolId = region + "-" + i;
      Instant start = slotStart(i);
      poolIds.add(poolId);
      definitions.add(new JsonObject().put("poolId", poolId).put("capacity", 1)
          .put("slot", new JsonObject().put("start", start.toString())
              .put("end", start.plus(Duration.ofMinutes(SPACING_MINUTES)).toString()))
          .put("regions", new JsonArray().add(region)));
    }
    long began = System.nanoTime();
    new PoolSetup(api, List.of(writer), context).define(definitions, setupLimit);
    double defineSeconds = (System.nanoTime() - began) / 1e9;
    LocalDate to = LocalDate.ofInstant(slotStart(n - 1), ZoneOffset.UTC).plusDays(1);
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxMessageSize(64 * 1024 * 1024).setConnectTimeout((int) settings.timeout().toMillis()));
    try {
      Run run = new Run(settings, poolIds);
      long snapshotBegan = System.nanoTime();
      int attempts = EventLoops.await(EventLoops.on(context, () -> run.connect(client, to)),
          SNAPSHOT_LIMIT.plusSeconds(30));
      double snapshotSeconds = (System.nanoTime() - snapshotBegan) / 1e9;
      CpuMeter cpu = new CpuMeter(cpuWatch);
      cpu.begin();
      long start = System.nanoTime();
      Duration pacing = Duration.ofNanos((long) (n / settings.rate() * 1e9));
      EventLoops.await(EventLoops.on(context, run::start), pacing.plus(settings.timeout()).plusSeconds(60));
      long end = System.nanoTime();
      cpu.end();
      return run.result(new Window(start, start, end), cpu.use(), new JsonObject()
          .put("writer", writer.toString())
          .put("listener", reader.toString())
          .put("region", region)
          .put("pools", n)
          .put("defineSeconds", Math.round(defineSeconds * 10) / 10.0)
          .put("snapshotWaitSeconds", Math.round(snapshotSeconds * 10) / 10.0)
          .put("snapshotAttempts", attempts)
          .put("targetRate", settings.rate())
          .put("timeoutMs", settings.timeout().toMillis()));
    } finally {
      EventLoops.await(client.close().recover(ignored -> Future.succeededFuture()), Duration.ofSeconds(30));
    }
  }

  private Instant slotStart(int i) {
    return firstDay.atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofMinutes((long) SPACING_MINUTES * i));
  }

  /** One measurement; every method runs on the phase's context. */
  private final class Run {
    private final Settings settings;
    private final List<String> poolIds;
    private final Map<String, Integer> index = new HashMap<>();
    private final long[] sent;
    private final long[] acknowledged;
    private final long[] pushed;
    private final long[] polled;
    private final int[] polls;
    private final boolean[] failed;
    private final boolean[] pollDone;
    private final List<Long> pollTrips = new ArrayList<>();
    private final Map<String, Long> errors = new TreeMap<>();
    private final Map<String, Long> messages = new TreeMap<>();
    private final Promise<Void> done = Promise.promise();
    private WebSocket socket;
    private boolean socketClosed;
    private final long pollLimit;
    private long start;
    private int next;

    Run(Settings settings, List<String> poolIds) {
      this.settings = settings;
      this.poolIds = poolIds;
      int n = poolIds.size();
      for (int i = 0; i < n; i++) {
        index.put(poolIds.get(i), i);
      }
      sent = new long[n];
      acknowledged = new long[n];
      pushed = new long[n];
      polled = new long[n];
      polls = new int[n];
      failed = new boolean[n];
      pollDone = new boolean[n];
      pollLimit = settings.timeout().toNanos();
    }

    /** Connects until a snapshot lists every pool as available; the attempts it took. */
    Future<Integer> connect(WebSocketClient client, LocalDate to) {
      Promise<Integer> ready = Promise.promise();
      attempt(client, to, System.nanoTime() + SNAPSHOT_LIMIT.toNanos(), 1, ready, "none yet");
      return ready.future();
    }

    private void attempt(WebSocketClient client, LocalDate to, long deadline, int attempt, Promise<Integer> ready,
        String lastProblem) {
      if (System.nanoTime() >= deadline) {
        ready.tryFail("the listening node's WebSocket did not list all " + poolIds.size() + " pools within "
            + SNAPSHOT_LIMIT.toSeconds() + " s; last: " + lastProblem);
        return;
      }
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(reader.host()).setPort(reader.port())
          .setURI(reader.path("/ws/availability?region=" + region + "&from=" + firstDay + "&to=" + to + "&units=1"))
          .setTimeout(settings.timeout().toMillis());
      client.connect(options).onComplete(connected -> {
        if (connected.failed()) {
          retry(client, to, deadline, attempt, ready, "connect: " + Outcome.of(connected.cause()));
          return;
        }
        WebSocket ws = connected.result();
        boolean[] first = {true};
        long silence = vertx.setTimer(settings.timeout().toMillis(), id -> {
          if (first[0]) {
            first[0] = false;
            ws.close();
            retry(client, to, deadline, attempt, ready, "no snapshot within " + settings.timeout().toMillis() + " ms");
          }
        });
        ws.textMessageHandler(text -> {
          long now = System.nanoTime();
          if (first[0]) {
            first[0] = false;
            vertx.cancelTimer(silence);
            String problem = snapshotProblem(text);
            if (problem == null) {
              socket = ws;
              ready.tryComplete(attempt);
            } else {
              ws.close();
              retry(client, to, deadline, attempt, ready, problem);
            }
            return;
          }
          message(text, now);
        });
        ws.closeHandler(closed -> {
          if (ws == socket) {
            socketClosed = true;
          }
        });
      });
    }

    private void retry(WebSocketClient client, LocalDate to, long deadline, int attempt, Promise<Integer> ready,
        String problem) {
      vertx.setTimer(SNAPSHOT_RETRY_MILLIS, id -> attempt(client, to, deadline, attempt + 1, ready, problem));
    }

    private String snapshotProblem(String text) {
      JsonObject snapshot;
      try {
        snapshot = new JsonObject(text);
      } catch (RuntimeException e) {
        return "the first message is not a JSON object";
      }
      if (!"snapshot".equals(snapshot.getString("type"))) {
        return "the first message is " + snapshot.getString("type") + ", not a snapshot";
      }
      JsonArray slots = snapshot.getJsonArray("slots", new JsonArray());
      int available = 0;
      for (Object item : slots) {
        JsonObject slot = (JsonObject) item;
        if (index.containsKey(slot.getString("poolId")) && slot.getBoolean("available", false)) {
          available++;
        }
      }
      return available == poolIds.size() ? null
          : "the snapshot lists " + available + " of " + poolIds.size() + " pools as available";
    }

    private void message(String text, long now) {
      JsonObject message;
      try {
        message = new JsonObject(text);
      } catch (RuntimeException e) {
        messages.merge("not JSON", 1L, Long::sum);
        return;
      }
      Integer i = index.get(message.getString("poolId"));
      boolean unavailable = "slot".equals(message.getString("type"))
          && Boolean.FALSE.equals(message.getBoolean("available")) && Boolean.TRUE.equals(message.getBoolean("open"));
      if (i == null || !unavailable) {
        messages.merge("unexpected " + message.getString("type") + (i == null ? " of another pool"
            : " available=" + message.getValue("available") + " open=" + message.getValue("open")), 1L, Long::sum);
        return;
      }
      if (pushed[i] != 0) {
        messages.merge("repeated", 1L, Long::sum);
        return;
      }
      if (sent[i] == 0) {
        messages.merge("unavailable before the booking was sent", 1L, Long::sum);
        return;
      }
      pushed[i] = now;
      messages.merge("slot unavailable", 1L, Long::sum);
    }

    Future<Void> start() {
      start = System.nanoTime();
      book();
      vertx.setPeriodic(CHECK_MILLIS, id -> {
        if (finished()) {
          vertx.cancelTimer(id);
          done.tryComplete();
        }
      });
      return done.future();
    }

    private long intended(int i) {
      return start + (long) (i * 1e9 / settings.rate());
    }

    /** Sends every booking that is due, then sleeps until the next one is. */
    private void book() {
      long now = System.nanoTime();
      while (next < poolIds.size() && intended(next) <= now) {
        reserve(next++);
      }
      if (next < poolIds.size()) {
        vertx.setTimer(Math.max(1, (intended(next) - now) / 1_000_000), id -> book());
      }
    }

    private void reserve(int i) {
      sent[i] = System.nanoTime();
      Buffer body = Buffer.buffer("{\"orderId\":\"o-" + poolIds.get(i) + "\",\"units\":1}");
      api.send(HttpMethod.POST, writer, "/pools/" + poolIds.get(i) + "/reservations", body).onComplete(result -> {
        long now = System.nanoTime();
        String outcome = result.succeeded() ? TallyApi.outcome(result.result()) : Outcome.of(result.cause());
        if (!Outcome.ok(outcome)) {
          failed[i] = true;
          errors.merge("booking " + outcome, 1L, Long::sum);
          return;
        }
        acknowledged[i] = now;
        if (i % 2 == 1) {
          poll(i);
        }
      });
    }

    private void poll(int i) {
      LocalDate day = LocalDate.ofInstant(slotStart(i), ZoneOffset.UTC);
      Buffer question = new JsonObject().put("region", region).put("from", day.toString())
          .put("to", day.plusDays(1).toString()).put("units", 1).toBuffer();
      polls[i]++;
      long asked = System.nanoTime();
      api.availability(reader, question).onComplete(result -> {
        long now = System.nanoTime();
        pollTrips.add(now - asked);
        if (result.succeeded() && result.result().status() == 200 && showsUnavailable(result.result(), i)) {
          polled[i] = now;
          pollDone[i] = true;
        } else if (now - acknowledged[i] < pollLimit) {
          poll(i);
        } else {
          pollDone[i] = true;
        }
      });
    }

    private boolean showsUnavailable(TallyApi.Reply reply, int i) {
      try {
        for (Object item : new JsonObject(reply.body()).getJsonArray("slots", new JsonArray())) {
          JsonObject slot = (JsonObject) item;
          if (poolIds.get(i).equals(slot.getString("poolId"))) {
            return !slot.getBoolean("available", true);
          }
        }
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }

    private boolean finished() {
      if (next < poolIds.size()) {
        return false;
      }
      long now = System.nanoTime();
      for (int i = 0; i < poolIds.size(); i++) {
        if (failed[i]) {
          continue;
        }
        if (acknowledged[i] == 0) {
          if (now - sent[i] < settings.timeout().toNanos() * 2 + 1_000_000_000L) {
            return false;
          }
          continue;
        }
        boolean waitingForPush = pushed[i] == 0 && now - acknowledged[i] < settings.timeout().toNanos();
        boolean waitingForPoll = i % 2 == 1 && !pollDone[i];
        if (waitingForPush || waitingForPoll) {
          return false;
        }
      }
      return true;
    }

    PhaseResult result(Window window, CpuUse cpu, JsonObject details) {
      int n = poolIds.size();
      List<Long> all = new ArrayList<>();
      List<Long> withPoll = new ArrayList<>();
      List<Long> withoutPoll = new ArrayList<>();
      List<Long> pollLags = new ArrayList<>();
      long pollCount = 0;
      long polledSamples = 0;
      long negative = 0;
      for (int i = 0; i < n; i++) {
        if (failed[i]) {
          continue;
        }
        if (acknowledged[i] == 0) {
          errors.merge("booking unanswered", 1L, Long::sum);
          continue;
        }
        if (pushed[i] == 0) {
          errors.merge("no socket message within " + settings.timeout().toMillis() + " ms of the 201", 1L, Long::sum);
        } else {
          long lag = pushed[i] - acknowledged[i];
          negative += lag < 0 ? 1 : 0;
          all.add(lag);
          (i % 2 == 1 ? withPoll : withoutPoll).add(lag);
        }
        if (i % 2 == 1) {
          pollCount += polls[i];
          polledSamples++;
          if (polled[i] == 0) {
            errors.merge("polling never showed the slot unavailable", 1L, Long::sum);
          } else {
            pollLags.add(polled[i] - acknowledged[i]);
          }
        }
      }
      if (socketClosed) {
        errors.merge("the listening socket closed during the run", 1L, Long::sum);
      }
      long[] lags = sorted(all);
      details.put("samples", lags.length)
          .put("negativeLags", negative)
          .put("socketLagMs", summary(lags))
          .put("socketLagMsSamplesNotPolled", summary(sorted(withoutPoll)))
          .put("socketLagMsSamplesPolled", summary(sorted(withPoll)))
          .put("pollLagMs", summary(sorted(pollLags)))
          .put("pollRoundTripMs", summary(sorted(pollTrips)))
          .put("pollsPerSample", polledSamples == 0 ? null : Math.round(10.0 * pollCount / polledSamples) / 10.0)
          .put("socketMessages", new JsonObject(new TreeMap<>(messages)));
      double seconds = window.seconds();
      return new PhaseResult("lag", seconds, lags.length, lags.length / seconds, lags.length,
          millis(percentile(lags, 50)), millis(percentile(lags, 99)), millis(percentile(lags, 99.9)),
          millis(lags.length == 0 ? Long.MIN_VALUE : lags[lags.length - 1]), mean(lags), Map.copyOf(errors), cpu,
          details);
    }
  }

  private static long[] sorted(List<Long> values) {
    long[] array = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(array);
    return array;
  }

  /** The nearest-rank percentile {@code p} of sorted nanoseconds, or {@link Long#MIN_VALUE} for none. */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Long.MIN_VALUE;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double millis(long nanos) {
    return nanos == Long.MIN_VALUE ? Double.NaN : nanos / 1e6;
  }

  private static double mean(long[] values) {
    return values.length == 0 ? Double.NaN : Arrays.stream(values).average().orElse(Double.NaN) / 1e6;
  }

  private static JsonObject summary(long[] sorted) {
    return new JsonObject()
        .put("samples", sorted.length)
        .put("min", PhaseResult.number(millis(sorted.length == 0 ? Long.MIN_VALUE : sorted[0])))
        .put("p50", PhaseResult.number(millis(percentile(sorted, 50))))
        .put("p90", PhaseResult.number(millis(percentile(sorted, 90))))
        .put("p99", PhaseResult.number(millis(percentile(sorted, 99))))
        .put("max", PhaseResult.number(millis(sorted.length == 0 ? Long.MIN_VALUE : sorted[sorted.length - 1])))
        .put("mean", PhaseResult.number(mean(sorted)));
  }
}
