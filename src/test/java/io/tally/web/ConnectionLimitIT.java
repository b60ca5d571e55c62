package io.tally.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code http.maxConnections}: a client that opens more connections than the bound gets the extra ones closed as
 * soon as they are accepted, without an answer, while the connections within the bound keep working, and room
 * frees up as connections close.
 */
class ConnectionLimitIT {

  private static final int LIMIT = 20;
  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(new JsonObject().put("http", new JsonObject().put("maxConnections", LIMIT)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAtOnceAndTheOthersKeepWorking() throws Exception {
    List<Socket> kept = new ArrayList<>();
    List<Socket> extra = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT; i++) {
        Socket socket = connect();
        assertEquals(200, get(socket), "connection " + i + " within the limit is served");
        kept.add(socket);
      }
      for (int i = 0; i < 30; i++) {
        Socket socket = connect();
        extra.add(socket);
        assertTrue(closedWithoutAnswer(socket), "connection " + (LIMIT + i) + " beyond the limit was closed");
      }
      for (Socket socket : kept) {
        assertEquals(200, get(socket), "a connection within the limit still works");
      }

      for (Socket socket : kept.subList(0, 5)) {
        socket.close();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (Socket socket = connect()) {
          return get(socket) == 200;
        } catch (IOException refused) {
          return false;
        }
      });
    } finally {
      for (Socket socket : kept) {
        socket.close();
      }
      for (Socket socket : extra) {
        socket.close();
      }
    }
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", node.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** Sends {@code GET /health/live} on a kept-alive connection; the status, or -1 when the server closed it. */
  private static int get(Socket socket) throws IOException {
    socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: tally\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    String head = readHead(socket.getInputStream());
    if (head == null) {
      return -1;
    }
    int length = Integer.parseInt(head.lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
        .findFirst().orElseThrow().substring("content-length:".length()).trim());
    socket.getInputStream().readNBytes(length);
    return Integer.parseInt(head.substring(9, 12));
  }

  /** True when the server closes the connection (or resets it) before answering a request sent on it. */
  private static boolean closedWithoutAnswer(Socket socket) throws IOException {
    try {
      return get(socket) == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        return head.toString();
      }
    }
    return null;
  }
}
