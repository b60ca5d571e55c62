package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LoadRunTest {

  @TempDir
  Path dir;

  @Test
  @Timeout(30)
  void anActionDueWhileAnotherRunsWaitsForItToEnd() throws Exception {
    Path first = dir.resolve("first-done");
    Path second = dir.resolve("second-done");
    Properties properties = new Properties();
    properties.setProperty("out", dir.toString());
    properties.setProperty("seconds", "60");
    properties.setProperty("rolling.command", "sleep 0.5 && touch " + dir + "/{node}-done");
    properties.setProperty("rolling.nodes", "first,second");
    properties.setProperty("rolling.at", "0,0.1");
    LoadSettings settings = new LoadSettings("rolling", properties);

    JsonObject summary;
    try (LoadRun run = new LoadRun(settings, List.of(LoadRun.RESERVE), List.of())) {
      while (!Files.exists(second)) {
        Thread.sleep(20);
      }
      summary = run.finish(new JsonObject());
    }

    assertTrue(Files.getLastModifiedTime(first).compareTo(Files.getLastModifiedTime(second)) <= 0);
    JsonArray actions = summary.getJsonArray("actions");
    JsonObject earlier = actions.getJsonObject(0);
    JsonObject later = actions.getJsonObject(1);
    assertEquals("graceful second", later.getString("name"));
    assertEquals(0.1, later.getDouble("plannedAtSeconds"));
    assertTrue(later.getDouble("atSeconds") >= earlier.getDouble("atSeconds") + earlier.getDouble("tookSeconds"),
        summary.encodePrettily());
  }
}
