package io.tally.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator console in a real headless Chromium, driven by {@code src/test/browser/console.mjs}
 * (playwright-core): the board's colours for pools at known fill levels, a reservation reaching it live, the
 * drill-down's time slider against {@code GET /pools/{id}?at=}, its forms writing to the journal, and the forms and
 * board refused without the token. Screenshots of each state are kept in {@code target/console-screenshots}.
 *
 * <p>It needs Debian's {@code chromium} ({@code CHROMIUM} names another binary) and {@code npm ci} in
 * {@code src/test/browser}; the build runs the second, {@code .ci/run} installs the first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {

  private static final Path SCRIPT = Path.of("src/test/browser/console.mjs");
  private static final Path SHOTS = Path.of("target/console-screenshots");
  private static final String REGION = "BRW";

  private TestNode node;
  private Http http;
  private final LocalDate day = LocalDate.now(ZoneOffset.UTC).plusDays(1);

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
    http = new Http(node.port());
  }

  @AfterAll
  void stop() {
    http.close();
    node.close();
  }

  @Test
  void theConsoleShowsTheBoardLiveAndItsFormsWriteToTheJournal() throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    define("brw-low", 10, 6, 1, 1);
    expected.put("brw-low", "low");
    define("brw-mid", 10, 8, 6);
    expected.put("brw-mid", "mid");
    define("brw-live", 10, 10, 7);
    expected.put("brw-live", "mid");
    define("brw-high", 10, 12, 9);
    expected.put("brw-high", "high");
    define("brw-full", 2, 14, 2);
    expected.put("brw-full", "full");
    define("brw-closed", 5, 16);
    http.patch("/pools/brw-closed", new JsonObject().put("status", "closed"));
    expected.put("brw-closed", "closed");
    JsonObject past = slot("brw-past", 5, 18).put("cutoff", Instant.now().minus(1, ChronoUnit.HOURS).toString());
    assertEquals(201, http.post("/pools", past).status());
    expected.put("brw-past", "low");
    String board = "/console/board?region=" + REGION + "&from=" + day + "&to=" + day.plusDays(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      var slots = http.get(board).body().getJsonArray("slots");
      return slots.size() == expected.size() && slots.stream().anyMatch(s -> ((JsonObject) s).getString("status")
          .equals("closed"));
    });

    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    assertTrue(Files.isExecutable(Path.of(chromium)), "the console's browser test needs Chromium at " + chromium
        + ": apt-get install chromium, or set CHROMIUM to another binary (.ci/run installs it)");
    Files.createDirectories(SHOTS);
    ProcessBuilder browser = new ProcessBuilder("node", SCRIPT.toString()).redirectErrorStream(true)
        .redirectOutput(SHOTS.resolve("console.log").toFile());
    browser.environment().putAll(Map.of("BASE_URL", "http://127.0.0.1:" + node.port(), "TOKEN", Http.ADMIN_TOKEN,
        "REGION", REGION, "FROM", day.toString(), "EXPECT", new JsonObject(Map.copyOf(expected)).encode(),
        "LIVE_POOL", "brw-live", "PAST_POOL", "brw-past", "DRILL_POOL", "brw-low", "SHOTS", SHOTS.toString(),
        "CHROMIUM", chromium));
    Process process = browser.start();
    boolean ended = process.waitFor(3, TimeUnit.MINUTES);
    if (!ended) {
      process.destroyForcibly();
    }
    String output = Files.readString(SHOTS.resolve("console.log"), StandardCharsets.UTF_8);
    assertTrue(ended, "the browser checks did not end within 3 minutes:\n" + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("all console checks passed"), output);
    for (String shot : List.of("board", "board-after-reservation", "drill-down", "reset-preview", "phone",
        "refused")) {
      assertTrue(Files.size(SHOTS.resolve(shot + ".png")) > 0, shot);
    }
  }

  /** A pool of the board's day, its slot starting at {@code hour}, with one reservation per entry of {@code units}. */
  private void define(String poolId, int capacity, int hour, int... units) {
    assertEquals(201, http.post("/pools", slot(poolId, capacity, hour)).status());
    for (int i = 0; i < units.length; i++) {
      assertEquals(201, http.post("/pools/" + poolId + "/reservations", Pools.order("o" + i, units[i])).status());
    }
  }

  private JsonObject slot(String poolId, int capacity, int hour) {
    String start = day.atTime(hour, 0).toInstant(ZoneOffset.UTC).toString();
    String end = day.atTime(hour + 2, 0).toInstant(ZoneOffset.UTC).toString();
    return Pools.definition(poolId, capacity, start, end, REGION);
  }
}
