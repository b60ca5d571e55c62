package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

  @Test
  @Timeout(30)
  void withSettleAnActionWaitsThatLongAfterThePreviousOneFinished() throws Exception {
    Properties properties = new Properties();
    properties.setProperty("out", dir.toString());
    properties.setProperty("seconds", "60");
    properties.setProperty("settle", "0.5");
    properties.setProperty("rolling.command", "sleep 0.2 && touch " + dir + "/{node}-done");
    properties.setProperty("rolling.nodes", "first,second");
    properties.setProperty("rolling.at", "0,0.1");
    LoadSettings settings = new LoadSettings("rolling", properties);

    JsonObject summary;
    try (LoadRun run = new LoadRun(settings, List.of(LoadRun.RESERVE), List.of())) {
      while (!Files.exists(dir.resolve("second-done"))) {
        Thread.sleep(20);
      }
      summary = run.finish(new JsonObject());
    }

    JsonArray actions = summary.getJsonArray("actions");
    JsonObject earlier = actions.getJsonObject(0);
    JsonObject later = actions.getJsonObject(1);
    assertTrue(later.getDouble("atSeconds") >= earlier.getDouble("atSeconds") + earlier.getDouble("tookSeconds")
        + 0.5 - 0.01, summary.encodePrettily());
  }

  @Test
  @Timeout(30)
  void anActionReportsTheSlowestRequestDuringItAndTwoSecondsAfter() throws Exception {
    Properties properties = new Properties();
    properties.setProperty("out", dir.toString());
    properties.setProperty("seconds", "60");
    properties.setProperty("graceful.command", "true");
    properties.setProperty("graceful.at", "0");
    LoadSettings settings = new LoadSettings("failover", properties);

    JsonObject summary;
    try (LoadRun run = new LoadRun(settings, List.of(LoadRun.RESERVE), List.of())) {
      long started = run.now();
      run.started(LoadRun.RESERVE, started);
      Thread.sleep(300);
      run.finished(LoadRun.RESERVE, started, Outcome.OK, 0);
      while (!Files.exists(dir.resolve("actions.log")) || run.elapsedMillis() < 500) {
        Thread.sleep(20);
      }
      summary = run.finish(new JsonObject());
    }

    JsonObject graceful = summary.getJsonObject("disturbances").getJsonObject("graceful");
    assertTrue(graceful.getDouble("longestDuringActionMs") >= 300, summary.encodePrettily());
    assertTrue(graceful.getDouble("tookSeconds") < 5, summary.encodePrettily());
  }

  @Test
  void aWindowsRateIsPerSecondOfTheRunThatHappened() {
    LoadRun.Window window = new LoadRun.Window("read", Duration.ofSeconds(5), Duration.ofSeconds(65), 1, Map.of());

    assertEquals(60, LoadRun.span(window, Duration.ofSeconds(100).toNanos()), 1e-9);
    assertEquals(10, LoadRun.span(window, Duration.ofSeconds(15).toNanos()), 1e-9);
    assertTrue(LoadRun.span(window, Duration.ofSeconds(1).toNanos()) < 1e-6);
  }
}
