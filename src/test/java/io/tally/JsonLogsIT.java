package io.tally;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.NodeProcess;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code TALLY_LOG_FORMAT=json}: a real node process writes one JSON object per line, each with the node's id, and
 * the lines about a pool, a shard or a seq carry them as fields; the node's state changes are there at INFO.
 */
class JsonLogsIT {

  private static final String POOL = "json-logs-pool";

  @Test
  void everyLineIsJsonWithTheNodeAndTheFieldsOfWhatItIsAbout() throws Exception {
    Path log = Path.of("target", "json-logs-it-" + System.nanoTime() + ".log");
    int port = TestNode.freePort();
    NodeProcess node = NodeProcess.start(port, Map.of("TALLY_LOG_FORMAT", "json", "TALLY_LOG_LEVEL", "DEBUG",
        "TALLY_NODE_ID", "json-node", "TALLY_PG_URL", TestDatabase.freshUrl()), log);
    try (Http http = new Http(port)) {
      assertTrue(http.post("/pools", Pools.definition(POOL, 5)).applied());
      assertTrue(http.post("/pools/" + POOL + "/reservations", Pools.order("o-1", 1)).applied());
    } finally {
      node.terminate();
    }

    List<JsonObject> lines = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      if (line.isBlank() || line.startsWith("WARNING: ")) {
        continue; // the JVM's own warnings on standard error, written before and outside the logging
      }
      try {
        lines.add(new JsonObject(line));
      } catch (DecodeException notJson) {
        throw new AssertionError("not a JSON line in " + log + ": " + line, notJson);
      }
    }
    for (JsonObject line : lines) {
      assertEquals("json-node", line.getString("node"), line.encode());
      for (String field : List.of("@timestamp", "level", "logger_name", "thread_name", "message")) {
        assertTrue(line.containsKey(field), field + " in " + line.encode());
      }
    }
    JsonObject appended = lines.stream()
        .filter(line -> line.getString("message").startsWith("Appended 1 events to " + POOL + " at seq 2"))
        .findFirst().orElseThrow(() -> new AssertionError("no append of the reservation in " + log));
    assertEquals(POOL, appended.getString("pool"));
    assertEquals(2, appended.getInteger("seq"));
    assertTrue(lines.stream().anyMatch(line -> line.getValue("shard") instanceof Integer
        && line.getString("message").startsWith("Shard " + line.getInteger("shard") + " serves")), "shard fields");
    List<String> changes = List.of("Starting node", "owns 128 of 128", "is ready", "handed its shards off",
        "stopped");
    for (String change : changes) {
      assertTrue(lines.stream().anyMatch(line -> line.getString("level").equals("INFO")
          && line.getString("message").contains(change)), "an INFO line that says: " + change);
    }
  }
}
