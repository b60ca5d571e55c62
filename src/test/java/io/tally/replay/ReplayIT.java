package io.tally.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.JarCommand;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay tool against a real node and journal: a log from a system of record is applied once, reported request
 * by request, and applied again changes nothing; from the packaged jar, with its exit codes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayIT {

  /**
   * Two pools; o4 finds rp-1 full, o1 is released and reserved again (a second reservation of the same order), one
   * release names a reservation that was never made, and two reads are skipped. rp-1 ends full, so what was refused
   * stays refused on a second run.
   */
  private static final String LOG = """
      {"offsetMs":0,"method":"POST","path":"/pools","body":{"poolId":"rp-1","capacity":3,\
      "slot":{"start":"2026-12-20T10:00:00Z","end":"2026-12-20T12:00:00Z"},"regions":["R1"]}}
      {"offsetMs":1,"method":"POST","path":"/pools","body":{"poolId":"rp-2","capacity":10,\
      "slot":{"start":"2026-12-20T12:00:00Z","end":"2026-12-20T14:00:00Z"},"regions":["R1"]}}
      {"offsetMs":10,"method":"POST","path":"/pools/rp-1/reservations","body":{"orderId":"o1","units":1}}
      {"offsetMs":11,"method":"POST","path":"/pools/rp-1/reservations","body":{"orderId":"o2","units":1}}
      {"offsetMs":12,"method":"POST","path":"/pools/rp-1/reservations","body":{"orderId":"o3","units":1}}
      {"offsetMs":13,"method":"POST","path":"/pools/rp-1/reservations","body":{"orderId":"o4","units":1}}
      {"offsetMs":14,"method":"POST","path":"/availability",\
      "body":{"region":"R1","from":"2026-12-20","to":"2026-12-21"}}
      {"offsetMs":15,"method":"GET","path":"/pools/rp-1"}
      {"offsetMs":20,"method":"DELETE","path":"/reservations/rp-1~1"}
      {"offsetMs":21,"method":"POST","path":"/pools/rp-1/reservations","body":{"orderId":"o1","units":1}}
      {"offsetMs":22,"method":"POST","path":"/pools/rp-2/reservations","body":{"orderId":"o1","units":2}}
      {"offsetMs":23,"method":"POST","path":"/pools/rp-2/reservations","body":{"orderId":"o2","units":2}}
      {"offsetMs":24,"method":"DELETE","path":"/reservations/rp-2~2"}
      {"offsetMs":25,"method":"DELETE","path":"/reservations/rp-2~9"}
      {"offsetMs":26,"method":"POST","path":"/pools/rp-2/reservations","body":{"orderId":"o2","units":2}}
      """;

  private TestNode node;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void aLogIsAppliedOnceAndAppliedAgainChangesNothing(@TempDir Path dir) throws Exception {
    Path log = Files.writeString(dir.resolve("requests.jsonl"), LOG);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    long before = events();

    Replay.Report first = replay(log, progress);

    assertTrue(first.finished(), first.toJson().encode());
    assertEquals(15, first.requests());
    assertEquals(2, first.reads());
    // 2 definitions, o1 o2 o3 o1-again in rp-1, o1 o2 o2-again in rp-2, 2 releases
    assertEquals(11, first.applied(), first.toJson().encode());
    assertEquals(0, first.alreadyThere());
    assertEquals(2, first.refused());
    assertEquals(Map.of("capacity_exhausted", 1, "reservation_not_found", 1), first.refusedBy());
    assertTrue(first.refusedExamples().getFirst().startsWith(log + ":6: POST /pools/rp-1/reservations -> 409"),
        first.refusedExamples().toString());
    String summary = progress.toString(StandardCharsets.UTF_8);
    assertTrue(summary.contains("Replayed 15 requests: 11 applied, 0 already there, 2 refused, 2 reads skipped"),
        summary);
    long events = events();
    assertEquals(11, events - before, "one event per request applied, none for what was refused or read");

    Replay.Report second = replay(log, new ByteArrayOutputStream());

    assertTrue(second.finished());
    assertEquals(0, second.applied(), second.toJson().encode());
    assertEquals(11, second.alreadyThere());
    assertEquals(first.refusedBy(), second.refusedBy());
    assertEquals(events, events(), "a second run appends nothing");
    try (Http http = new Http(node.port())) {
      JsonObject pool = http.get("/pools/rp-2").body();
      assertEquals(4, pool.getLong("reserved"), "o1 and o2's second reservation");
    }
  }

  @Test
  void theJarReplaysALogReportsItAndRefusesABadOneBeforeSendingAnything(@TempDir Path dir) throws Exception {
    Path log = Files.writeString(dir.resolve("jar.jsonl"), """
        {"offsetMs":0,"method":"POST","path":"/pools","body":{"poolId":"rp-jar","capacity":1,\
        "slot":{"start":"2026-12-21T10:00:00Z","end":"2026-12-21T12:00:00Z"},"regions":["R1"]}}
        {"offsetMs":5,"method":"POST","path":"/pools/rp-jar/reservations","body":{"orderId":"o1","units":1}}
        {"offsetMs":9,"method":"POST","path":"/pools/rp-jar/reservations","body":{"orderId":"o2","units":1}}
        """);
    Map<String, String> env = Map.of("TALLY_ADMIN_TOKEN", Http.ADMIN_TOKEN);
    String url = "http://127.0.0.1:" + node.port();

    JarCommand.Outcome done = JarCommand.run(List.of("replay", "--url", url, "--speed", "4", log.toString()), env,
        dir.resolve("jar.out"));

    assertEquals(0, done.exitCode(), done.output());
    String report = done.output().lines().filter(line -> line.startsWith("{\"finished\"")).findFirst().orElseThrow();
    JsonObject json = new JsonObject(report);
    assertEquals(2, json.getInteger("applied"), report);
    assertEquals(1, json.getInteger("refused"), report);

    long events = events();
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), """
        {"offsetMs":0,"method":"POST","path":"/pools/rp-jar/reservations","body":{"orderId":"o3","units":1}}
        {"offsetMs":1,"method":"PATCH","path":"/pools/rp-jar","body":{"capacity":5}}
        """);
    JarCommand.Outcome refused = JarCommand.run(List.of("replay", "--url", url, bad.toString()), env,
        dir.resolve("bad.out"));
    assertEquals(2, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains(bad + ":2: PATCH /pools/rp-jar is not a definition, reservation or release"),
        refused.output());
    assertEquals(events, events(), "nothing of a bad log is sent");

    JarCommand.Outcome unreachable = JarCommand.run(List.of("replay", "--url", "http://127.0.0.1:"
        + TestNode.freePort(), "--retry-for", "1", log.toString()), env, dir.resolve("down.out"));
    assertEquals(1, unreachable.exitCode(), unreachable.output());
    assertTrue(unreachable.output().contains("Stopped at " + log + ":1"), unreachable.output());
  }

  private Replay.Report replay(Path log, ByteArrayOutputStream progress) {
    URI target = URI.create("http://127.0.0.1:" + node.port());
    return Replay.run(new Replay.Options(target, Optional.of(Http.ADMIN_TOKEN), 0, Duration.ofSeconds(30),
        new PrintStream(progress, true, StandardCharsets.UTF_8)), RequestLog.read(log));
  }

  private long events() throws Exception {
    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM events")) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
