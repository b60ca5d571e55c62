package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportsTest {

  private static JsonObject summary(String kind, double okPerSecond, double p99) {
    JsonObject tally = new JsonObject().put("started", 1000).put("ok", 990).put("errors", 4).put("unfinished", 6)
        .put("okPerSecond", okPerSecond).put("p50Ms", 1.5).put("p99Ms", p99).put("p999Ms", p99 * 2)
        .put("maxMs", p99 * 3);
    JsonObject warm = new JsonObject().put("name", "warm-up").put("kinds", new JsonObject().put(kind,
        new JsonObject().put("ok", 5).put("okPerSecond", 1.0)));
    JsonObject measured = new JsonObject().put("name", "measured").put("kinds", new JsonObject().put(kind, tally))
        .put("cpuMicrosPerOk", new JsonObject().put("node", 76.0));
    return new JsonObject().put("windows", new JsonArray().add(warm).add(measured)).put("details", new JsonObject());
  }

  @Test
  void theBenchComparesThePeaksWithTheCeilingAndEachOtherAndJudgesTheLatencies() {
    Map<String, JsonObject> summaries = new LinkedHashMap<>();
    summaries.put("peak", summary("reserve", 9000, 80));
    summaries.put("hot-peak", summary("reserve", 12000, 60));
    summaries.put("fixed", summary("reserve", 4500, 42.5));
    summaries.put("availability-fixed", summary("availability", 10000, 1.9));
    JsonObject lag = summary("reserve", 20, 5);
    lag.getJsonObject("details").put("socketLagMs", new JsonObject().put("p99", 10.0)).put("note", "socket lag");
    summaries.put("lag", lag);

    JsonObject report = Reports.bench(summaries, new JsonObject().put("tps", 18000.0), "PASS");

    JsonObject goals = report.getJsonObject("goals");
    assertEquals(0.5, goals.getJsonObject("peakOverCeiling").getDouble("value"));
    assertFalse(goals.getJsonObject("peakOverCeiling").getBoolean("met"));
    assertEquals(1.333, goals.getJsonObject("hotOverPeak").getDouble("value"));
    assertTrue(goals.getJsonObject("hotOverPeak").getBoolean("met"));
    assertFalse(goals.getJsonObject("fixedP99Ms").getBoolean("met"));
    assertTrue(goals.getJsonObject("availabilityFixedP99Ms").getBoolean("met"));
    assertTrue(goals.getJsonObject("changeLagP99Ms").getBoolean("met"));
    assertEquals(76.0, report.getJsonObject("phases").getJsonObject("peak").getJsonObject("cpuMicrosPerOk")
        .getDouble("node"));
    String text = Reports.benchText(report);
    assertTrue(text.contains("ceiling (pgbench, one INSERT per commit): 18,000 tps"), text);
    assertTrue(text.contains("hot-peak"), text);
  }

  @Test
  void theClusterReportsTheRatioAndWhatEachActionCost() {
    Map<String, JsonObject> summaries = new LinkedHashMap<>();
    summaries.put("single", summary("reserve", 10000, 50));
    summaries.put("peak", summary("reserve", 3500, 200));
    JsonObject timeline = summary("reserve", 1000, 900);
    timeline.put("acknowledged", new JsonObject().put("reserved", 60000));
    timeline.put("disturbances", new JsonObject()
        .put("kill", new JsonObject().put("atSeconds", 20.0).put("tookSeconds", 1.1).put("finished", true)
            .put("failedRequests", 0).put("longestRequestMs", 1900.0).put("longestDuringActionMs", 1900.0))
        .put("restart", new JsonObject().put("atSeconds", 35.0).put("tookSeconds", 8.6).put("finished", true))
        .put("graceful", new JsonObject().put("atSeconds", 53.6).put("tookSeconds", 3.3).put("finished", false)
            .put("longestDuringActionMs", 696.0)));
    summaries.put("timeline", timeline);

    JsonObject report = Reports.cluster(summaries, "PASS");

    assertEquals(0.35, report.getDouble("threeOverSingle"));
    assertFalse(report.getJsonObject("goals").getJsonObject("threeOverSingle").getBoolean("met"));
    JsonObject figures = report.getJsonObject("timeline");
    assertEquals(1.1, figures.getDouble("recoverySeconds"));
    assertEquals(8.6, figures.getDouble("rejoinSeconds"));
    assertNull(figures.getValue("gracefulStopSeconds"));
    assertEquals(10, figures.getLong("failed"));
    assertEquals(60000, figures.getLong("acknowledged"));
    assertTrue(report.getJsonObject("goals").getJsonObject("longestRequestDuringGracefulStopMs").getBoolean("met"));
    assertTrue(report.getJsonObject("goals").getJsonObject("audit").getBoolean("met"));
    assertTrue(Reports.clusterText(report).contains("three / one 0.35"), Reports.clusterText(report));
  }

  @Test
  void theMeasuredWindowIsTheOneNamedSoOrTheOnlyOne() {
    assertEquals(9000, Reports.measured(summary("reserve", 9000, 1)).okPerSecond());
    JsonObject feed = new JsonObject().put("windows", new JsonArray().add(new JsonObject().put("name", "read")
        .put("kinds", new JsonObject().put("feed", new JsonObject().put("ok", 170).put("okPerSecond", 170.0)))));
    assertEquals("feed", Reports.measured(feed).kind());
    assertNull(Reports.measured(new JsonObject()).okPerSecond());
  }
}
