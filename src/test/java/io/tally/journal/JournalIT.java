package io.tally.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.config.JournalConfig;
import io.tally.support.TestDatabase;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event store against a real PostgreSQL: round trips, the (stream, seq) fence, shared appends, snapshots. */
class JournalIT {

  private Vertx vertx;
  private String databaseUrl;
  private Pool pool;
  private Journal journal;

  /** The journal's writer context: appends submitted by one task on it are all queued before it writes. */
  private Context writer;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    databaseUrl = TestDatabase.freshUrl();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgConnectOptions.fromUri(databaseUrl)).using(vertx).build();
    Migrations.apply(pool).await();
    writer = vertx.getOrCreateContext();
    journal = onWriter(() -> new Journal(vertx, pool, new JournalConfig(100, 1_000, 1), "test-node",
        new SimpleMeterRegistry()));
  }

  /** Runs {@code action} as one task on the journal's writer context and returns what it returned. */
  private <T> T onWriter(java.util.function.Supplier<T> action) {
    return onContext(writer, action);
  }

  private static <T> T onContext(Context context, java.util.function.Supplier<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> result.complete(action.get()));
    return result.future().await();
  }

  @AfterEach
  void stop() {
    pool.close().await();
    vertx.close().await();
  }

  @Test
  void appendedEventsReadBackInOrderWithTheirMetadata() {
    journal.append(new StreamAppend("s1", 0, events("a", "b", "c"))).await();

    List<RecordedEvent> read = reader().read("s1", 0, 100).await();
    assertEquals(List.of(1L, 2L, 3L), read.stream().map(RecordedEvent::seq).toList());
    assertEquals(List.of("test.a.v1", "test.b.v1", "test.c.v1"), read.stream().map(RecordedEvent::type).toList());
    assertEquals(new JsonObject().put("name", "b"), new JsonObject(read.get(1).payload()));
    assertEquals("test-node", new JsonObject(read.get(1).metadata()).getString("node"));
    assertEquals(List.of(3L), reader().read("s1", 2, 100).await().stream().map(RecordedEvent::seq).toList());

    StreamHistory history = journal.load("s1").await();
    assertTrue(history.snapshot().isEmpty());
    assertEquals(3, history.version());
    assertEquals(0, journal.load("never-written").await().version());
  }

  @Test
  void anAppendAtATakenSeqIsRefusedAndAddsNothing() {
    journal.append(new StreamAppend("s1", 0, events("a"))).await();

    assertThrows(AppendConflictException.class,
        () -> journal.append(new StreamAppend("s1", 0, events("x", "y"))).await());
    assertEquals(List.of("test.a.v1"), reader().read("s1", 0, 100).await().stream().map(RecordedEvent::type)
        .toList(), "the refused append kept none of its rows, not even the one at a free seq");

    journal.append(new StreamAppend("s1", 1, events("b"))).await();
    assertEquals(2, journal.load("s1").await().version());
  }

  @Test
  void aSharedAppendFailsOnlyTheConflictingStream() {
    journal.append(new StreamAppend("b", 0, events("first"))).await();

    // one writer: submitted in one task on its context, the appends are all queued before it writes any, so they
    // share one transaction whatever the timing
    List<Future<Void>> appends = onWriter(() -> List.of(
        journal.append(new StreamAppend("d", 0, events("z"))),
        journal.append(new StreamAppend("a", 0, events("a1", "a2"))),
        journal.append(new StreamAppend("b", 0, events("stale1", "stale2"))),
        journal.append(new StreamAppend("c", 0, events("c1")))));
    Future<Void> d = appends.get(0);
    Future<Void> a = appends.get(1);
    Future<Void> b = appends.get(2);
    Future<Void> c = appends.get(3);
    Future.join(d, a, b, c).otherwiseEmpty().await();

    assertTrue(d.succeeded() && a.succeeded() && c.succeeded());
    assertInstanceOf(AppendConflictException.class, b.cause());
    assertEquals(List.of("test.first.v1"), reader().read("b", 0, 10).await().stream().map(RecordedEvent::type)
        .toList());
    assertEquals(2, journal.load("a").await().version());
    assertEquals(1, journal.load("c").await().version());
    List<Row> txs = new ArrayList<>();
    pool.query("SELECT DISTINCT tx_id::text FROM events WHERE stream_id IN ('a', 'c')").execute().await()
        .forEach(txs::add);
    assertEquals(1, txs.size(), "a and c were written by one transaction");
    String dWrittenBy = pool.query("SELECT tx_id::text FROM events WHERE stream_id = 'd'").execute().await()
        .iterator().next().getString(0);
    assertEquals(txs.getFirst().getString(0), dWrittenBy, "the batch was written again without b, in one transaction");
  }

  @Test
  void aSharedAppendWritesItsStreamsInOneOrderWhateverOrderTheyCameIn() {
    onWriter(() -> Future.join(
        journal.append(new StreamAppend("d", 0, events("d1"))),
        journal.append(new StreamAppend("b", 0, events("b1", "b2"))),
        journal.append(new StreamAppend("c", 0, events("c1"))),
        journal.append(new StreamAppend("b", 2, events("b3"))),
        journal.append(new StreamAppend("a", 0, events("a1"))))).await();

    List<String> written = new ArrayList<>();
    pool.query("SELECT stream_id, seq FROM events ORDER BY position").execute().await()
        .forEach(row -> written.add(row.getString("stream_id") + row.getLong("seq")));
    // the rows of one stream in their own order, and the streams in one order: two writers that race for the
    // same streams then lock them in the same order, so one waits for the other instead of deadlocking
    assertEquals(List.of("a1", "b1", "b2", "b3", "c1", "d1"), written);
  }

  @Test
  void twoWritersRacingForTheSameStreamsInOppositeOrdersNeverDeadlockAndEachStreamHasOneWriter() {
    Pool other = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgConnectOptions.fromUri(databaseUrl)).using(vertx).build();
    Context otherWriter = vertx.getOrCreateContext();
    try {
      Journal rival = onContext(otherWriter, () -> new Journal(vertx, other, new JournalConfig(100, 1_000, 1),
          "rival", new SimpleMeterRegistry()));
      for (int round = 0; round < 40; round++) {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          streams.add("r" + round + "-" + i);
        }
        // each writer's appends are queued in one task, so each writes them in one transaction: one in the
        // streams' order, the other in reverse
        List<Future<Void>> mine = onContext(writer, () -> streams.stream()
            .map(stream -> journal.append(new StreamAppend(stream, 0, events("mine")))).toList());
        List<Future<Void>> theirs = onContext(otherWriter, () -> streams.reversed().stream()
            .map(stream -> rival.append(new StreamAppend(stream, 0, events("theirs")))).toList()).reversed();
        List<Future<Void>> all = new ArrayList<>(mine);
        all.addAll(theirs);
        Future.join(all).otherwiseEmpty().await();
        for (int i = 0; i < streams.size(); i++) {
          for (Future<Void> append : List.of(mine.get(i), theirs.get(i))) {
            assertTrue(append.succeeded() || append.cause() instanceof AppendConflictException,
                "round " + round + ": " + append.cause());
          }
          assertTrue(mine.get(i).succeeded() != theirs.get(i).succeeded(), "one writer has " + streams.get(i));
        }
      }
    } finally {
      other.close().await();
    }
  }

  @Test
  void loadingStartsFromTheLatestSnapshotAndAnOlderOneNeverReplacesIt() {
    journal.append(new StreamAppend("s1", 0, events("a", "b"))).await();
    journal.saveSnapshot("s1", 2, () -> "{\"upTo\":2}").await();
    journal.append(new StreamAppend("s1", 2, events("c", "d"))).await();
    journal.saveSnapshot("s1", 4, () -> "{\"upTo\":4}").await();
    journal.saveSnapshot("s1", 3, () -> "{\"upTo\":3}").await();
    journal.append(new StreamAppend("s1", 4, events("e", "f"))).await();

    StreamHistory history = journal.load("s1").await();
    assertEquals(4, history.snapshot().orElseThrow().seq());
    assertEquals(new JsonObject().put("upTo", 4), new JsonObject(history.snapshot().orElseThrow().state()));
    assertEquals(List.of(5L, 6L), history.tail().stream().map(RecordedEvent::seq).toList());
    assertEquals(6, history.version());
  }

  @Test
  void streamsLoadedTogetherEachGetTheirOwnSnapshotAndTail() {
    java.util.Random random = new java.util.Random(7);
    Map<String, Integer> lengths = new HashMap<>();
    Map<String, Integer> snapshotAt = new HashMap<>();
    for (int s = 0; s < 300; s++) {
      String stream = "many-" + s;
      int length = random.nextInt(6);
      List<String> names = new ArrayList<>();
      for (int e = 1; e <= length; e++) {
        names.add(stream + "-" + e);
      }
      if (length > 0) {
        journal.append(new StreamAppend(stream, 0, events(names.toArray(String[]::new)))).await();
      }
      if (length > 1 && random.nextBoolean()) {
        int at = 1 + random.nextInt(length - 1);
        journal.saveSnapshot(stream, at, () -> "{\"upTo\":" + at + "}").await();
        snapshotAt.put(stream, at);
      }
      lengths.put(stream, length);
    }

    // more than one shared load's worth, and one stream asked for twice, all at once
    List<Future<StreamHistory>> loads = onWriter(() -> {
      List<Future<StreamHistory>> all = new ArrayList<>();
      lengths.keySet().forEach(stream -> all.add(journal.load(stream)));
      all.add(journal.load("many-3"));
      return all;
    });
    Future.all(new ArrayList<>(loads)).await();

    for (Future<StreamHistory> load : loads) {
      StreamHistory history = load.result();
      String stream = history.streamId();
      int after = snapshotAt.getOrDefault(stream, 0);
      assertEquals(Optional.ofNullable(snapshotAt.get(stream)).map(Long::valueOf),
          history.snapshot().map(Snapshot::seq), stream);
      assertEquals(java.util.stream.LongStream.rangeClosed(after + 1, lengths.get(stream)).boxed().toList(),
          history.tail().stream().map(RecordedEvent::seq).toList(), stream);
      history.tail().forEach(event -> assertEquals(stream + "-" + event.seq(),
          new JsonObject(event.payload()).getString("name")));
      assertEquals(lengths.get(stream).longValue(), history.version(), stream);
    }
  }

  @Test
  void migrationsRunOnceAndAnEditedMigrationStopsStartUp() {
    assertEquals(List.of(), Migrations.apply(pool).await(), "a second start applies nothing");

    pool.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").execute().await();
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Migrations.apply(pool).await());
    assertTrue(refused.getMessage().contains("V1__journal.sql was changed"), refused.getMessage());
  }

  private static List<NewEvent> events(String... names) {
    List<NewEvent> events = new ArrayList<>();
    for (String name : names) {
      events.add(new NewEvent("test." + name + ".v1", new JsonObject().put("name", name).encode()));
    }
    return events;
  }

  private JournalReader reader() {
    return new JournalReader(pool);
  }
}
