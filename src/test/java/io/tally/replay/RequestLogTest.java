package io.tally.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.replay.RequestLog.Entry;
import io.tally.replay.RequestLog.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How a request log is read: each line as the write it stands for, in time order, and strictly. */
class RequestLogTest {

  @Test
  void eachLineIsReadAsTheWriteItStandsForInTimeOrder(@TempDir Path dir) throws IOException {
    Path log = dir.resolve("requests.jsonl");
    Files.writeString(log, """
        {"offsetMs":20,"method":"POST","path":"/pools/p.1/reservations","body":{"orderId":"o-1","units":1}}
        {"offsetMs":0,"method":"POST","path":"/pools","body":{"poolId":"p.1","capacity":2}}

        {"offsetMs":30,"method":"DELETE","path":"/reservations/p.1~1","expect":200}
        {"offsetMs":25,"method":"POST","path":"/availability","body":{"region":"R"}}
        {"offsetMs":25,"method":"GET","path":"/pools/p.1?at=2026-12-01T00:00:00Z"}
        """);

    List<Entry> entries = RequestLog.read(log);

    assertEquals(List.of(Kind.DEFINE, Kind.RESERVE, Kind.READ, Kind.READ, Kind.RELEASE),
        entries.stream().map(Entry::kind).toList());
    assertEquals(log + ":2", entries.get(0).where());
    assertEquals("p.1", entries.get(0).poolId());
    assertEquals("o-1", entries.get(1).orderId());
    assertEquals("p.1", entries.get(4).poolId());
    assertEquals("p.1~1", entries.get(4).reservationId());
    assertEquals(log + ":5", entries.get(2).where(), "equal offsets keep their order in the file");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "not json",
      "[1]",
      "{\"method\":\"GET\",\"path\":\"/\"}",
      "{\"offsetMs\":-1,\"method\":\"GET\",\"path\":\"/\"}",
      "{\"offsetMs\":1.5,\"method\":\"GET\",\"path\":\"/\"}",
      "{\"offsetMs\":1,\"method\":\"FETCH\",\"path\":\"/\"}",
      "{\"offsetMs\":1,\"method\":\"GET\",\"path\":\"pools\"}",
      "{\"offsetMs\":1,\"method\":\"GET\",\"path\":\"/pools/a b\"}",
      "{\"offsetMs\":1,\"method\":\"PATCH\",\"path\":\"/pools/p\",\"body\":{\"capacity\":3}}",
      "{\"offsetMs\":1,\"method\":\"POST\",\"path\":\"/pools/p/holds\",\"body\":{\"orderId\":\"o\"}}",
      "{\"offsetMs\":1,\"method\":\"POST\",\"path\":\"/pools/p/reservations\",\"body\":{\"units\":1}}",
      "{\"offsetMs\":1,\"method\":\"POST\",\"path\":\"/pools/p/reservations\",\"body\":[1]}",
      "{\"offsetMs\":1,\"method\":\"POST\",\"path\":\"/pools\",\"body\":{\"capacity\":1}}",
      "{\"offsetMs\":1,\"method\":\"DELETE\",\"path\":\"/reservations/no-pool-in-it\"}"})
  void aLineThatCannotBeReplayedStopsTheReadNamingTheLine(String line) {
    RequestLog.Unreadable refused = assertThrows(RequestLog.Unreadable.class, () -> RequestLog.parse(line,
        "requests.jsonl:7"));
    assertTrue(refused.getMessage().startsWith("requests.jsonl:7: "), refused.getMessage());
  }

  @Test
  void aLogWithoutRequestsIsRefused(@TempDir Path dir) throws IOException {
    Path log = Files.writeString(dir.resolve("empty.jsonl"), "\n\n");
    assertThrows(RequestLog.Unreadable.class, () -> RequestLog.read(log));
  }
}
