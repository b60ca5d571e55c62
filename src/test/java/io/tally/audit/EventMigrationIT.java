package io.tally.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.contract.StoredForm;
import io.tally.contract.Views;
import io.tally.journal.NewEvent;
import io.tally.pool.Channel;
import io.tally.pool.Decision;
import io.tally.pool.Pool;
import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolCommand;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.tally.pool.PoolStatus;
import io.tally.pool.Reservation;
import io.tally.pool.Slot;
import io.tally.support.FirstReleaseJournal;
import io.tally.support.Http;
import io.tally.support.JarCommand;
import io.tally.support.MigratedDatabase;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar tally.jar migrate-events --to SCHEMA} on a journal of more than 10,000 events: the first
 * release's rows, then a generated history of v1 and v2 rows (written as the current code writes them, through the
 * pool's rules). The copy holds every event in its current version, replays to the same pools, passes the audit,
 * and serves a node; the original is untouched.
 */
class EventMigrationIT {

  private static final String SCHEMA = "tally_copy";
  private static final int GENERATED_POOLS = 150;
  private static final int COMMANDS_PER_POOL = 100;

  private static MigratedDatabase database;
  private static String url;
  private static io.vertx.sqlclient.Pool source;
  private static io.vertx.sqlclient.Pool target;
  private static long originalEvents;
  private static Map<String, Pool> original;
  private static JarCommand.Outcome migration;
  private static long copiedEvents;
  private static Map<String, Pool> copied;
  private static List<String> copiedTypes;

  @BeforeAll
  static void migrateAJournalOfMoreThanTenThousandEvents() throws Exception {
    database = MigratedDatabase.create();
    url = database.url();
    source = database.sql();
    FirstReleaseJournal.insert(url);
    generateHistory(url);
    originalEvents = count(source);
    assertTrue(originalEvents >= 10_000, "the journal holds " + originalEvents + " events");
    original = replay(source);

    migration = JarCommand.run(List.of("migrate-events", "--to", SCHEMA), Map.of("TALLY_PG_URL", url),
        Files.createTempFile("tally-migrate-events", ".log"));
    target = PgBuilder.pool().connectingTo(new PgConnectOptions(PgConnectOptions.fromUri(url))
        .addProperty("search_path", SCHEMA)).using(database.vertx()).build();
    copiedEvents = count(target);
    copied = replay(target);
    copiedTypes = new ArrayList<>();
    target.query("SELECT DISTINCT type FROM events").execute().await()
        .forEach(row -> copiedTypes.add(row.getString("type")));
  }

  @AfterAll
  static void close() {
    target.close().await();
    database.close();
  }

  @Test
  void theCommandVerifiesTheCopyAndPrintsItsProgress() {
    assertEquals(0, migration.exitCode(), migration.output());
    assertTrue(migration.output().contains("copied " + String.format("%,d", originalEvents) + " of "
        + String.format("%,d", originalEvents) + " events (100%)"), migration.output());
    assertTrue(migration.output().contains("verifying: every pool"), migration.output());
    assertTrue(migration.output().contains("VERIFIED"), migration.output());
  }

  @Test
  void theCopyHoldsEveryEventInItsCurrentVersionAndReplaysToTheSamePools() {
    assertEquals(originalEvents, copiedEvents);
    assertTrue(copiedTypes.containsAll(List.of(StoredForm.CAPACITY_RESERVED, StoredForm.RESERVATION_RELEASED)));
    copiedTypes.forEach(type -> assertTrue(StoredForm.isCurrent(type), type));
    assertEquals(original, copied);
    assertTrue(Audit.run(target).await().passed());
  }

  @Test
  void theOriginalIsUntouched() {
    assertEquals(originalEvents, count(source));
    assertTrue(source.query("SELECT count(*) AS n FROM events WHERE type = 'capacity.reserved.v1'").execute().await()
        .iterator().next().getLong("n") > 0);
    assertEquals(original, replay(source));
  }

  @Test
  void aNodeServesTheCopy() throws Exception {
    try (TestNode node = TestNode.start(new JsonObject().put("postgres", new JsonObject()
        .put("url", url + "?search_path=" + SCHEMA)))) {
      Http http = new Http(node.port());
      for (String poolId : List.of("van-a", "depot-c", "generated-7")) {
        JsonObject answer = http.get("/pools/" + poolId).body();
        assertEquals(Views.pool(original.get(poolId), answer.getLong("version")), answer, poolId);
      }
      assertEquals(201, http.post("/pools/van-a/reservations", new JsonObject().put("orderId", "after-copy")
          .put("region", "SW1A")).status());
      http.close();
    }
    assertEquals(copiedEvents + 1, count(target));
    assertEquals(originalEvents, count(source), "the node wrote to the copy, not the original");
  }

