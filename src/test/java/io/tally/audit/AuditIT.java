package io.tally.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.basket.BasketEvent;
import io.tally.basket.BasketStore;
import io.tally.journal.Migrations;
import io.tally.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal audit finds each kind of damage, names the pool, and passes a clean journal. */
class AuditIT {

  private static final String DEFINED = "{\"poolId\":\"%s\",\"capacity\":%d,\"slot\":{\"start\":"
      + "\"2026-12-01T10:00:00Z\",\"end\":\"2026-12-01T12:00:00Z\"},\"regions\":[\"A\"]}";
  private static final String RESERVED = "{\"reservationId\":\"%s~%d\",\"orderId\":\"%s\",\"units\":%d}";

  private Vertx vertx;
  private Pool sql;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestDatabase.freshUrl())).using(vertx).build();
    Migrations.apply(sql).await();
  }

  @AfterEach
  void stop() {
    sql.close().await();
    vertx.close().await();
  }

  @Test
  void aCleanJournalPasses() {
    define("clean", 2);
    reserve("clean", 2, 1, "o1", 1);
    reserve("clean", 3, 2, "o2", 1);
    insert("clean", 4, "reservation.released.v1", "{\"reservationId\":\"clean~1\",\"units\":1}");
    reserve("clean", 5, 3, "o1", 1);
    view("clean", 5, 2, 2, "open");

    Audit.Report report = Audit.run(sql).await();

    assertTrue(report.passed(), report.problems().toString());
    assertEquals(1, report.pools());
    assertEquals(5, report.events());
    assertEquals(0, report.acknowledged());
  }

  @Test
  void everyAcknowledgementMustBeInTheJournalAsAcknowledged(@TempDir Path dir) throws IOException {
    define("p", 5);
    reserve("p", 2, 1, "o1", 1);
    reserve("p", 3, 2, "o2", 1);
    reserve("p", 4, 3, "o3", 1);
    insert("p", 5, "reservation.released.v1", "{\"reservationId\":\"p~1\",\"units\":1}");
    view("p", 5, 5, 2, "open");
    define("gap", 5);
    reserve("gap", 3, 1, "o1", 1);
    Files.writeString(dir.resolve("node-1.csv"), """
        kind,orderId,reservationId,poolId
        reserved,o1,p~1,p
        reserved,o2,p~2,p
        released,,p~1,
        reserved,o1,gap~1,gap
        """);
    Path second = Files.writeString(dir.resolve("node-2.csv"), """
        kind,orderId,reservationId,poolId
        reserved,o-wrong,p~3,p
        reserved,o4,p~4,p
        released,,p~2,
        reserved,o5,p~5
        """);

    Audit.Report report = Audit.run(sql, Acknowledgements.read(List.of(dir))).await();

    assertEquals(List.of(
        "gap: seq 3 follows seq 1",
        second + ":5: expected kind,orderId,reservationId,poolId: \"reserved,o5,p~5\"",
        "acknowledged reservations not in the journal: 1 of 5",
        "acknowledged reservation p~4 (order o4, pool p) is not in the journal",
        "acknowledged reservations in the journal for another order or pool: 1 of 5",
        "acknowledged reservation p~3 (order o-wrong, pool p) is in the journal as order o3 in pool p",
        "acknowledged releases not in the journal: 1 of 2",
        "acknowledged release of p~2 is not in the journal"), report.problems());
    assertEquals(7, report.acknowledged());
    assertFalse(report.passed());
  }

  @Test
  void everyKindOfDamageIsReportedWithItsPool() {
    define("fine", 5);
    reserve("fine", 2, 1, "o1", 1);
    view("fine", 2, 5, 1, "open");
    define("drifted", 5);
    reserve("drifted", 2, 1, "o1", 1);
    view("drifted", 2, 5, 0, "open");
    define("overbooked", 1);
    reserve("overbooked", 2, 1, "o1", 1);
    reserve("overbooked", 3, 2, "o2", 1);
    define("twice", 5);
    reserve("twice", 2, 1, "o1", 1);
    reserve("twice", 3, 2, "o1", 1);
    define("gap", 5);
    reserve("gap", 3, 1, "o1", 1);
    define("damaged", 5);
    insert("damaged", 2, "capacity.reserved.v1", "{\"reservationId\":\"damaged~1\"}");
    insert("orphan", 1, "capacity.reserved.v1", "{\"reservationId\":\"orphan~1\",\"orderId\":\"o\",\"units\":1}");

    Audit.Report report = Audit.run(sql).await();

    assertFalse(report.passed());
    assertEquals(7, report.pools());
    List<String> problems = report.problems();
    assertEquals(6, problems.size(), problems.toString());
    assertTrue(problems.contains("drifted: pool_view says seq 2, capacity 5, reserved 0, held 0, open, the journal "
        + "seq 2, capacity 5, reserved 1, held 0, open"), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("overbooked: overbooked at seq 3")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("twice: order o1 reserved or held again")),
        problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("gap: seq 3 follows seq 1")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("damaged: event 2 is unreadable")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("orphan: event 1")), problems.toString());
    assertTrue(problems.stream().noneMatch(p -> p.startsWith("fine")));
  }

  @Test
  void holdsCountAgainstCapacityAndEndOnce() {
    define("held", 2);
    hold("held", 2, 1, "o1", 1);
    hold("held", 3, 2, "o2", 1);
    insert("held", 4, "hold.expired.v1", "{\"holdId\":\"held~1\",\"units\":1,\"region\":null,"
        + "\"expiresAt\":\"2026-12-01T07:10:00Z\"}");
    insert("held", 5, "hold.confirmed.v1", "{\"holdId\":\"held~2\",\"orderId\":\"o2\",\"units\":1,"
        + "\"region\":null,\"channel\":null}");
    view("held", 5, 2, 1, "open");
    define("over-held", 2);
    reserve("over-held", 2, 1, "o1", 1);
    hold("over-held", 3, 2, "o2", 2);
    define("both", 2);
    hold("both", 2, 1, "o1", 1);
    insert("both", 3, "hold.confirmed.v1", "{\"holdId\":\"both~1\",\"orderId\":\"o1\",\"units\":1,"
        + "\"region\":null,\"channel\":null}");
    insert("both", 4, "hold.expired.v1", "{\"holdId\":\"both~1\",\"units\":1,\"region\":null,"
        + "\"expiresAt\":\"2026-12-01T07:10:00Z\"}");
    define("held-twice", 5);
    hold("held-twice", 2, 1, "o1", 1);
    reserve("held-twice", 3, 2, "o1", 1);

    Audit.Report report = Audit.run(sql, Acknowledgements.read(List.of(acknowledgedHold()))).await();

    List<String> problems = report.problems();
    assertEquals(3, problems.size(), problems.toString());
    assertEquals(1, report.acknowledged(), "one acknowledgement read; it is found, as the reservation the hold became");
    assertTrue(problems.contains("over-held: overbooked at seq 3, 1 reserved and 2 held of 2"), problems.toString());
    assertTrue(problems.contains("both: hold both~1 ends again at seq 4 (HoldExpired) but was already confirmed"),
        problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("held-twice: order o1 reserved or held again at seq 3")),
        problems.toString());
  }

  @Test
  void everyBasketIsAllOrNothingAndNoneStaysUnfinishedPastItsTimeToLive() {
    BasketStore baskets = new BasketStore(sql);
    define("bv", 5);
    hold("bv", 2, 1, "good", 2);
    insert("bv", 3, "hold.confirmed.v1", "{\"holdId\":\"bv~1\",\"orderId\":\"good\",\"units\":2,"
        + "\"region\":null,\"channel\":null}");
    view("bv", 3, 5, 2, "open");
    confirmed(baskets, "good", "bv", 2, "bv~1");
    define("bc", 5);
    hold("bc", 2, 1, "lost", 1);
    insert("bc", 3, "hold.cancelled.v1", "{\"holdId\":\"bc~1\",\"units\":1,\"region\":null}");
    view("bc", 3, 5, 0, "open");
    confirmed(baskets, "lost", "bc", 1, "bc~1");
    define("bk", 5);
    reserve("bk", 2, 1, "kept", 1);
    view("bk", 2, 5, 1, "open");
    baskets.open("kept", opened("kept", "bk", 1, Instant.now()))
        .compose(open -> baskets.append(open, new BasketEvent.Refusing(
            new BasketEvent.Cause("bk", "capacity_exhausted", "full"), Arrays.asList((String) null))))
        .compose(refusing -> baskets.append(refusing, BasketEvent.Step.REFUSED)).await();
    baskets.open("stale", opened("stale", "bv", 1, Instant.parse("2026-01-01T00:00:00Z"))).await();
    confirmed(baskets, "ghost", "nowhere", 1, "nowhere~1");

    Audit.Report report = Audit.run(sql).await();

    List<String> problems = report.problems();
    assertEquals(5, report.baskets());
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.contains("basket lost (confirmed), pool bc: hold bc~1 did not become a reservation (it was"
        + " cancelled)"), problems.toString());
    assertTrue(problems.contains("basket kept (refused), pool bk: order kept still has reservation bk~1 although the"
        + " basket did not go through"), problems.toString());
    assertTrue(problems.contains("basket stale is still open past its time to live (2026-01-01T00:01:00Z)"),
        problems.toString());
    assertTrue(problems.contains("basket ghost is confirmed, but its pool nowhere is not in the journal"),
        problems.toString());
  }

  private static BasketEvent.Opened opened(String orderId, String poolId, int units, Instant at) {
    return new BasketEvent.Opened(orderId, List.of(new BasketEvent.Item(poolId, units)), null, null,
        Duration.ofSeconds(60), at);
  }

  private static void confirmed(BasketStore baskets, String orderId, String poolId, int units, String holdId) {
    baskets.open(orderId, opened(orderId, poolId, units, Instant.now()))
        .compose(open -> baskets.append(open, new BasketEvent.Confirming(List.of(holdId))))
        .compose(confirming -> baskets.append(confirming, BasketEvent.Step.CONFIRMED)).await();
  }

  /** A client's acknowledgement of the reservation the hold {@code held~2} became. */
  private static Path acknowledgedHold() {
    try {
      Path file = Files.createTempFile("acknowledged", ".csv");
      Files.writeString(file, """
          kind,orderId,reservationId,poolId
          reserved,o2,held~2,held
          """);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void hold(String poolId, long seq, long number, String orderId, int units) {
    insert(poolId, seq, "hold.placed.v1", ("{\"holdId\":\"%s~%d\",\"orderId\":\"%s\",\"units\":%d,"
        + "\"region\":null,\"channel\":null,\"placedAt\":\"2026-12-01T07:00:00Z\","
        + "\"expiresAt\":\"2026-12-01T07:10:00Z\"}")
        .formatted(poolId, number, orderId, units));
  }

  @Test
  void aResetMustRestoreThePoolItsHistoryHadAtItsMoment() {
    define("undone", 2);
    reserve("undone", 2, 1, "o1", 1);
    String moment = recordedAt("undone", 2);
    reserve("undone", 3, 2, "o2", 1);
    insert("undone", 4, "pool.reset.v1", RESET.formatted(moment,
        "[{\"id\":\"undone~2\",\"orderId\":\"o2\",\"units\":1,\"region\":null,\"channel\":null}]"));
    view("undone", 4, 2, 1, "open");
    define("kept", 2);
    reserve("kept", 2, 1, "o1", 1);
    String then = recordedAt("kept", 2);
    reserve("kept", 3, 2, "o2", 1);
    insert("kept", 4, "pool.reset.v1", RESET.formatted(then, "[]")); // says it voided nothing: o2 stays live
    view("kept", 4, 2, 2, "open");

    Audit.Report report = Audit.run(sql).await();

    assertEquals(1, report.problems().size(), report.problems().toString());
    assertTrue(report.problems().getFirst().startsWith("kept: the reset at seq 4 to "), report.problems().toString());
    assertTrue(report.problems().getFirst().contains("does not restore the pool as it was then"));
  }

  /** A reset of capacity 2 to the moment {@code %1$s}, voiding {@code %2$s} and restoring and cancelling nothing. */
  private static final String RESET = "{\"at\":\"%1$s\",\"asOfSeq\":2,\"reason\":\"test\",\"capacity\":2,"
      + "\"status\":\"open\",\"voided\":%2$s,\"restored\":[],\"cancelledHolds\":[]}";

  /** When the event was recorded, as an ISO-8601 instant to the microsecond. */
  private String recordedAt(String poolId, long seq) {
    return sql.preparedQuery("SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at"
        + " FROM events WHERE stream_id = $1 AND seq = $2").execute(Tuple.of(poolId, seq)).await()
        .iterator().next().getString("at");
  }

  private void view(String poolId, long seq, int capacity, long reserved, String status) {
    sql.preparedQuery("INSERT INTO pool_view (pool_id, seq, capacity, reserved, status, slot_start, slot_end, regions) "
        + "VALUES ($1, $2, $3, $4, $5, '2026-12-01T10:00:00Z', '2026-12-01T12:00:00Z', ARRAY['A'])")
        .execute(Tuple.of(poolId, seq, capacity, reserved, status)).await();
  }

  private void define(String poolId, int capacity) {
    insert(poolId, 1, "pool.defined.v1", DEFINED.formatted(poolId, capacity));
  }

  private void reserve(String poolId, long seq, long number, String orderId, int units) {
    insert(poolId, seq, "capacity.reserved.v1", RESERVED.formatted(poolId, number, orderId, units));
  }

  private void insert(String poolId, long seq, String type, String payload) {
    sql.preparedQuery("INSERT INTO events (stream_id, seq, type, payload) VALUES ($1, $2, $3, $4::text::jsonb)")
        .execute(Tuple.of(poolId, seq, type, payload)).await();
  }
}
