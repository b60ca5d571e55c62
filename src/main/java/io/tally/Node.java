package io.tally;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tally.basket.BasketCommands;
import io.tally.basket.BasketCoordinator;
import io.tally.basket.BasketRecovery;
import io.tally.basket.BasketStore;
import io.tally.config.ClusterConfig;
import io.tally.config.EventBusTlsConfig;
import io.tally.config.Role;
import io.tally.config.TallyConfig;
import io.tally.contract.Addresses;
import io.tally.contract.Commands;
import io.tally.contract.Reply;
import io.tally.journal.Journal;
import io.tally.journal.JournalReader;
import io.tally.journal.Migrations;
import io.tally.query.AvailabilityVerticle;
import io.tally.query.DemandProjection;
import io.tally.query.JournalReads;
import io.tally.query.PoolViewProjection;
import io.tally.query.ProjectionsVerticle;
import io.tally.shard.CommandGateway;
import io.tally.shard.CommandSender;
import io.tally.shard.HazelcastMembership;
import io.tally.shard.LocalMembership;
import io.tally.shard.Member;
import io.tally.shard.Membership;
import io.tally.shard.NodeEndpoint;
import io.tally.shard.ShardManager;
import io.tally.shard.ShardMessages;
import io.tally.web.AdminAccess;
import io.tally.web.Health;
import io.tally.web.HttpVerticle;
import io.tally.web.ManagementVerticle;
import io.tally.web.WebMeters;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Tally node: the composition root. {@link #start} goes from configuration to a ready node in one chain (the
 * embedded PostgreSQL if no URL is configured, Vert.x alone or clustered, the journal's migrations, the node's
 * address, then the roles it plays) and {@link #stop} takes it down again in the order that loses nothing.
 */
public final class Node {

  private static final Logger log = LoggerFactory.getLogger(Node.class);
  /** The longest any stop step without a setting of its own may take. */
  private static final Duration STEP_LIMIT = Duration.ofSeconds(5);
  /** The most pools one sweep for due holds expires; the next sweep takes the rest. */
  private static final int MAX_DUE_PER_SWEEP = 1_000;

  private final TallyConfig config;
  private final EmbeddedDatabase embedded;
  private final Vertx vertx;
  private final Membership membership;
  private final Pool pool;
  private final Clock clock;
  private final MeterRegistry meters;
  private final List<String> frontDeployments = new ArrayList<>();
  private final List<String> backDeployments = new ArrayList<>();
  private final List<HttpVerticle> httpServers = new CopyOnWriteArrayList<>();
  private ManagementVerticle management;
  private Liveness liveness;
  private NodeStats stats;
  private ShardManager shards;

  private Node(TallyConfig config, EmbeddedDatabase embedded, Vertx vertx, Membership membership, Clock clock,
      MeterRegistry meters) {
    this.config = config;
    this.meters = meters;
    this.clock = clock;
    this.embedded = embedded;
    this.vertx = vertx;
    this.membership = membership;
    this.pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.postgres().poolSize()).setShared(false))
        .connectingTo(PgConnectOptions.fromUri(embedded == null ? config.postgres().url().orElseThrow()
            : embedded.url()).setCachePreparedStatements(true).setPipeliningLimit(256))
        .using(vertx)
        .build();
  }

  /**
   * Starts a node; the future completes once it is ready, or fails with what stopped it, after undoing what had
   * started (Vert.x and the embedded PostgreSQL).
   */
  public static Future<Node> start(TallyConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts a node whose holds expire and cut-offs pass by {@code clock}: the one clock every room of the node reads,
   * so that a test can move time instead of waiting for it.
   */
  public static Future<Node> start(TallyConfig config, Clock clock) {
    log.info("Starting node {} with roles {}", config.nodeId(), config.roles());
    String address = Addresses.node(config.nodeId(), UUID.randomUUID().toString().substring(0, 8));
    Member self = Member.starting(config.nodeId(), config.roles(), advertisedHttp(config), address);
    return embeddedDatabase(config).compose(embedded -> vertx(config, self, embedded, clock)
        .compose(node -> node.deploy(address).recover(failure -> {
          // the start fails now; Vert.x closes behind it, since nothing may wait on a context that is closing
          log.error("Node {} could not start: {}", config.nodeId(), failure.toString(), failure);
          node.vertx.close();
          return Future.failedFuture(failure);
        }))
        .recover(failure -> {
          closeQuietly(embedded);
          return Future.failedFuture(failure);
        }));
  }

  /** The embedded PostgreSQL when no URL is configured (started on a thread of its own: it blocks), else null. */
  private static Future<EmbeddedDatabase> embeddedDatabase(TallyConfig config) {
    if (config.postgres().url().isPresent()) {
      return Future.succeededFuture();
    }
    return Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> {
      try {
        return EmbeddedDatabase.start(config.postgres().dataDir(), config.postgres().embeddedPort());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, task -> new Thread(task, "tally-embedded-postgres").start()));
  }

  /** Vert.x, alone or joined to the cluster, with this node's view of the membership. */
  private static Future<Node> vertx(TallyConfig config, Member self, EmbeddedDatabase embedded, Clock clock) {
    int eventLoops = eventLoops(config);
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(eventLoops);
    MeterRegistry meters = NodeMeters.registry(config.metrics());
    if (!config.cluster().enabled()) {
      Vertx vertx = NodeMeters.builder(options, config.metrics(), meters).build();
      InternalAddressGuard.install(vertx.eventBus(), false, config.admin().token(), config.nodeId(), meters);
      return Future.succeededFuture(new Node(config, embedded, vertx, new LocalMembership(self), clock, meters));
    }
    ClusterConfig cluster = config.cluster();
    options.getEventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.host());
    EventBusTlsConfig tls = config.eventBusTls();
    if (tls.enabled()) {
      // mutual: a peer without a certificate the trust store holds cannot connect, so cannot send to any address
      options.getEventBusOptions().setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PfxOptions().setPath(tls.keyStore().orElseThrow().toString())
              .setPassword(tls.keyStorePassword()))
          .setTrustOptions(new PfxOptions().setPath(tls.trustStore().orElseThrow().toString())
              .setPassword(tls.trustStorePassword()));
      log.info("Node {}: the event bus uses mutual TLS ({})", config.nodeId(), tls);
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastMembership.configure(cluster, self));
    return NodeMeters.builder(options, config.metrics(), meters).withClusterManager(manager).buildClustered()
        .map(vertx -> {
          // before anything of this node sends: a peer would refuse an unsealed ping or claim
          InternalAddressGuard.install(vertx.eventBus(), true, config.admin().token(), config.nodeId(), meters);
          log.info("Node {} joined cluster {} on {}:{}", config.nodeId(), cluster.name(), cluster.host(),
              cluster.port());
          return new Node(config, embedded, vertx,
              new HazelcastMembership(vertx, manager.getHazelcastInstance(), self, cluster), clock, meters);
        });
  }

  /**
   * Migrates the journal, then deploys the node's address (which exists before this node may own anything, and
   * stays until Vert.x closes), the shard runtime, the read side and the web, and finally joins the owners.
   */
  private Future<Node> deploy(String address) {
    return Migrations.apply(pool).compose(migrated -> {
      ShardMessages.register(vertx.eventBus());
      Reply.register(vertx.eventBus());
      Journal journal = new Journal(vertx, pool, config.journal(), config.nodeId(), new PoolViewProjection(),
          meters);
      shards = new ShardManager(vertx, journal, config.shards(), config.journal(), config.cluster(), membership,
          config.has(Role.AGGREGATE), eventLoops(config), clock,
          now -> PoolViewProjection.dueHolds(pool, now, MAX_DUE_PER_SWEEP), meters);
      CommandSender pools = new CommandSender(vertx, config.shards(), membership, shards);
      BasketStore baskets = new BasketStore(pool);
      BasketCoordinator coordinator = new BasketCoordinator(pools, baskets, config.baskets(), clock);
      Commands commands = new BasketCommands(pools, coordinator);
      return vertx.deployVerticle(new NodeEndpoint(address, shards, membership))
          .compose(endpoint -> Liveness.start(vertx, pool, config.health(), eventLoops(config), meters))
          .compose(live -> {
            liveness = live;
            return NodeStats.start(vertx, config.nodeId(), meters);
          })
          .compose(numbers -> {
            stats = numbers;
            return deployManagement();
          })
          .compose(managed -> shards.start())
          .compose(started -> deployBack(commands, new BasketRecovery(baskets, coordinator, config.baskets(),
              shards::serves)))
          .compose(back -> deployWeb(commands));
    }).compose(web -> shards.join()).map(joined -> {
      log.info("Node {} is ready", config.nodeId());
      return this;
    });
  }

  /**
   * The public command address and the recovery of baskets whose coordinator went quiet (aggregate role), and the
   * read side (query role).
   */
  private Future<Void> deployBack(Commands commands, BasketRecovery recovery) {
    Future<Void> deployed = Future.succeededFuture();
    if (config.has(Role.AGGREGATE)) {
      deployed = deployed.compose(v -> back(vertx.deployVerticle(new CommandGateway(commands))))
          .compose(v -> back(vertx.deployVerticle(recovery)));
    }
    if (config.has(Role.QUERY)) {
      JournalReader reader = new JournalReader(pool);
      deployed = deployed
          .compose(v -> back(vertx.deployVerticle(new JournalReads(reader))))
          .compose(v -> back(vertx.deployVerticle(new AvailabilityVerticle(pool, config.query(), clock, meters))))
          .compose(v -> back(vertx.deployVerticle(new ProjectionsVerticle(pool, reader,
              List.of(new DemandProjection()), config.query().projectionPoll(), meters))));
    }
    return deployed;
  }

  private Future<Void> back(Future<String> deployment) {
    return deployment.onSuccess(backDeployments::add).mapEmpty();
  }

  /** The HTTP servers, one per core, sharing the port (web role). */
  private Future<Void> deployWeb(Commands commands) {
    if (!config.has(Role.WEB)) {
      return Future.succeededFuture();
    }
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    WebMeters web = WebMeters.of(meters, config.metrics().port().isEmpty());
    boolean localReads = config.has(Role.QUERY);
    AdminAccess admin = adminAccess();
    if (admin.worthAWarning()) {
      log.warn("Node {}: {}", config.nodeId(), admin.describe());
    } else {
      log.info("Node {}: {}", config.nodeId(), admin.describe());
    }
    return vertx.deployVerticle(() -> {
      HttpVerticle server = new HttpVerticle(config.http(), config.query(), commands,
          new Health(shards::notReadyBecause, this::notLiveBecause), shards::status, web, localReads, admin);
      httpServers.add(server);
      return server;
    }, new DeploymentOptions().setInstances(instances)).map(deployment -> {
      frontDeployments.add(deployment);
      log.info("Node {} serves HTTP on {}:{}", config.nodeId(), config.http().host(), httpPort());
      return null;
    });
  }

  private AdminAccess adminAccess() {
    return AdminAccess.of(config.admin(), config.embeddedSingleNode());
  }

  /** The management port, when {@code metrics.port} is set: {@code GET /metrics} apart from the HTTP port. */
  private Future<Void> deployManagement() {
    if (!(meters instanceof PrometheusMeterRegistry prometheus) || config.metrics().port().isEmpty()) {
      if (config.metrics().enabled() && !config.has(Role.WEB)) {
        log.warn("Node {} has metrics but no web role and no metrics.port: nothing serves GET /metrics",
            config.nodeId());
      }
      return Future.succeededFuture();
    }
    management = new ManagementVerticle(prometheus, adminAccess(), config.metrics().host(),
        config.metrics().port().getAsInt());
    return back(vertx.deployVerticle(management)).onSuccess(v -> log.info("Node {} serves GET /metrics on {}:{}",
        config.nodeId(), config.metrics().host(), management.actualPort()));
  }

  private static int eventLoops(TallyConfig config) {
    return config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
  }

  /** The HTTP address other nodes and operators are told, in {@code GET /cluster}. */
  private static String advertisedHttp(TallyConfig config) {
    String host = config.cluster().enabled() ? config.cluster().host() : config.http().host();
    return host + ":" + config.http().port();
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Why this node cannot do its job (an event loop blocked, PostgreSQL unreachable, each beyond its bound in
   * {@code health}), or empty when it can: what {@code /health/live} answers.
   */
  public Optional<String> notLiveBecause() {
    return liveness == null ? Optional.empty() : liveness.notLiveBecause();
  }

  /** The management port this node serves {@code GET /metrics} on, or -1 without one. */
  public int managementPort() {
    return management == null ? -1 : management.actualPort();
  }

  /** The HTTP port this node listens on, or -1 without the web role. */
  public int httpPort() {
    return httpServers.isEmpty() ? -1 : httpServers.getFirst().actualPort();
  }

  /**
   * Stops in the order that loses nothing, each step bounded so that a stop always finishes, even with its
   * database gone: turn unready and hand the shards to the other nodes (appends in flight finish and are answered;
   * HTTP requests meanwhile go to the new owners), keep taking HTTP requests for {@code http.drainMs} after turning
   * unready so that load balancers stop sending first, then let the HTTP requests in flight finish, stop the read
   * side, close the database and leave the cluster.
   */
  public Future<Void> stop() {
    log.info("Stopping node {}", config.nodeId());
    Future<Void> drained = vertx.timer(Math.max(1, config.http().drain().toMillis())).mapEmpty();
    return bounded("hand the shards off", shards.stop(), handoffLimit())
        .onComplete(v -> log.info("Node {} handed its shards off", config.nodeId()))
        .compose(v -> drained)
        .compose(v -> bounded("stop serving HTTP", undeploy(frontDeployments), httpLimit()))
        .onComplete(v -> log.info("Node {} stopped serving HTTP", config.nodeId()))
        .compose(v -> bounded("stop the read side", undeploy(backDeployments), STEP_LIMIT))
        .compose(v -> {
          if (stats != null) {
            stats.stop(vertx);
          }
          if (liveness != null) {
            liveness.stop();
          }
          return bounded("close the database pool", pool.close(), STEP_LIMIT);
        })
        .compose(v -> {
          membership.close();
          return bounded("leave the cluster", vertx.close(), STEP_LIMIT);
        })
        .onComplete(done -> {
          meters.close();
          closeQuietly(embedded);
          log.info("Node {} stopped", config.nodeId());
        });
  }

  /**
   * The longest a handoff may take: waiting for claims, draining appends and waiting for the peers'
   * acknowledgement are each bounded by {@code cluster.handoffTimeoutMs}, then the grace before leaving.
   */
  private Duration handoffLimit() {
    return config.cluster().handoffTimeout().multipliedBy(3).plus(config.cluster().unsubscribeGrace());
  }

  /** The longest the HTTP servers may take to let their requests in flight finish, plus a margin. */
  private Duration httpLimit() {
    return config.http().shutdownGrace().plusSeconds(5);
  }

  /** {@code step}, or after {@code limit} a warning and on with the stop: a stop must never hang on one step. */
  private Future<Void> bounded(String name, Future<?> step, Duration limit) {
    Future<Void> done = step.mapEmpty();
    return done.timeout(limit.toMillis(), TimeUnit.MILLISECONDS).recover(failure -> {
      log.warn("Node {} could not {} ({}); going on with the stop", config.nodeId(), name, failure.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * Stops from a thread that is not Vert.x's (a shutdown hook), waiting no longer than the handoff, drain and HTTP
   * grace periods allow, plus a margin.
   */
  void stopAndWait() {
    CountDownLatch stopped = new CountDownLatch(1);
    stop().onComplete(done -> stopped.countDown());
    // the steps of stop(), one after another (the drain runs during the handoff, so at worst after it), plus a margin
    Duration bound = handoffLimit().plus(config.http().drain()).plus(httpLimit()).plus(STEP_LIMIT.multipliedBy(3))
        .plusSeconds(10);
    try {
      if (!stopped.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
        log.error("Node {} did not stop within {}; exiting anyway", config.nodeId(), bound);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Future<Void> undeploy(List<String> deployments) {
    return Future.join(deployments.stream().map(vertx::undeploy).toList()).mapEmpty();
  }

  private static void closeQuietly(EmbeddedDatabase embedded) {
    if (embedded == null) {
      return;
    }
    try {
      embedded.close();
    } catch (IOException e) {
      log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
  }
}
