package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolsTest {

  @Test
  void reservationPoolsHaveRoomForAnyRunAndASlotAWeekAheadOnTheHour() {
    List<JsonObject> pools = Pools.definitions(Pools.ids("pk-1-", 3), Instant.parse("2026-12-02T04:41:13Z"));

    assertEquals(List.of("pk-1-0", "pk-1-1", "pk-1-2"), pools.stream().map(p -> p.getString("poolId")).toList());
    JsonObject first = pools.getFirst();
    assertEquals(100_000_000L, first.getLong("capacity"));
    assertEquals("2026-12-09T04:00:00Z", first.getJsonObject("slot").getString("start"));
    assertEquals("2026-12-09T06:00:00Z", first.getJsonObject("slot").getString("end"));
    assertEquals("R1", first.getJsonArray("regions").getString(0));
  }
}
