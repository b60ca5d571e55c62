package io.tally.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * I5: malformed or hostile input gets a 4xx with a JSON error body, never a 5xx, and leaves the pools working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {

  private static final String POOL = "bad-input-pool";
  private static final String SLOT = "\"slot\":{\"start\":\"2026-12-01T10:00:00Z\",\"end\":\"2026-12-01T12:00:00Z\"}";

  private TestNode node;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
    http = new Http(node.port());
    assertEquals(201, http.post("/pools", Pools.definition(POOL, 5)).status());
  }

  @AfterAll
  void stop() {
    http.close();
    node.close();
  }

  static Stream<Arguments> badRequests() {
    String reserve = "/pools/" + POOL + "/reservations";
    return Stream.of(
        bad(HttpMethod.POST, "/pools", "{not json", 400, "malformed_json"),
        bad(HttpMethod.POST, "/pools", "", 400, "malformed_json"),
        bad(HttpMethod.POST, "/pools", "[1,2,3]", 400, "malformed_json"),
        bad(HttpMethod.POST, "/pools", "\"a string\"", 400, "malformed_json"),
        bad(HttpMethod.POST, "/pools", "null", 400, "malformed_json"),
        bad(HttpMethod.POST, "/pools", "[".repeat(30_000) + "]".repeat(30_000), 400, "malformed_json"),
        bad(HttpMethod.POST, "/pools", "{\"capacity\":1," + SLOT + ",\"regions\":[\"A\"]}", 400, "invalid_pool_id"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"a~b\",\"capacity\":1," + SLOT + ",\"regions\":[\"A\"]}", 400,
            "invalid_pool_id"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"" + "x".repeat(129) + "\",\"capacity\":1," + SLOT
            + ",\"regions\":[\"A\"]}", 400, "invalid_pool_id"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":7,\"capacity\":1," + SLOT + ",\"regions\":[\"A\"]}", 400,
            "invalid_pool_id"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":\"10\"," + SLOT + ",\"regions\":[\"A\"]}", 400,
            "invalid_capacity"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":-1," + SLOT + ",\"regions\":[\"A\"]}", 400,
            "invalid_capacity"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1e15," + SLOT + ",\"regions\":[\"A\"]}", 400,
            "invalid_capacity"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":99999999999999999999999," + SLOT
            + ",\"regions\":[\"A\"]}", 400, "invalid_capacity"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1,\"regions\":[\"A\"]}", 400, "invalid_slot"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1,\"slot\":{\"start\":\"tomorrow\","
            + "\"end\":\"2026-12-01T12:00:00Z\"},\"regions\":[\"A\"]}", 400, "invalid_slot"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1,\"slot\":{\"start\":\"2026-12-01T12:00:00Z\","
            + "\"end\":\"2026-12-01T10:00:00Z\"},\"regions\":[\"A\"]}", 400, "invalid_slot"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1," + SLOT + "}", 400, "invalid_regions"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1," + SLOT + ",\"regions\":[]}", 400,
            "invalid_regions"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1," + SLOT + ",\"regions\":\"A\"}", 400,
            "invalid_regions"),
        bad(HttpMethod.POST, "/pools", "{\"poolId\":\"p\",\"capacity\":1," + SLOT + ",\"regions\":[\"\\u0000\"]}",
            400, "invalid_regions"),
        bad(HttpMethod.POST, reserve, "{\"units\":1}", 400, "invalid_order_id"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":12,\"units\":1}", 400, "invalid_order_id"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":\"" + "o".repeat(129) + "\"}", 400, "invalid_order_id"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":\"line\\nbreak\"}", 400, "invalid_order_id"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":\"o\",\"units\":0}", 400, "invalid_units"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":\"o\",\"units\":10001}", 400, "invalid_units"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":\"o\",\"units\":1.5}", 400, "invalid_units"),
        bad(HttpMethod.POST, reserve, "{\"orderId\":\"o\",\"units\":\"1\"}", 400, "invalid_units"),
        bad(HttpMethod.POST, "/pools/bad%20id/reservations", "{\"orderId\":\"o\"}", 400, "invalid_pool_id"),
        bad(HttpMethod.POST, "/pools/a~1/reservations", "{\"orderId\":\"o\"}", 400, "invalid_pool_id"),
        bad(HttpMethod.PATCH, "/pools/" + POOL, "{\"capacity\":true}", 400, "invalid_capacity"),
        bad(HttpMethod.PATCH, "/pools/" + POOL, "{\"status\":\"paused\"}", 400, "invalid_status"),
        bad(HttpMethod.PATCH, "/pools/" + POOL, "{}", 400, "invalid_change"),
        bad(HttpMethod.DELETE, "/reservations/nonsense", null, 400, "invalid_reservation_id"),
        bad(HttpMethod.DELETE, "/reservations/" + POOL + "~0", null, 400, "invalid_reservation_id"),
        bad(HttpMethod.DELETE, "/reservations/" + POOL + "~999999999999999999999", null, 400,
            "invalid_reservation_id"),
        bad(HttpMethod.GET, "/pools/" + POOL + "/events?limit=100000", null, 400, "invalid_limit"),
        bad(HttpMethod.GET, "/pools/" + POOL + "/events?after=-1", null, 400, "invalid_after"),
        bad(HttpMethod.GET, "/no/such/route", null, 404, "route_not_found"),
        bad(HttpMethod.GET, "/pools", null, 405, "method_not_allowed"),
        bad(HttpMethod.PUT, "/pools/" + POOL, "{}", 405, "method_not_allowed"),
        bad(HttpMethod.DELETE, "/pools/" + POOL, null, 405, "method_not_allowed"),
        bad(HttpMethod.GET, "/ws/availability?region=A", null, 426, "upgrade_required"),
        bad(HttpMethod.GET, "/ws/console?region=A", null, 426, "upgrade_required"),
        bad(HttpMethod.GET, "/ws/availability", null, 400, "invalid_region"));
  }

  private static Arguments bad(HttpMethod method, String path, String body, int status, String error) {
    return Arguments.of(method, path, body, status, error);
  }

  @ParameterizedTest(name = "{0} {1} -> {3} {4}")
  @MethodSource("badRequests")
  void isRefusedWithAJsonError(HttpMethod method, String path, String body, int status, String error) {
    Response response = http.call(method, path, body);
    assertEquals(status, response.status(), response.raw());
    if (error != null) {
      assertEquals(error, response.error(), response.raw());
      assertNotNull(response.body().getString("message"));
      assertEquals("application/json", response.contentType());
    }
  }

  /**
   * What the HTTP decoder refuses before any route sees the request: a request line or headers over their limits,
   * and a request line that is not HTTP. Sent over a raw socket, since no well-behaved client sends them.
   */
  @ParameterizedTest(name = "{1} {2}")
  @MethodSource("undecodable")
  void whatTheDecoderRefusesIsAJsonErrorToo(String request, int status, String error) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.matches("(?s)HTTP/1\\.[01] " + status + " .*"), answer);
      String[] parts = answer.split("\r\n\r\n", 2);
      assertTrue(parts[0].toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), answer);
      JsonObject body = new JsonObject(parts[1]);
      assertEquals(error, body.getString("error"), answer);
      assertNotNull(body.getString("message"));
    }
  }

  static Stream<Arguments> undecodable() {
    return Stream.of(
        Arguments.of("GET /pools/" + "x".repeat(10_000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long"),
        Arguments.of("GET /health/live HTTP/1.1\r\nHost: a\r\nX-Padding: " + "x".repeat(10_000) + "\r\n\r\n", 431,
            "headers_too_large"),
        Arguments.of("GET /health/live HTTP/1.1\r\nHost: a\r\nBroken header line\r\n\r\n", 400, "bad_request"),
        // smuggling: two lengths two parsers could read two ways are refused, and nothing after them is read
        Arguments.of("POST /availability HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
            400, "bad_request"));
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413() {
    String huge = "{\"poolId\":\"p\",\"padding\":\"" + "x".repeat(70 * 1024) + "\"}";
    Response response = http.call(HttpMethod.POST, "/pools", huge);
    assertEquals(413, response.status());
    assertEquals("payload_too_large", response.error());
  }

  @Test
  void aBarrageOfBadInputLeavesThePoolWorkingAndUnchanged() {
    JsonObject before = http.get("/pools/" + POOL).body();
    badRequests().forEach(arguments -> {
      Object[] args = arguments.get();
      Response response = http.call((HttpMethod) args[0], (String) args[1], (String) args[2]);
      assertTrue(response.status() < 500, response.raw());
    });
    JsonObject after = http.get("/pools/" + POOL).body();
    assertEquals(before.getInteger("capacity"), after.getInteger("capacity"));
    assertEquals(201, http.post("/pools/" + POOL + "/reservations", Pools.order("after-barrage", 1)).status());
  }
}