  @Test
  void aSchemaThatExistsIsRefused() throws Exception {
    JarCommand.Outcome again = JarCommand.run(List.of("migrate-events", "--to", SCHEMA), Map.of("TALLY_PG_URL", url),
        Files.createTempFile("tally-migrate-events", ".log"));
    assertEquals(1, again.exitCode(), again.output());
    assertTrue(again.output().contains("already exists"), again.output());
    JarCommand.Outcome badName = JarCommand.run(List.of("migrate-events", "--to", "Robert'); DROP"),
        Map.of("TALLY_PG_URL", url), Files.createTempFile("tally-migrate-events", ".log"));
    assertEquals(2, badName.exitCode(), badName.output());
  }

  private static long count(io.vertx.sqlclient.Pool sql) {
    return sql.query("SELECT count(*) AS n FROM events").execute().await().iterator().next().getLong("n");
  }

  private static Map<String, Pool> replay(io.vertx.sqlclient.Pool sql) {
    Map<String, Pool> pools = new HashMap<>();
    for (Row row : sql.query("SELECT stream_id, type, payload::text AS payload FROM events ORDER BY stream_id, seq")
        .execute().await()) {
      pools.put(row.getString("stream_id"), PoolDecider.evolve(pools.get(row.getString("stream_id")),
          StoredForm.decode(row.getString("type"), row.getString("payload"))));
    }
    return pools;
  }

  /** Pools driven through their rules by random commands; their events stored as the current code stores them. */
  private static void generateHistory(String url) throws Exception {
    Random random = new Random(11);
    List<String> allRegions = List.of("SW1A", "SW1B", "N1", "E2", "W4");
    Instant clock = Instant.parse("2026-12-02T07:00:00Z");
    try (Connection conn = TestDatabase.connect(url)) {
      conn.setAutoCommit(false);
      try (PreparedStatement insert = conn.prepareStatement("INSERT INTO events (stream_id, seq, type, payload, "
          + "metadata, recorded_at) VALUES (?, ?, ?, ?::jsonb, '{\"node\":\"generated\"}'::jsonb, ?)")) {
        for (int p = 0; p < GENERATED_POOLS; p++) {
          String poolId = "generated-" + p;
          List<String> regions = allRegions.subList(0, 1 + random.nextInt(3));
          Instant start = Instant.parse("2026-12-10T08:00:00Z").plusSeconds(7200L * random.nextInt(40));
          Pool pool = null;
          long seq = 0;
          for (int c = 0; c <= COMMANDS_PER_POOL; c++) {
            PoolCommand command = c == 0
                ? new DefinePool(poolId, 40 + random.nextInt(40), new Slot(start, start.plusSeconds(7200)), regions)
                : command(random, poolId, regions, pool, c);
            Decision decision = PoolDecider.decide(pool, command, start.minusSeconds(86_400));
            if (decision instanceof Decision.Accepted(List<PoolEvent> events)) {
              for (PoolEvent event : events) {
                pool = PoolDecider.evolve(pool, event);
                NewEvent stored = StoredForm.encode(event);
                clock = clock.plusMillis(1 + random.nextInt(50));
                insert.setString(1, poolId);
                insert.setLong(2, ++seq);
                insert.setString(3, stored.type());
                insert.setString(4, stored.payload());
                insert.setObject(5, OffsetDateTime.ofInstant(clock, ZoneOffset.UTC));
                insert.addBatch();
              }
            }
          }
        }
        insert.executeBatch();
      }
      conn.commit();
    }
  }

  private static PoolCommand command(Random random, String poolId, List<String> regions, Pool pool, int c) {
    int roll = random.nextInt(100);
    if (roll < 25 && pool != null && !pool.reservations().isEmpty()) {
      List<Reservation> live = new ArrayList<>(pool.reservations().values());
      return new Release(live.get(random.nextInt(live.size())).reservationId());
    }
    if (roll < 29) {
      return new ChangePool(poolId, OptionalInt.of(30 + random.nextInt(60)), Optional.empty());
    }
    if (roll < 31) {
      return new ChangePool(poolId, OptionalInt.empty(),
          Optional.of(random.nextBoolean() ? PoolStatus.CLOSED : PoolStatus.OPEN));
    }
    String region = random.nextBoolean() ? regions.get(random.nextInt(regions.size())) : null;
    Channel channel = random.nextInt(3) == 0 ? null : Channel.values()[random.nextInt(2)];
    return new Reserve(poolId, "order-" + c + "-" + random.nextInt(1_000_000), 1 + random.nextInt(3), region,
        channel);
  }
}
