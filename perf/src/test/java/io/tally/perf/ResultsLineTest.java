package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsLineTest {

  @TempDir
  Path dir;

  private static JsonObject kind(double okPerSecond, double p50, double p99, double p999, long errors) {
    return new JsonObject().put("ok", 1000).put("errors", errors).put("unfinished", 0).put("okPerSecond", okPerSecond)
        .put("p50Ms", p50).put("p99Ms", p99).put("p999Ms", p999);
  }

  private static JsonObject window(String name, double multiple, double reserveP99) {
    return new JsonObject().put("name", name).put("multiple", multiple)
        .put("targetPerSecond", new JsonObject().put("availability", 500 * multiple).put("reserve", 50 * multiple)
            .put("release", 5 * multiple))
        .put("kinds", new JsonObject()
            .put("availability", kind(500 * multiple, 0.4, 3.5, 9.1, 0))
            .put("reserve", kind(50 * multiple, 1.8, reserveP99, 40.2, 1))
            .put("release", kind(5 * multiple, 1.9, 12.0, 20.0, 0)))
        .put("cpu", new JsonObject().put("generator", 0.56).put("machineCores", 2));
  }

  private static JsonObject summary(String scenario, JsonArray windows) {
    return new JsonObject().put("scenario", scenario).put("startedAt", "2026-11-27T00:05:11.123Z")
        .put("commit", "abc1234")
        .put("machine", new JsonObject().put("nproc", 2).put("memoryTotalBytes", 25_000_000_000L))
        .put("windows", windows);
  }

  @Test
  void aSteadyRunReportsItsMeasuredWindow() {
    JsonObject steady = summary("steady", new JsonArray().add(window("warm-up", 10, 99)).add(window("measured", 10,
        16.6)));

    String line = ResultsLine.line(steady, "PASS");

    List<String> cells = List.of(line.substring(2, line.length() - 2).split(" \\| "));
    assertEquals(List.of("2026-11-27 00:05:11Z", "`abc1234`", "2 cores, 25 GB", "steady", "measured",
        "5,000, 500, 50", "5,000, 500, 50", "1.80 / 16.60 / 40.20", "0.40 / 3.50 / 9.10", "1 (0.033 %)", "0.56 of 2",
        "", "PASS"), cells);
  }

  @Test
  void aRampReportsTheLastLevelThatHeldAndWhereItBroke() {
    JsonObject ramp = summary("ramp", new JsonArray().add(window("level 4x", 4, 10)).add(window("level 6x", 6, 20))
        .add(window("level 8x", 8, 300)))
        .put("breakingPoint", new JsonObject().put("reachedMultiple", 6.0).put("brokeAtMultiple", 8.0)
            .put("reason", "reserve p99 300.0 ms"));

    String line = ResultsLine.line(ramp, "PASS");

    assertTrue(line.contains("| level 6x |"), line);
    assertTrue(line.contains("reached 6x, broke at 8x: reserve p99 300.0 ms"), line);
  }

  @Test
  void aRollingRestartReportsTheErrorWindowAfterEachNodeAndOneThatDidNotFinish() {
    JsonObject rolling = summary("rolling", new JsonArray().add(window("measured", 10, 30)))
        .put("disturbances", new JsonObject()
            .put("graceful n1", new JsonObject().put("atSeconds", 50.2).put("finished", true)
                .put("failedRequests", 0).put("errorWindowSeconds", 0).put("longestRequestMs", 812.4))
            .put("graceful n2", new JsonObject().put("atSeconds", 90.0).put("finished", false)
                .put("failedRequests", 3).put("errorWindowSeconds", 1).put("longestRequestMs", 1500.0)));

    String line = ResultsLine.line(rolling, "PASS");

    assertTrue(line.contains("graceful n1 at 50 s: 0 failed, error window 0 s, longest 812 ms; graceful n2 at 90 s:"
        + " 3 failed, error window 1 s, longest 1500 ms, still running at the end |"), line);
  }

  @Test
  void theFirstLineOfANewFileComesWithTheTableHeader() throws IOException {
    Path summary = Files.writeString(dir.resolve("summary.json"),
        summary("steady", new JsonArray().add(window("measured", 1, 8))).encode());
    Path results = dir.resolve("RESULTS.md");

    ResultsLine.append(summary, "PASS", results);
    ResultsLine.append(summary, "FAIL", results);

    List<String> lines = Files.readAllLines(results);
    assertEquals("# Load scenario results", lines.getFirst());
    assertEquals(2, lines.stream().filter(line -> line.startsWith("| 2026-11-27")).count());
    assertTrue(lines.getLast().endsWith("| FAIL |"), lines.getLast());
  }
}
