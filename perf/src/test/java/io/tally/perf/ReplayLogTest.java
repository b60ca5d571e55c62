package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayLogTest {

  @TempDir
  Path dir;

  @Test
  void aLineCarriesOffsetMethodPathBodyAndExpectedStatus() {
    ReplayLog.Entry entry = ReplayLog.parse("{\"offsetMs\":1250,\"method\":\"POST\",\"path\":\"/pools/p/reservations\","
        + "\"body\":{\"orderId\":\"o1\",\"units\":1},\"expect\":201}", "log:1");

    assertEquals(1250, entry.offsetMs());
    assertEquals("POST", entry.method());
    assertEquals("/pools/p/reservations", entry.path());
    assertEquals(new JsonObject().put("orderId", "o1").put("units", 1), new JsonObject(entry.body()));
    assertEquals(201, entry.expect());
  }

  @Test
  void bodyAndExpectationAreOptional() {
    ReplayLog.Entry entry = ReplayLog.parse("{\"offsetMs\":0,\"method\":\"DELETE\",\"path\":\"/reservations/p~1\"}",
        "log:1");

    assertNull(entry.body());
    assertNull(entry.expect());
  }

  @Test
  void aMalformedLineIsRefusedWithWhereItIs() {
    List<String> bad = List.of(
        "not json",
        "{\"method\":\"GET\",\"path\":\"/cluster\"}",
        "{\"offsetMs\":-1,\"method\":\"GET\",\"path\":\"/cluster\"}",
        "{\"offsetMs\":1.5,\"method\":\"GET\",\"path\":\"/cluster\"}",
        "{\"offsetMs\":1,\"method\":\"TRACE\",\"path\":\"/cluster\"}",
        "{\"offsetMs\":1,\"method\":\"GET\",\"path\":\"cluster\"}",
        "{\"offsetMs\":1,\"method\":\"GET\",\"path\":\"/cluster\",\"expect\":999}");
    for (String line : bad) {
      LoadSettings.Invalid invalid = assertThrows(LoadSettings.Invalid.class, () -> ReplayLog.parse(line, "f:7"),
          line);
      assertTrue(invalid.getMessage().startsWith("f:7: "), invalid.getMessage());
    }
  }

  @Test
  void whatTheWriterRecordsIsReadBackInOffsetOrder() throws IOException {
    Path file = dir.resolve("log.jsonl");
    try (ReplayLog.Writer writer = new ReplayLog.Writer(file)) {
      writer.write(30, "POST", "/availability", new JsonObject().put("region", "R01"));
      writer.write(10, "POST", "/pools", new JsonObject().put("poolId", "p"));
      writer.write(10, "DELETE", "/reservations/p~1", null);
    }

    List<ReplayLog.Entry> entries = ReplayLog.read(file);

    assertEquals(List.of(10L, 10L, 30L), entries.stream().map(ReplayLog.Entry::offsetMs).toList());
    assertEquals(List.of("/pools", "/reservations/p~1", "/availability"),
        entries.stream().map(ReplayLog.Entry::path).toList());
  }

  @Test
  void anEmptyLogIsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("empty.jsonl"), "\n\n");

    assertThrows(LoadSettings.Invalid.class, () -> ReplayLog.read(file));
  }

  @Test
  void theLineNumberOfABadLineIsReported() throws IOException {
    Path file = Files.writeString(dir.resolve("bad.jsonl"),
        "{\"offsetMs\":0,\"method\":\"GET\",\"path\":\"/cluster\"}\n\n{\"offsetMs\":0}\n");

    LoadSettings.Invalid invalid = assertThrows(LoadSettings.Invalid.class, () -> ReplayLog.read(file));

    assertTrue(invalid.getMessage().startsWith(file + ":3: "), invalid.getMessage());
  }
}
