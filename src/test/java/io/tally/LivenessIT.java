package io.tally;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Http.Response;
import io.tally.support.Scrape;
import io.tally.support.TcpProxy;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/live} fails, with the reason in its body, when the node cannot do its job: PostgreSQL unreachable
 * beyond {@code health.journalUnreachableMs}, an event loop blocked beyond {@code health.loopBlockedMs}; and turns
 * live again by itself once the cause is gone.
 */
class LivenessIT {

  @Test
  void aNodeThatCannotReachPostgresqlIsNotLiveAndSaysWhy() throws Exception {
    String url = TestDatabase.freshUrl();
    Matcher address = Pattern.compile("@127\\.0\\.0\\.1:(\\d+)/").matcher(url);
    assertTrue(address.find(), url);
    Vertx vertx = Vertx.vertx();
    TcpProxy proxy = TcpProxy.on(vertx, TestNode.freePort(), "127.0.0.1", Integer.parseInt(address.group(1)));
    JsonObject config = new JsonObject()
        .put("postgres", new JsonObject().put("url", url.replace(address.group(), "@127.0.0.1:" + proxy.port() + "/")))
        .put("health", new JsonObject().put("journalUnreachableMs", 1_000).put("probeMs", 100));
    try (TestNode node = TestNode.start(config); Http http = new Http(node.port())) {
      Response live = http.get("/health/live");
      assertEquals(200, live.status(), live.raw());
      assertEquals("up", live.body().getString("status"));

      proxy.cut();
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/health/live").status() == 503);
      Response dead = http.get("/health/live");
      assertEquals("not_live", dead.error());
      assertTrue(dead.body().getString("message").startsWith("PostgreSQL has not answered for"), dead.raw());
      assertEquals(0, Scrape.of(http.get("/metrics").raw()).get("tally_live"));

      proxy.restore();
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/health/live").status() == 200);
      assertEquals(1, Scrape.of(http.get("/metrics").raw()).get("tally_live"));
    } finally {
      proxy.close();
      vertx.close().await();
    }
  }

  @Test
  void aBlockedEventLoopMakesTheNodeNotLiveUntilItRunsAgain() throws Exception {
    JsonObject config = new JsonObject().put("node", new JsonObject().put("eventLoops", 2))
        .put("health", new JsonObject().put("loopBlockedMs", 300));
    try (TestNode node = TestNode.start(config)) {
      assertTrue(node.tally().notLiveBecause().isEmpty(), node.tally().notLiveBecause().toString());
      CountDownLatch release = new CountDownLatch(1);
      // a context made outside Vert.x takes the next of the node's two event loops, each of which has a heartbeat
      Context stuck = node.vertx().getOrCreateContext();
      stuck.runOnContext(v -> {
        try {
          release.await(60, TimeUnit.SECONDS); // the stuck call an operator would see in a thread dump
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> node.tally().notLiveBecause().isPresent());
        String reason = node.tally().notLiveBecause().orElseThrow();
        assertTrue(reason.startsWith("event loop ") && reason.contains("health.loopBlockedMs is 300"), reason);
      } finally {
        release.countDown();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> node.tally().notLiveBecause().isEmpty());
    }
  }
}
