package io.tally.contract;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tally.audit.Audit;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.MigratedDatabase;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The rolling-upgrade rule, from the side of the older node: a pool whose journal holds an event this release
 * cannot read (here {@code capacity.reserved.v3}, as a newer release might write) is refused with 503
 * {@code unreadable_event} and never replayed without it; every other pool is served; the feed and history pass
 * the row on as stored; the demand projection stops before it and says why; the audit reports it.
 */
class NewerReleaseEventIT {

  private static final String DEFINED = "{\"poolId\":\"%s\",\"capacity\":10,\"slot\":{\"start\":"
      + "\"2026-12-01T10:00:00Z\",\"end\":\"2026-12-01T12:00:00Z\"},\"regions\":[\"SW1A\",\"N1\"]}";
  private static final String NEWER = "{\"reservationId\":\"future~2\",\"orderId\":\"o2\",\"units\":2,"
      + "\"region\":\"SW1A\",\"channel\":\"pickup\",\"basket\":\"b-1\"}";

  private static MigratedDatabase database;
  private static TestNode node;
  private static Http http;
  private static io.vertx.sqlclient.Pool sql;

  @BeforeAll
  static void journalWithANewerReleasesEvent() throws Exception {
    database = MigratedDatabase.create();
    sql = database.sql();
    insert("future", 1, "pool.defined.v1", DEFINED.formatted("future"));
    insert("future", 2, "capacity.reserved.v1", "{\"reservationId\":\"future~1\",\"orderId\":\"o1\",\"units\":1}");
    insert("future", 3, "capacity.reserved.v3", NEWER);
    insert("present", 1, "pool.defined.v1", DEFINED.formatted("present"));
    node = database.startNode();
    http = new Http(node.port());
  }

  private static void insert(String poolId, long seq, String type, String payload) {
    sql.preparedQuery("INSERT INTO events (stream_id, seq, type, payload, metadata) "
        + "VALUES ($1, $2, $3, $4::text::jsonb, '{}'::jsonb)").execute(Tuple.of(poolId, seq, type, payload)).await();
  }

  @AfterAll
  static void stop() {
    http.close();
    node.close();
    database.close();
  }

  private static void assertUnreadable(Response reply) {
    assertEquals(503, reply.status(), reply.raw());
    assertEquals("unreadable_event", reply.error());
    assertTrue(reply.body().getString("message").contains("capacity.reserved.v3"), reply.raw());
    assertTrue(reply.body().getString("message").contains("newer release"), reply.raw());
  }

  @Test
  void thePoolIsRefusedForReadsAndWritesRatherThanReplayedWithoutTheEvent() {
    assertUnreadable(http.get("/pools/future"));
    assertUnreadable(http.post("/pools/future/reservations", Pools.order("o3", 1)));
    assertUnreadable(http.delete("/reservations/future~1"));
    assertUnreadable(http.get("/pools/future?at=2030-01-01T00:00:00Z"));
    assertEquals(3, sql.query("SELECT count(*) AS n FROM events WHERE stream_id = 'future'").execute().await()
        .iterator().next().getLong("n"), "nothing was appended to the pool");
  }

  @Test
  void theRefusalIsKeptRatherThanThePoolLoadedAgainForEachRequest() {
    assertUnreadable(http.get("/pools/future"));
    Logger entities = (Logger) LoggerFactory.getLogger("io.tally.shard.PoolEntity");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    entities.addAppender(logged);
    try {
      for (int i = 0; i < 5; i++) {
        assertUnreadable(http.post("/pools/future/reservations", Pools.order("again-" + i, 1)));
      }
    } finally {
      entities.detachAppender(logged);
    }
    assertTrue(logged.list.stream().noneMatch(event -> event.getFormattedMessage().contains("is refused")),
        "loaded again: " + logged.list);
  }

  @Test
  void everyOtherPoolIsServed() {
    assertEquals(201, http.post("/pools/present/reservations", Pools.order("o1", 1)).status());
    assertEquals(1, http.get("/pools/present").body().getLong("reserved"));
  }

  @Test
  void historyAndTheFeedPassTheRowOnAsStored() {
    JsonArray history = http.get("/pools/future/events").body().getJsonArray("events");
    assertEquals("capacity.reserved.v3", history.getJsonObject(2).getString("type"));
    assertEquals(new JsonObject(NEWER), history.getJsonObject(2).getJsonObject("payload"));
    JsonArray feed = http.get("/events?limit=100").body().getJsonArray("events");
    assertTrue(feed.stream().map(JsonObject.class::cast)
        .anyMatch(event -> event.getString("type").equals("capacity.reserved.v3")
            && event.getJsonObject("payload").equals(new JsonObject(NEWER))));
  }

  @Test
  void theDemandProjectionStopsBeforeTheEventAndSaysWhy() {
    await().atMost(Duration.ofSeconds(30)).until(() -> demand().containsKey("failure"));
    JsonObject demand = demand();
    assertTrue(demand.getString("failure").contains("capacity.reserved.v3"), demand.encode());
    assertTrue(demand.getLong("behind") >= 1, demand.encode());
  }

  private static JsonObject demand() {
    return http.get("/projections").body().getJsonArray("projections").stream().map(JsonObject.class::cast)
        .filter(projection -> projection.getString("name").equals("demand")).findFirst().orElseThrow();
  }

  @Test
  void theAuditReportsTheUnreadableEvent() {
    Audit.Report report = Audit.run(sql).await();
    assertFalse(report.passed());
    assertTrue(report.problems().stream().anyMatch(problem -> problem.contains("future")
        && problem.contains("capacity.reserved.v3")), report.problems().toString());
  }
}
