package io.tally.perf;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * How fast the operator console's socket delivers changes with many consoles open: opens {@code --consoles}
 * {@code /ws/console} sockets to one node (each sends the admin token and waits for its board), then makes
 * {@code --changes} reservations over HTTP, {@code --rate} a second, on pools of that board, and records for every
 * console the time from sending each reservation to that console receiving the pool's change. The delay counts the
 * reservation's own commit, so it is an upper bound of the fan-out's. Prints p50, p99, p99.9 and max in ms, and
 * whether every console got every change.
 *
 * <pre>
 * java -jar tally-perf.jar console-fanout --url http://127.0.0.1:8080 [--consoles 200] [--changes 1000] [--rate 50]
 * </pre>
 * The admin token comes from {@code TALLY_ADMIN_TOKEN}.
 */
final class ConsoleFanout {

  private static final int POOLS = 12;

  private ConsoleFanout() {
  }

  static int main(String[] args) {
    Map<String, String> options = new java.util.HashMap<>(Map.of("--consoles", "200", "--changes", "1000",
        "--rate", "50"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    if (!options.containsKey("--url") || System.getenv("TALLY_ADMIN_TOKEN") == null) {
      System.err.println("console-fanout needs --url http://HOST:PORT and TALLY_ADMIN_TOKEN");
      return 2;
    }
    URI url = URI.create(options.get("--url"));
    int consoles = Integer.parseInt(options.get("--consoles"));
    int changes = Integer.parseInt(options.get("--changes"));
    int rate = Integer.parseInt(options.get("--rate"));
    String token = System.getenv("TALLY_ADMIN_TOKEN");
    Vertx vertx = Vertx.vertx();
    try {
      return run(vertx, url, token, consoles, changes, rate);
    } finally {
      vertx.close().await();
    }
  }

  private static int run(Vertx vertx, URI url, String token, int consoles, int changes, int rate) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(url.getHost())
        .setDefaultPort(url.getPort()));
    String region = "fanout-" + Long.toString(System.currentTimeMillis(), 36);
    LocalDate day = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    for (int p = 0; p < POOLS; p++) {
      JsonObject pool = new JsonObject().put("poolId", region + "-" + p).put("capacity", 1_000_000)
          .put("slot", new JsonObject().put("start", day + "T" + String.format("%02d", 6 + p) + ":00:00Z")
              .put("end", day + "T" + String.format("%02d", 7 + p) + ":00:00Z"))
          .put("regions", new JsonArray().add(region));
      int status = send(http, token, HttpMethod.POST, "/pools", pool);
      if (status != 201) {
        System.err.println("console-fanout: defining a pool answered " + status);
        return 1;
      }
    }
    // the board is read from the node's index, which learns of new pools with its next catch-up
    String boardPath = "/console/board?region=" + region + "&from=" + day + "&to=" + day.plusDays(1);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (boardSize(http, token, boardPath) < POOLS) {
      if (System.nanoTime() > deadline) {
        System.err.println("console-fanout: the board did not show the pools within 30 s");
        return 1;
      }
      vertx.timer(100).await();
    }

    Map<String, Long> sentAt = new ConcurrentHashMap<>(); // poolId + seq -> when its reservation was sent
    Histogram delays = new ConcurrentHistogram(3_600_000_000L, 3);
    AtomicLong delivered = new AtomicLong();
    List<WebSocket> sockets = new ArrayList<>();
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(consoles));
    String socketPath = "/ws/console?region=" + region + "&from=" + day + "&to=" + day.plusDays(1);
    List<Future<Void>> boards = new ArrayList<>();
    for (int c = 0; c < consoles; c++) {
      io.vertx.core.Promise<Void> board = io.vertx.core.Promise.promise();
      boards.add(board.future());
      WebSocket socket = client.connect(url.getPort(), url.getHost(), socketPath).await();
      socket.textMessageHandler(text -> {
        long now = System.nanoTime();
        JsonObject message = new JsonObject(text);
        if ("board".equals(message.getString("type"))) {
          board.tryComplete();
        } else if ("pool".equals(message.getString("type"))) {
          Long sent = sentAt.get(message.getString("poolId") + "#" + message.getLong("seq"));
          if (sent != null) {
            delays.recordValue(Math.max(0, now - sent) / 1_000);
            delivered.incrementAndGet();
          }
        }
      });
      socket.writeTextMessage(new JsonObject().put("token", token).encode());
      sockets.add(socket);
    }
    Future.all(boards).await();
    System.out.printf("console-fanout: %d consoles open, each with its board of %d pools%n", consoles, POOLS);

    long intervalNanos = 1_000_000_000L / rate;
    long start = System.nanoTime();
    long[] seqs = new long[POOLS];
    for (int p = 0; p < POOLS; p++) {
      seqs[p] = 1; // each pool's definition
    }
    for (int i = 0; i < changes; i++) {
      long due = start + i * intervalNanos;
      long wait = (due - System.nanoTime()) / 1_000_000;
      if (wait > 0) {
        vertx.timer(wait).await();
      }
      int p = i % POOLS;
      String poolId = region + "-" + p;
      sentAt.put(poolId + "#" + (++seqs[p]), System.nanoTime());
      // one reservation per request, one pool at a time in turn: each is its pool's next seq
      int status = send(http, token, HttpMethod.POST, "/pools/" + poolId + "/reservations",
          new JsonObject().put("orderId", "o-" + i).put("units", 1));
      if (status != 201) {
        System.err.println("console-fanout: a reservation answered " + status);
        return 1;
      }
    }
    long expected = (long) changes * consoles;
    deadline = System.nanoTime() + 30_000_000_000L;
    while (delivered.get() < expected && System.nanoTime() < deadline) {
      vertx.timer(50).await();
    }
    sockets.forEach(WebSocket::close);
    System.out.printf("console-fanout: %d consoles x %d changes at %d/s: delivered %d of %d; send to receipt"
            + " p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%n", consoles, changes, rate, delivered.get(),
        expected, delays.getValueAtPercentile(50) / 1000.0, delays.getValueAtPercentile(99) / 1000.0,
        delays.getValueAtPercentile(99.9) / 1000.0, delays.getMaxValue() / 1000.0);
    return delivered.get() == expected ? 0 : 1;
  }

  private static int send(HttpClient http, String token, HttpMethod method, String path, JsonObject body) {
    return http.request(new RequestOptions().setMethod(method).setURI(path)
            .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json"))
        .compose(request -> request.send(body.toBuffer()))
        .compose(response -> response.body().map(ignored -> response.statusCode()))
        .await();
  }

  private static int boardSize(HttpClient http, String token, String path) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path)
            .putHeader("Authorization", "Bearer " + token))
        .compose(request -> request.send())
        .compose(response -> response.body())
        .map(body -> new JsonObject(body).getJsonArray("slots", new JsonArray()).size())
        .await();
  }
}
