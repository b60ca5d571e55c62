package io.tally.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tally.contract.StoredForm;
import io.tally.contract.Views;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks of a node's read side against journal rows known to the test, each row a JSON object with
 * {@code streamId}, {@code seq}, {@code type}, {@code payload} (the stored text) and {@code recordedAt}, in feed
 * order.
 */
public final class ReadSideChecks {

  private ReadSideChecks() {
  }

  /** {@code GET /pools/{id}?at=} at the moment of each row answers the replay of its pool's rows until then. */
  public static void assertTimeTravelAfterEachRow(Http http, List<JsonObject> rows) {
    for (JsonObject row : rows) {
      String poolId = row.getString("streamId");
      OffsetDateTime at = OffsetDateTime.parse(row.getString("recordedAt"));
      List<JsonObject> until = rows.stream().filter(e -> e.getString("streamId").equals(poolId))
          .filter(e -> !OffsetDateTime.parse(e.getString("recordedAt")).isAfter(at)).toList();
      List<PoolEvent> history = until.stream()
          .map(e -> StoredForm.decode(e.getString("type"), e.getString("payload"))).toList();
      JsonObject expected = Views.pool(PoolDecider.replay(null, history), until.getLast().getLong("seq"))
          .put("at", at.toInstant().toString());
      assertEquals(expected, http.get("/pools/" + poolId + "?at=" + at.toInstant()).body(), row.encode());
    }
  }

  /** {@code GET /events}, paged from the start, delivers every row once, in order, as stored. */
  public static void assertFeedDeliversEachRowOnce(Http http, List<JsonObject> rows, int pageSize) {
    List<JsonObject> fed = new ArrayList<>();
    String after = "0:0";
    while (true) {
      JsonObject page = http.get("/events?after=" + after + "&limit=" + pageSize).body();
      JsonArray items = page.getJsonArray("events");
      if (items.isEmpty()) {
        break;
      }
      items.forEach(item -> fed.add((JsonObject) item));
      after = page.getString("next");
    }
    assertEquals(rows.size(), fed.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).getString("streamId"), fed.get(i).getString("streamId"));
      assertEquals(rows.get(i).getLong("seq"), fed.get(i).getLong("seq"));
      assertEquals(rows.get(i).getString("type"), fed.get(i).getString("type"));
      assertEquals(new JsonObject(rows.get(i).getString("payload")), fed.get(i).getJsonObject("payload"));
    }
  }
}
