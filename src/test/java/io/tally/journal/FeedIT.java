package io.tally.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.config.JournalConfig;
import io.tally.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * I4: the feed delivers every committed event exactly once, in {@code (tx_id, position)} order, even when
 * transactions commit out of order, never moves past a transaction that is still open, and resumes from a
 * checkpoint without a gap or a duplicate.
 */
class FeedIT {

  private Vertx vertx;
  private Pool pool;
  private Journal journal;
  private String url;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    url = TestDatabase.freshUrl();
    pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    Migrations.apply(pool).await();
    journal = new Journal(vertx, pool, new JournalConfig(100, 50, 3), "feed-test", new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() {
    pool.close().await();
    vertx.close().await();
  }

  @Test
  void aReaderSeesEveryEventOnceInOrderAndWaitsForOpenTransactions() throws Exception {
    List<FeedEvent> read = new ArrayList<>();
    FeedPosition at = FeedPosition.START;
    try (Connection first = TestDatabase.connect(url); Connection second = TestDatabase.connect(url)) {
      long firstTx = hold(first, "held-first");
      appendConcurrently(0, 120);
      long secondTx = hold(second, "held-second");
      appendConcurrently(120, 120);

      at = follow(at, read, Math.min(firstTx, secondTx));
      assertTrue(read.stream().allMatch(event -> tx(event) < firstTx),
          "nothing at or after the first open transaction is delivered while it is open");

      second.commit(); // the later transaction commits first
      at = follow(at, read, firstTx);
      assertTrue(read.stream().allMatch(event -> tx(event) < firstTx), "the first one still holds the feed back");

      appendConcurrently(240, 60);
      first.commit();
    }
    at = follow(at, read, Long.MAX_VALUE);

    List<String> everything = allInFeedOrder();
    assertEquals(302, everything.size(), "300 appended and 2 held events");
    assertEquals(everything, read.stream().map(FeedIT::key).toList(), "every event once, in feed order");

    List<FeedEvent> resumed = new ArrayList<>(read.subList(0, 150));
    follow(read.get(149).position(), resumed, Long.MAX_VALUE);
    assertEquals(everything, resumed.stream().map(FeedIT::key).toList(),
        "a restarted reader neither skips nor repeats");
    assertEquals(at, resumed.getLast().position());
  }

  /** Starts a transaction that inserts one event and stays open; returns its transaction id. */
  private static long hold(Connection conn, String stream) throws Exception {
    conn.setAutoCommit(false);
    try (Statement statement = conn.createStatement()) {
      statement.executeUpdate("INSERT INTO events (stream_id, seq, type, payload) VALUES ('" + stream
          + "', 1, 'test.held.v1', '{}')");
      try (ResultSet rows = statement.executeQuery("SELECT pg_current_xact_id()::text")) {
        rows.next();
        return Long.parseLong(rows.getString(1));
      }
    }
  }

  private void appendConcurrently(int first, int count) {
    List<Future<Void>> appends = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      appends.add(journal.append(new StreamAppend("writer-" + i, 0, List.of(new NewEvent("test.written.v1",
          new JsonObject().put("n", i).encode())))));
    }
    Future.all(appends).await();
  }

  /** Reads pages of 7 until none is left, checking the order as it goes; stops early at {@code stopAtTx}. */
  private FeedPosition follow(FeedPosition from, List<FeedEvent> into, long stopAtTx) {
    FeedPosition at = from;
    while (true) {
      List<FeedEvent> page = reader().feed(at, 7).await();
      if (page.isEmpty()) {
        return at;
      }
      for (FeedEvent event : page) {
        assertTrue(event.position().compareTo(at) > 0, "positions only move forward");
        assertTrue(tx(event) < stopAtTx, "an event of a transaction that is still open was delivered");
        at = event.position();
        into.add(event);
      }
    }
  }

  private List<String> allInFeedOrder() throws Exception {
    List<String> keys = new ArrayList<>();
    try (Connection conn = TestDatabase.connect(url); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery("SELECT stream_id, seq FROM events ORDER BY tx_id, position")) {
      while (rows.next()) {
        keys.add(rows.getString(1) + "#" + rows.getLong(2));
      }
    }
    return keys;
  }

  private static long tx(FeedEvent event) {
    return Long.parseLong(event.position().txId());
  }

  private static String key(FeedEvent event) {
    return event.event().streamId() + "#" + event.event().seq();
  }

  private JournalReader reader() {
    return new JournalReader(pool);
  }
}
