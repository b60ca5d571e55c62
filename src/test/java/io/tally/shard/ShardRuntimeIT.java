package io.tally.shard;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.config.ClusterConfig;
import io.tally.config.JournalConfig;
import io.tally.config.Role;
import io.tally.config.ShardConfig;
import io.tally.contract.Reply;
import io.tally.contract.StoredForm;
import io.tally.journal.Journal;
import io.tally.journal.JournalReader;
import io.tally.journal.Migrations;
import io.tally.journal.RecordedEvent;
import io.tally.pool.PoolEvent;
import io.tally.journal.StreamHistory;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The entity runtime of one node on a real journal: lazy loading, eviction and reload, snapshots, a stop that
 * finishes its appends in flight, and the journal fence when two nodes wrongly serve the same shard.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ShardRuntimeIT {

  private static final JournalConfig JOURNAL = new JournalConfig(5, 1_000, 2);
  private static final ClusterConfig CLUSTER = new ClusterConfig("tally", "127.0.0.1", 5701, List.of(), 0,
      Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofMillis(50));

  private io.vertx.sqlclient.Pool sql;
  private Journal journal;
  private final List<ShardManager> managers = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    sql = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgConnectOptions.fromUri(TestDatabase.freshUrl())).using(vertx).build();
    Migrations.apply(sql).await();
    journal = new Journal(vertx, sql, JOURNAL, "test-node", new SimpleMeterRegistry());
    ShardMessages.register(vertx.eventBus());
    Reply.register(vertx.eventBus());
  }

  @AfterEach
  void stop() {
    managers.forEach(manager -> manager.stop().await());
    sql.close().await();
  }

  /** A node alone in its cluster, serving every shard, and a sender that routes to it. */
  private CommandSender node(Vertx vertx, ShardConfig config, Journal journal, String name) {
    Membership membership = new LocalMembership(Member.starting(name, Set.of(Role.AGGREGATE), "", "tally.node."
        + name + ".test"));
    ShardManager manager = new ShardManager(vertx, journal, config, JOURNAL, CLUSTER, membership, true, 2,
        Clock.systemUTC(), HoldDeadlines.NONE, new SimpleMeterRegistry());
    manager.start().await();
    manager.join().await();
    managers.add(manager);
    return new CommandSender(vertx, config, membership, manager);
  }

  @Test
  void idlePoolsAreEvictedAndReloadExactly(Vertx vertx) {
    ShardConfig config = shards(Duration.ofMillis(100));
    CommandSender sender = node(vertx, config, journal, "n1");
    ShardManager shard = managers.getFirst();

    send(sender, define("evict-1", 10));
    for (int i = 1; i <= 3; i++) {
      assertEquals(201, send(sender, reserve("evict-1", "o" + i)).status());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> shard.poolsInMemory().await() == 0);

    Reply next = send(sender, reserve("evict-1", "o4"));
    assertEquals(201, next.status());
    assertEquals("evict-1~4", next.body().getString("reservationId"), "numbering continues after a reload");
    assertEquals(200, send(sender, reserve("evict-1", "o2")).status(), "idempotence survives a reload");
    assertEquals(4, send(sender, get("evict-1")).body().getInteger("reserved"));
    assertEquals(1, shard.poolsInMemory().await());
  }

  @Test
  void poolsThatDoNotExistAreNotKeptInMemory(Vertx vertx) {
    ShardConfig config = shards(Duration.ofMinutes(10));
    CommandSender sender = node(vertx, config, journal, "n1");
    ShardManager shard = managers.getFirst();

    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      replies.add(sender.send(get("ghost-" + i)));
      replies.add(sender.send(reserve("ghost-" + i, "o")));
    }
    Future.all(replies).await();
    assertTrue(replies.stream().allMatch(reply -> reply.result().status() == 404));
    assertEquals(0, shard.poolsInMemory().await());
  }

  @Test
  void aSnapshotPlusItsTailRebuildsThePoolAsAFullReplayDoes(Vertx vertx) {
    ShardConfig config = shards(Duration.ofMinutes(10));
    CommandSender sender = node(vertx, config, journal, "n1");
    send(sender, define("replay-1", 40));

    Random random = new Random(42);
    List<String> live = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int pick = random.nextInt(10);
      if (pick < 6) {
        Reply reply = send(sender, reserve("replay-1", "order-" + i).put("units", 1 + random.nextInt(3)));
        if (reply.status() == 201) {
          live.add(reply.body().getString("reservationId"));
        }
      } else if (pick < 9 && !live.isEmpty()) {
        send(sender, new JsonObject().put("type", "release").put("reservationId",
            live.remove(random.nextInt(live.size()))));
      } else {
        send(sender, new JsonObject().put("type", "change").put("poolId", "replay-1")
            .put("capacity", 20 + random.nextInt(40)));
      }
    }

    StreamHistory history = journal.load("replay-1").await();
    assertTrue(history.snapshot().isPresent(), "snapshots were taken along the way");
    Pool fromSnapshot = PoolDecider.replay(StoredForm.restore(history.snapshot().orElseThrow().state()),
        history.tail().stream().map(StoredForm::decode).toList());
    List<RecordedEvent> all = reader().read("replay-1", 0, Integer.MAX_VALUE).await();
    Pool fromScratch = PoolDecider.replay(null, all.stream().map(StoredForm::decode).toList());

    assertEquals(fromScratch, fromSnapshot);
    JsonObject served = send(sender, get("replay-1")).body();
    assertEquals(fromScratch.reserved(), served.getLong("reserved"));
    assertEquals(all.size(), served.getLong("version"));
    assertEquals(live.size(), fromScratch.reservations().size());
  }

  @Test
  void stoppingFinishesAppendsInFlightAndLosesNoAcknowledgement(Vertx vertx) {
    // nobody takes over from the last node: what it does not decide before it stops is refused as unavailable
    ShardConfig config = ShardConfig.of(1, Duration.ofMinutes(10), Duration.ofSeconds(3), Duration.ofMillis(300));
    CommandSender sender = node(vertx, config, journal, "n1");
    ShardManager manager = managers.removeFirst();
    send(sender, define("handoff-1", 10_000));

    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      replies.add(sender.send(reserve("handoff-1", "order-" + i)));
    }
    manager.stop().await();
    Future.all(new ArrayList<>(replies)).await();

    Set<String> acknowledged = new HashSet<>();
    for (Future<Reply> reply : replies) {
      int status = reply.result().status();
      assertTrue(status == 201 || status == 503, "a reservation was decided or refused as unavailable: " + status);
      if (status == 201) {
        acknowledged.add(reply.result().body().getString("reservationId"));
      }
    }
    assertTrue(!acknowledged.isEmpty(), "appends in flight when the stop began were finished and answered");
    Set<String> journaled = new HashSet<>();
    reader().read("handoff-1", 0, Integer.MAX_VALUE).await().stream()
        .filter(ShardRuntimeIT::isReservation)
        .forEach(event -> journaled.add(new JsonObject(event.payload()).getString("reservationId")));
    assertTrue(journaled.containsAll(acknowledged), "every acknowledged reservation is in the journal");
  }

  @Test
  void twoOwnersOfOneShardCannotOverbookAPool(Vertx vertx) {
    ShardConfig config = shards(Duration.ofMinutes(10));
    // split ownership: two nodes, each alone in its view and with its own journal writer, both serve the shard
    List<CommandSender> senders = List.of(node(vertx, config, journal, "n1"),
        node(vertx, config, new Journal(vertx, sql, JOURNAL, "impostor", new SimpleMeterRegistry()), "impostor"));
    send(senders.getFirst(), define("split-1", 50));

    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      replies.add(senders.get(i % 2).send(reserve("split-1", "order-" + i)));
    }
    Future.all(replies).await();

    long created = replies.stream().filter(reply -> reply.result().status() == 201).count();
    assertTrue(replies.stream().allMatch(reply -> List.of(201, 409, 503).contains(reply.result().status())));
    assertTrue(created <= 50);
    List<RecordedEvent> events = reader().read("split-1", 0, Integer.MAX_VALUE).await();
    long journaled = events.stream().filter(ShardRuntimeIT::isReservation).count();
    assertTrue(journaled <= 50, "the journal never holds more than capacity: " + journaled);
    assertTrue(journaled >= created, "every acknowledged reservation is journaled");
    Set<String> orders = new HashSet<>();
    events.stream().filter(ShardRuntimeIT::isReservation)
        .forEach(event -> assertTrue(orders.add(new JsonObject(event.payload()).getString("orderId"))));
  }

  private static ShardConfig shards(Duration idle) {
    return ShardConfig.of(1, idle, Duration.ofSeconds(3), Duration.ofSeconds(20));
  }

  private static Reply send(CommandSender sender, JsonObject request) {
    return sender.send(request).await();
  }

  private static JsonObject define(String poolId, int capacity) {
    return Pools.definition(poolId, capacity).put("type", "define");
  }

  private static JsonObject reserve(String poolId, String orderId) {
    return Pools.order(orderId, 1).put("type", "reserve").put("poolId", poolId);
  }

  private static JsonObject get(String poolId) {
    return new JsonObject().put("type", "get").put("poolId", poolId);
  }

  private JournalReader reader() {
    return new JournalReader(sql);
  }

  private static boolean isReservation(RecordedEvent event) {
    return StoredForm.decode(event) instanceof PoolEvent.CapacityReserved;
  }
}
