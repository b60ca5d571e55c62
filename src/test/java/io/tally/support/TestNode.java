package io.tally.support;

import io.tally.Node;
import io.tally.config.TallyConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A whole Tally node in the test's JVM, on its own fresh database, listening on a free loopback port. Tests drive
 * it over real HTTP and check the journal with SQL.
 */
public final class TestNode implements AutoCloseable {

  /** Far beyond a clean stop (handoff, HTTP grace, closing PostgreSQL): seconds on a slow machine. */
  private static final Duration STOP_LIMIT = Duration.ofSeconds(90);

  private static final int FIRST_PORT = 20_000;
  private static final int LAST_PORT = 32_000;
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private final Node tally;
  private final String databaseUrl;

  private TestNode(Node tally, String databaseUrl) {
    this.tally = tally;
    this.databaseUrl = databaseUrl;
  }

  /** Starts a node with the defaults of conf/tally.json, changed by {@code overrides} (merged deeply). */
  public static TestNode start(JsonObject overrides) throws Exception {
    return start(overrides, Clock.systemUTC());
  }

  /** Starts a node as {@link #start(JsonObject)} does, whose holds and cut-offs follow {@code clock}. */
  public static TestNode start(JsonObject overrides, Clock clock) throws Exception {
    String url = TestDatabase.freshUrl();
    JsonObject config = new JsonObject(Files.readString(Path.of("conf/tally.json")))
        .mergeIn(new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
            .put("postgres", new JsonObject().put("url", url))
            .put("admin", new JsonObject().put("token", Http.ADMIN_TOKEN)), true)
        .mergeIn(overrides, true);
    return new TestNode(Node.start(TallyConfig.from(config), clock).await(), url);
  }

  public static TestNode start() throws Exception {
    return start(new JsonObject());
  }

  public int port() {
    return tally.httpPort();
  }

  public Vertx vertx() {
    return tally.vertx();
  }

  public String databaseUrl() {
    return databaseUrl;
  }

  public Node tally() {
    return tally;
  }

  /**
   * Stops the node, failing the test when that takes longer than {@link #STOP_LIMIT}: a node that cannot stop is a
   * bug to see, not a build that hangs until CI gives up.
   */
  @Override
  public void close() {
    try {
      tally.stop().toCompletionStage().toCompletableFuture().get(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the node did not stop within " + STOP_LIMIT, e);
    } catch (ExecutionException e) {
      throw new AssertionError("the node failed to stop", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while the node stopped", e);
    }
  }

  /**
   * A port no process listens on now and that this JVM has not handed out before. It is taken below Linux's
   * ephemeral range (32768-60999): a port the system chose would be free now but could become the local end of an
   * outgoing connection (a node's PostgreSQL or Hazelcast connections) before the node that is to listen on it
   * binds it.
   */
  public static synchronized int freePort() {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = FIRST_PORT + ThreadLocalRandom.current().nextInt(LAST_PORT - FIRST_PORT);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException inUse) {
        // taken by something else: try another
      }
    }
    throw new IllegalStateException("no free port between " + FIRST_PORT + " and " + LAST_PORT);
  }
}
