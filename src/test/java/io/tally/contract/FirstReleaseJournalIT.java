package io.tally.contract;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.pool.Pool;
import io.tally.support.FirstReleaseJournal;
import io.tally.support.Http;
import io.tally.support.JournalReplay;
import io.tally.support.MigratedDatabase;
import io.tally.support.ReadSideChecks;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A journal exactly as the first release wrote it (events, snapshots and {@code pool_view} rows kept under
 * {@code fixtures/journal-v1}, with how they were made in its {@code capture.sh}), read by the current code: pools
 * load from their snapshots and events and answer as that release did, time travel and the feed read the old
 * rows, the audit passes, and the demand projection counts them. A change to a stored shape that forgets its
 * upcaster fails here.
 */
class FirstReleaseJournalIT {

  private static List<JsonObject> events;
  private static List<JsonObject> answered;
  private static MigratedDatabase database;
  private static String url;
  private static TestNode node;
  private static Http http;
  private static io.vertx.sqlclient.Pool sql;

  @BeforeAll
  static void loadTheFirstReleasesJournal() throws Exception {
    events = FirstReleaseJournal.events();
    // the same answers, with the units held that this release adds to a pool's body: none, in that journal
    answered = FirstReleaseJournal.answered().stream().map(pool -> pool.copy().put("held", 0)).toList();
    database = MigratedDatabase.create();
    url = database.url();
    sql = database.sql();
    FirstReleaseJournal.insert(url);
    node = database.startNode();
    http = new Http(node.port());
  }

  @AfterAll
  static void stop() {
    http.close();
    node.close();
    database.close();
  }

  @Test
  void everyPoolAnswersAsTheFirstReleaseDid() {
    assertTrue(FirstReleaseJournal.snapshots().size() > 0, "the fixture has a snapshot written by the first release");
    for (JsonObject pool : answered) {
      assertEquals(pool, http.get("/pools/" + pool.getString("poolId")).body());
    }
  }

  @Test
  void aSnapshotOfAnotherStateVersionIsIgnoredAndReplacedByACurrentOne() {
    // stale-snapshot.json, made by hand: van-a at its last seq in a state version no release writes, with a
    // capacity the pool never had; read as if it were current, the pool would answer capacity 999
    JsonObject vanA = answered.stream().filter(pool -> pool.getString("poolId").equals("van-a")).findFirst()
        .orElseThrow();

    assertEquals(vanA, http.get("/pools/van-a").body());

    await().atMost(Duration.ofSeconds(10)).until(() -> StoredForm.readable(snapshotOf("van-a")));
    assertEquals(vanA, Views.pool(StoredForm.restore(snapshotOf("van-a")), vanA.getLong("version")));
  }

  @Test
  void theFirstReleasesOwnSnapshotIsOfTheOldStateVersionAndIsReplaced() {
    JsonObject depotC = answered.stream().filter(pool -> pool.getString("poolId").equals("depot-c")).findFirst()
        .orElseThrow();
    JsonObject written = FirstReleaseJournal.snapshots().stream()
        .filter(row -> row.getString("streamId").equals("depot-c")).findFirst().orElseThrow();
    assertEquals(1, new JsonObject(written.getString("state")).getInteger("v"));

    assertEquals(depotC, http.get("/pools/depot-c").body());

    await().atMost(Duration.ofSeconds(10)).until(() -> StoredForm.readable(snapshotOf("depot-c")));
    assertEquals(depotC, Views.pool(StoredForm.restore(snapshotOf("depot-c")), depotC.getLong("version")));
  }

  private static String snapshotOf(String poolId) {
    return sql.preparedQuery("SELECT state::text AS state FROM snapshots WHERE stream_id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(poolId)).await().iterator().next().getString("state");
  }

  @Test
  void aReplayOfEveryStreamEqualsWhatTheFirstReleaseAnswered() throws Exception {
    Map<String, Pool> replayed = JournalReplay.pools(url);
    for (JsonObject pool : answered) {
      String poolId = pool.getString("poolId");
      assertEquals(pool, Views.pool(replayed.get(poolId), pool.getLong("version")), poolId);
    }
  }

  @Test
  void timeTravelReadsThePoolAsItWasAfterEachOldRow() {
    ReadSideChecks.assertTimeTravelAfterEachRow(http, events);
  }

  @Test
  void theFeedDeliversEveryOldRowOnceInItsOrder() {
    ReadSideChecks.assertFeedDeliversEachRowOnce(http, events, 7);
  }

  @Test
  void theAuditPassesOverTheOldRows() {
    Audit.Report report = Audit.run(sql).await();

    assertTrue(report.passed(), report.problems().toString());
    assertEquals(events.size(), report.events());
    assertEquals(answered.size(), report.pools());
  }

  @Test
  void theDemandReportCountsOldReservationsOnceEachUnderRegionUnknownUnlessThePoolServesOneRegion() throws Exception {
    // van-b serves only N1, so its reservations are N1's; van-a and depot-c serve several regions
    assertTrue(!JournalReplay.demand(url, "N1").isEmpty());
    assertTrue(JournalReplay.demand(url, "SW1A").isEmpty());
    assertTrue(!JournalReplay.demand(url, JournalReplay.REGION_UNKNOWN).isEmpty());
    for (String region : List.of("SW1A", "SW1B", "N1", "E2", JournalReplay.REGION_UNKNOWN)) {
      JsonArray expected = JournalReplay.demand(url, region);
      String query = "/reports/demand?" + (region.isEmpty() ? "regionUnknown=true" : "region=" + region)
          + "&from=2026-11-01&to=2027-01-01";
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get(query).body().getJsonArray("days").equals(expected));
    }
  }
}
