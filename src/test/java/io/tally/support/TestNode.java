package io.tally.support;

import io.tally.Tally;
import io.tally.config.TallyConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A whole Tally node in the test's JVM, on its own fresh database, listening on a free loopback port. Tests drive
 * it over real HTTP and check the journal with SQL.
 */
public final class TestNode implements AutoCloseable {

  private final Tally tally;
  private final String databaseUrl;

  private TestNode(Tally tally, String databaseUrl) {
    this.tally = tally;
    this.databaseUrl = databaseUrl;
  }

  /** Starts a node with the defaults of conf/tally.json, changed by {@code overrides} (merged deeply). */
  public static TestNode start(JsonObject overrides) throws Exception {
    String url = TestDatabase.freshUrl();
    JsonObject config = new JsonObject(Files.readString(Path.of("conf/tally.json")))
        .mergeIn(new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
            .put("postgres", new JsonObject().put("url", url)), true)
        .mergeIn(overrides, true);
    return new TestNode(Tally.start(TallyConfig.from(config)), url);
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

  public Tally tally() {
    return tally;
  }

  @Override
  public void close() {
    tally.stop().await();
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
