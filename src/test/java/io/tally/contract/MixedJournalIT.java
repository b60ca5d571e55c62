package io.tally.contract;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.pool.Pool;
import io.tally.support.FirstReleaseJournal;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.JournalReplay;
import io.tally.support.MigratedDatabase;
import io.tally.support.ReadSideChecks;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The first release's journal, then reservations and releases made by the current code, some that name their
 * region and channel and some that do not: a journal that mixes v1 and v2 rows. Every reader of the journal reads
 * the mix: time travel, the feed, the audit, the demand report and a replay.
 */
class MixedJournalIT {

  private static MigratedDatabase database;
  private static String url;
  private static TestNode node;
  private static Http http;
  private static io.vertx.sqlclient.Pool sql;
  private static final List<JsonObject> ANSWERS = new ArrayList<>();

  @BeforeAll
  static void writeV2RowsAfterTheFirstReleasesJournal() throws Exception {
    database = MigratedDatabase.create();
    url = database.url();
    sql = database.sql();
    FirstReleaseJournal.insert(url);
    node = database.startNode();
    http = new Http(node.port());

    // van-a serves SW1A and SW1B; depot-c serves SW1A, N1 and E2
    ANSWERS.add(reserve("van-a", "mixed-1", 1, "SW1B", "delivery"));
    ANSWERS.add(reserve("van-a", "mixed-2", 1, "SW1A", "pickup"));
    ANSWERS.add(reserve("depot-c", "mixed-3", 3, "E2", null));
    ANSWERS.add(reserve("depot-c", "mixed-4", 2, null, "pickup"));
    ANSWERS.add(reserve("depot-c", "mixed-5", 1, null, null));
    for (JsonObject answer : ANSWERS) {
      assertTrue(answer.containsKey("reservationId"), answer.encode());
    }
    assertEquals(200, http.delete("/reservations/" + ANSWERS.getFirst().getString("reservationId")).status());
    assertEquals(200, http.delete("/reservations/" + ANSWERS.get(2).getString("reservationId")).status());
    assertEquals(200, http.delete("/reservations/van-a~1").status()); // made by the first release
  }

  private static JsonObject reserve(String poolId, String orderId, int units, String region, String channel) {
    JsonObject order = new JsonObject().put("orderId", orderId).put("units", units);
    if (region != null) {
      order.put("region", region);
    }
    if (channel != null) {
      order.put("channel", channel);
    }
    Response reply = http.post("/pools/" + poolId + "/reservations", order);
    assertEquals(201, reply.status(), reply.raw());
    return reply.body();
  }

  @AfterAll
  static void stop() {
    http.close();
    node.close();
    database.close();
  }

  /** Every row of the journal in feed order: stream, seq, type, payload and time of recording. */
  private static List<JsonObject> rows() {
    List<JsonObject> rows = new ArrayList<>();
    for (Row row : sql.query("SELECT stream_id, seq, type, payload::text AS payload, recorded_at FROM events "
        + "ORDER BY tx_id, position").execute().await()) {
      rows.add(new JsonObject().put("streamId", row.getString("stream_id")).put("seq", row.getLong("seq"))
          .put("type", row.getString("type")).put("payload", row.getString("payload"))
          .put("recordedAt", row.getOffsetDateTime("recorded_at").toString()));
    }
    return rows;
  }

  @Test
  void theJournalHoldsBothVersionsAndTheOldRowsAreUnchanged() {
    List<JsonObject> rows = rows();
    Set<String> types = rows.stream().map(row -> row.getString("type")).collect(Collectors.toSet());
    assertTrue(types.containsAll(List.of("capacity.reserved.v1", "capacity.reserved.v2", "reservation.released.v1",
        "reservation.released.v2")), types.toString());
    List<JsonObject> first = FirstReleaseJournal.events();
    for (int i = 0; i < first.size(); i++) {
      assertEquals(first.get(i).getString("type"), rows.get(i).getString("type"));
      assertEquals(new JsonObject(first.get(i).getString("payload")), new JsonObject(rows.get(i).getString("payload")));
    }
  }

  @Test
  void aReservationAnswersWithTheRegionAndChannelItWasMadeFor() {
    assertEquals("SW1B", ANSWERS.getFirst().getString("region"));
    assertEquals("delivery", ANSWERS.getFirst().getString("channel"));
    assertEquals("pickup", ANSWERS.get(3).getString("channel"));
    assertTrue(!ANSWERS.get(3).containsKey("region"), "an unknown region is left out");
    assertTrue(!ANSWERS.get(4).containsKey("region") && !ANSWERS.get(4).containsKey("channel"));
  }

  @Test
  void aRegionThePoolDoesNotServeIsRefusedAndNothingIsWritten() {
    long version = http.get("/pools/van-a").body().getLong("version");
    Response refused = http.post("/pools/van-a/reservations",
        new JsonObject().put("orderId", "elsewhere").put("region", "E2"));
    assertEquals(400, refused.status());
    assertEquals("invalid_region", refused.error());
    assertTrue(refused.body().getString("message").contains("E2"), refused.raw());
    assertEquals(version, http.get("/pools/van-a").body().getLong("version"));
  }

  @Test
  void everyPoolAnswersAsAReplayOfTheMixedRows() throws Exception {
    Map<String, Pool> replayed = JournalReplay.pools(url);
    for (String poolId : List.of("van-a", "van-b", "depot-c")) {
      JsonObject answer = http.get("/pools/" + poolId).body();
      assertEquals(Views.pool(replayed.get(poolId), answer.getLong("version")), answer, poolId);
    }
  }

  @Test
  void timeTravelReadsThePoolAsItWasAfterEachRowOfEitherVersion() {
    ReadSideChecks.assertTimeTravelAfterEachRow(http, rows());
  }

  @Test
  void theFeedDeliversEveryRowOnceInItsOrderAsStored() {
    ReadSideChecks.assertFeedDeliversEachRowOnce(http, rows(), 9);
  }

  @Test
  void theAuditPassesOverTheMixedJournal() {
    Audit.Report report = Audit.run(sql).await();

    assertTrue(report.passed(), report.problems().toString());
    assertEquals(rows().size(), report.events());
  }

  @Test
  void theDemandReportCountsEachReservationOnceInItsOwnRegion() throws Exception {
    assertTrue(!JournalReplay.demand(url, "E2").isEmpty(), "a v2 reservation and its release count in E2");
    assertTrue(!JournalReplay.demand(url, "SW1A").isEmpty());
    for (String region : List.of("SW1A", "SW1B", "N1", "E2", JournalReplay.REGION_UNKNOWN)) {
      JsonArray expected = JournalReplay.demand(url, region);
      String query = "/reports/demand?" + (region.isEmpty() ? "regionUnknown=true" : "region=" + region)
          + "&from=2026-11-01&to=2027-01-01";
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get(query).body().getJsonArray("days").equals(expected));
    }
    // each reservation once: the regions' counts and the unknown count add up to every reservation made
    long everywhere = 0;
    for (String region : List.of("SW1A", "SW1B", "N1", "E2", JournalReplay.REGION_UNKNOWN)) {
      for (Object day : JournalReplay.demand(url, region)) {
        everywhere += ((JsonObject) day).getLong("reservations");
      }
    }
    long reservations = rows().stream().filter(row -> row.getString("type").startsWith("capacity.reserved.")).count();
    assertEquals(reservations, everywhere);
  }
}
