package io.tally;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.EmbeddedDatabase;
import io.tally.config.TallyConfig;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node's stop always finishes, however its database is doing: gone (shut down under it) or hanging (every
 * PostgreSQL process frozen, so that queries neither answer nor fail), with reservations in flight and the demand
 * projection holding its connection. The limit is far above what the configured timeouts add up to, and far below
 * a hang.
 */
class StopIT {

  private static final Duration STOP_LIMIT = Duration.ofSeconds(60);

  private Path data;
  private EmbeddedDatabase database;
  private Node tally;
  private Vertx clients;

  @BeforeEach
  void start() throws Exception {
    data = Files.createTempDirectory("tally-stop");
    database = EmbeddedDatabase.start(data, 0);
    JsonObject config = new JsonObject(Files.readString(Path.of("conf/tally.json")))
        .mergeIn(new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", TestNode.freePort())
                .put("shutdownGraceMs", 1_000).put("drainMs", 0))
            .put("postgres", new JsonObject().put("url", database.url()))
            .put("admin", new JsonObject().put("token", Http.ADMIN_TOKEN))
            .put("cluster", new JsonObject().put("handoffTimeoutMs", 1_000))
            .put("shards", new JsonObject().put("retryDeadlineMs", 2_000)), true);
    tally = Node.start(TallyConfig.from(config)).await();
    clients = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    signal("CONT");
    clients.close().await();
    database.close();
  }

  @Test
  void aNodeStopsWhileItsDatabaseIsGone() throws Exception {
    List<Future<Http.Response>> inFlight = loadAndReserve();
    database.close();

    stopsWithinTheLimit();
    assertTrue(tally.vertx().deploymentIDs().isEmpty(), "every verticle was undeployed");
    Future.join(new ArrayList<>(inFlight)).otherwiseEmpty().await();
  }

  /**
   * With every PostgreSQL process frozen, queries in flight never end, so the database pool cannot close them: the
   * stop gives up on that step after its bound and finishes anyway (a process then exits).
   */
  @Test
  void aNodeStopsWhileItsDatabaseHangs() throws Exception {
    List<Future<Http.Response>> inFlight = loadAndReserve();
    signal("STOP");

    stopsWithinTheLimit();
    signal("CONT");
    Future.join(new ArrayList<>(inFlight)).otherwiseEmpty().await();
  }

  /** Reservations that succeed, then more sent without waiting: they are in flight when the database goes. */
  private List<Future<Http.Response>> loadAndReserve() {
    Http http = new Http(clients, tally.httpPort(), 16);
    assertTrue(http.post("/pools", Pools.definition("stop-1", 1_000_000)).applied());
    for (int i = 0; i < 20; i++) {
      assertTrue(http.post("/pools/stop-1/reservations", Pools.order("before-" + i, 1)).applied());
    }
    List<Future<Http.Response>> inFlight = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      inFlight.add(http.send(HttpMethod.POST, "/pools/stop-1/reservations",
          Buffer.buffer(Pools.order("during-" + i, 1).encode())));
    }
    return inFlight;
  }

  private void stopsWithinTheLimit() throws Exception {
    long started = System.nanoTime();
    try {
      tally.stop().toCompletionStage().toCompletableFuture().get(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the node did not stop within " + STOP_LIMIT, e);
    }
    System.out.printf("stopped in %d ms%n", (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Sends a signal to PostgreSQL's postmaster and every process it started. A backend may end between being listed
   * and being signalled (its connection closed), so only the postmaster's signal must succeed.
   */
  private void signal(String name) throws Exception {
    Path pidFile = data.resolve("postgres").resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long postmaster = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
    List<Long> children = ProcessHandle.of(postmaster).map(process -> process.descendants().map(ProcessHandle::pid)
        .toList()).orElse(List.of());
    assertEquals(0, kill(name, postmaster), "kill -" + name + " of the postmaster");
    for (long child : children) {
      kill(name, child);
    }
  }

  private static int kill(String signal, long pid) throws Exception {
    return new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
  }
}
