package io.tally;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.NodeProcess;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * I1–I3 across crashes: a node process is killed with SIGKILL in the middle of a reservation load and restarted on
 * the same data. Every reservation answered 201 must be there, the pool must not be overbooked, no order may hold
 * two reservations, and the node must serve again.
 */
class CrashIT {

  private static final int CAPACITY = 400;
  private static final int IN_FLIGHT = 32;

  private Vertx clients;
  private Path data;
  private Path log;

  @BeforeEach
  void setUp() throws Exception {
    clients = Vertx.vertx();
    data = Files.createTempDirectory("tally-crash");
    log = Path.of("target", "crash-it-" + System.nanoTime() + ".log");
  }

  @AfterEach
  void tearDown() {
    clients.close().await();
  }

  @Test
  void killingTheNodeMidLoadLosesNoAcknowledgedReservation() throws Exception {
    crashAndRecover(node -> node.kill());
  }

  @Test
  void killingTheNodeAndItsDatabaseMidLoadLosesNoAcknowledgedReservation() throws Exception {
    crashAndRecover(node -> {
      long postgres = postmasterPid();
      node.kill();
      ProcessHandle.of(postgres).ifPresent(process -> {
        process.destroyForcibly();
        process.onExit().join();
      });
    });
  }

  private interface Crash {
    void on(NodeProcess node) throws Exception;
  }

  private void crashAndRecover(Crash crash) throws Exception {
    int port = TestNode.freePort();
    Map<String, String> env = Map.of("TALLY_DATA_DIR", data.toString());
    NodeProcess first = NodeProcess.start(port, env, log);
    Http http = new Http(clients, port, IN_FLIGHT);
    assertTrue(http.post("/pools", Pools.definition("crash-1", CAPACITY)).applied());

    Load load = new Load(http);
    load.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() >= 100);
    crash.on(first);
    load.stop().await();

    NodeProcess second = NodeProcess.start(port, env, log);
    try {
      Map<String, String> journaled = journaledReservations(http);
      for (Map.Entry<String, String> acked : load.acknowledged.entrySet()) {
        assertEquals(acked.getValue(), journaled.get(acked.getKey()),
            "acknowledged reservation of " + acked.getKey() + " is in the journal");
      }
      JsonObject pool = http.get("/pools/crash-1").body();
      assertTrue(pool.getInteger("reserved") <= CAPACITY, pool.encode());
      assertEquals(journaled.size(), pool.getInteger("reserved"));
      assertTrue(load.acknowledged.size() < CAPACITY, "the crash came before the pool filled up");

      Response again = http.post("/pools/crash-1/reservations", Pools.order("after-restart", 1));
      assertTrue(again.applied(), "the node serves again: " + again.raw());
      String someOrder = load.acknowledged.keySet().iterator().next();
      Response retried = http.post("/pools/crash-1/reservations", Pools.order(someOrder, 1));
      assertEquals(200, retried.status());
      assertEquals(load.acknowledged.get(someOrder), retried.body().getString("reservationId"));
    } finally {
      http.close();
      second.terminate();
    }
  }

  /** Reservations in the journal by order id, read through the history endpoint; fails on an order held twice. */
  private static Map<String, String> journaledReservations(Http http) {
    Map<String, String> byOrder = new HashMap<>();
    Set<String> released = new HashSet<>();
    Long after = 0L;
    while (after != null) {
      JsonObject page = http.get("/pools/crash-1/events?limit=1000&after=" + after).body();
      for (Object item : page.getJsonArray("events")) {
        JsonObject event = (JsonObject) item;
        JsonObject payload = event.getJsonObject("payload");
        if (event.getString("type").equals("capacity.reserved.v1")) {
          String previous = byOrder.put(payload.getString("orderId"), payload.getString("reservationId"));
          assertEquals(null, previous, "order " + payload.getString("orderId") + " holds two reservations");
        } else if (event.getString("type").equals("reservation.released.v1")) {
          released.add(payload.getString("reservationId"));
        }
      }
      after = page.getLong("next");
    }
    assertTrue(released.isEmpty());
    return byOrder;
  }

  private long postmasterPid() throws Exception {
    String first = Files.readAllLines(data.resolve("postgres").resolve("postmaster.pid")).getFirst();
    return Long.parseLong(first.trim());
  }

  /** Keeps {@link #IN_FLIGHT} reservations with fresh order ids in flight until stopped. */
  private static final class Load {
    private final Http http;
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger orders = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Promise<Void> stopped = Promise.promise();

    Load(Http http) {
      this.http = http;
    }

    void start() {
      running.set(IN_FLIGHT);
      for (int i = 0; i < IN_FLIGHT; i++) {
        next();
      }
    }

    Future<Void> stop() {
      stopping.set(true);
      return stopped.future();
    }

    private void next() {
      if (stopping.get()) {
        if (running.decrementAndGet() == 0) {
          stopped.tryComplete();
        }
        return;
      }
      String orderId = "order-" + orders.incrementAndGet();
      http.send(HttpMethod.POST, "/pools/crash-1/reservations", Buffer.buffer(Pools.order(orderId, 1).encode()))
          .onComplete(result -> {
            Optional.ofNullable(result.result()).filter(response -> response.status() == 201)
                .ifPresent(response -> acknowledged.put(orderId, response.body().getString("reservationId")));
            next();
          });
    }
  }
}
