package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class LagSamplesTest {

  private static String unavailable(String poolId) {
    return new JsonObject().put("type", "slot").put("poolId", poolId).put("available", false).put("open", true)
        .encode();
  }

  @Test
  void aSocketLagRunsFromTheBookingsAnswerToTheMessageAndMayBeNegative() {
    LagSamples lag = new LagSamples(List.of("p0", "p1", "p2"));
    lag.sent(0);
    lag.message(1_000, unavailable("p0"));
    lag.acknowledged(0, 1_001, 5_000_000);
    lag.sent(1);
    lag.acknowledged(1, 2_000, 9_000_000);
    lag.polled(1, 10_000_000, false);
    lag.polled(1, 12_500_000, true);
    lag.message(2_004, unavailable("p1"));
    lag.message(2_005, unavailable("p1"));
    lag.sent(2);
    lag.failed(2, "503");

    JsonObject json = lag.toJson(10_000);

    assertEquals(2, json.getInteger("samples"));
    assertEquals(1, json.getLong("negativeLags"));
    assertEquals(-1.0, json.getJsonObject("socketLagMs").getDouble("min"));
    assertEquals(4.0, json.getJsonObject("socketLagMs").getDouble("max"));
    assertEquals(4.0, json.getJsonObject("socketLagMsSamplesPolled").getDouble("p50"));
    assertEquals(3.5, json.getJsonObject("pollLagMs").getDouble("p50"));
    assertEquals(2.0, json.getDouble("pollsPerSample"));
    assertEquals(1, json.getJsonObject("socketMessages").getLong("repeated"));
    assertEquals(1, json.getJsonObject("errors").getLong("booking 503"));
  }

  @Test
  void aMessageForAPoolNotYetBookedOrAnotherPoolIsCountedNotTaken() {
    LagSamples lag = new LagSamples(List.of("p0", "p1"));
    lag.message(1, unavailable("p1"));
    lag.message(2, unavailable("elsewhere"));
    lag.message(3, "not json");
    lag.sent(0);
    lag.acknowledged(0, 10, 1);

    JsonObject json = lag.toJson(500);

    assertEquals(0, json.getInteger("samples"));
    assertNull(json.getJsonObject("socketLagMs").getValue("p99"));
    assertEquals(1, json.getJsonObject("socketMessages").getLong("unavailable before the booking was sent"));
    assertEquals(1, json.getJsonObject("socketMessages").getLong("unexpected slot of another pool"));
    assertEquals(1, json.getJsonObject("errors").getLong("no socket message within 500 ms of the 201"));
    assertEquals(1, json.getJsonObject("errors").getLong("booking never sent"));
  }

  @Test
  void percentilesAreNearestRank() {
    double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, LagSamples.percentile(sorted, 50));
    assertEquals(10, LagSamples.percentile(sorted, 99));
    assertEquals(1, LagSamples.percentile(sorted, 1));
  }
}
