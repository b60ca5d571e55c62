package io.tally.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * I1–I3 under contention: many concurrent reservations against one small pool never overbook it, every
 * acknowledged reservation is in the journal, and a repeated order gets its reservation back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReservationRaceIT {

  private TestNode node;
  private Vertx clients;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
    clients = Vertx.vertx();
    http = new Http(clients, node.port(), 250);
  }

  @AfterAll
  void stop() {
    http.close();
    clients.close().await();
    node.close();
  }

  @Test
  void athousandConcurrentReservationsFillAPoolOfAHundredExactly() throws Exception {
    assertEquals(201, http.post("/pools", Pools.definition("race-100", 100)).status());

    List<Future<Response>> sent = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      sent.add(http.send(HttpMethod.POST, "/pools/race-100/reservations",
          Buffer.buffer(Pools.order("order-" + i, 1).encode())));
    }
    List<Response> responses = Future.all(sent).await().list();

    Map<Integer, Long> byStatus = responses.stream()
        .collect(Collectors.groupingBy(Response::status, Collectors.counting()));
    assertEquals(Map.of(201, 100L, 409, 900L), byStatus);
    assertTrue(responses.stream().filter(r -> r.status() == 409)
        .allMatch(r -> "capacity_exhausted".equals(r.error())));
    Set<String> acknowledged = responses.stream().filter(r -> r.status() == 201)
        .map(r -> r.body().getString("reservationId")).collect(Collectors.toSet());
    assertEquals(100, acknowledged.size(), "every acknowledged reservation has its own id");

    assertEquals(100, http.get("/pools/race-100").body().getInteger("reserved"));
    assertEquals(acknowledged, journaledReservations("race-100"));
    assertTrue(groupCommits("race-100") < 100, "decisions that arrive during an append share the next one");

    Response winner = responses.stream().filter(r -> r.status() == 201).findFirst().orElseThrow();
    Response repeated = http.post("/pools/race-100/reservations",
        Pools.order(winner.body().getString("orderId"), 1));
    assertEquals(200, repeated.status());
    assertEquals(winner.body().getString("reservationId"), repeated.body().getString("reservationId"));
  }

  @Test
  void concurrentRetriesOfOneOrderHoldOneReservation() throws Exception {
    http.post("/pools", Pools.definition("retry-storm", 50));

    List<Future<Response>> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sent.add(http.send(HttpMethod.POST, "/pools/retry-storm/reservations",
          Buffer.buffer(Pools.order("order-" + (i % 10), 1).encode())));
    }
    List<Response> responses = Future.all(sent).await().list();

    assertTrue(responses.stream().allMatch(Response::applied));
    assertEquals(10, responses.stream().filter(r -> r.status() == 201).count());
    assertEquals(10, responses.stream().map(r -> r.body().getString("reservationId")).distinct().count());
    assertEquals(10, http.get("/pools/retry-storm").body().getInteger("reserved"));
    assertEquals(10, journaledReservations("retry-storm").size());
  }

  private Set<String> journaledReservations(String poolId) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery("SELECT payload->>'reservationId' FROM events WHERE stream_id = '"
            + poolId + "' AND type = 'capacity.reserved.v1'")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }

  private long groupCommits(String poolId) throws Exception {
    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(DISTINCT tx_id::text) FROM events WHERE stream_id = '"
            + poolId + "' AND type = 'capacity.reserved.v1'")) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
