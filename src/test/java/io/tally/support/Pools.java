package io.tally.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Request bodies of the HTTP contract, for tests. */
public final class Pools {

  private Pools() {
  }

  public static JsonObject definition(String poolId, int capacity) {
    return definition(poolId, capacity, "2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z", "SW1A");
  }

  public static JsonObject definition(String poolId, int capacity, String start, String end, String... regions) {
    return new JsonObject()
        .put("poolId", poolId)
        .put("capacity", capacity)
        .put("slot", new JsonObject().put("start", start).put("end", end))
        .put("regions", new JsonArray(java.util.List.of(regions)));
  }

  public static JsonObject order(String orderId, int units) {
    return new JsonObject().put("orderId", orderId).put("units", units);
  }
}
