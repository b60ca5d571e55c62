package io.tally;

import io.tally.config.ClusterConfig;
import io.tally.config.ConfigLoader;
import io.tally.config.Role;
import io.tally.config.TallyConfig;
import io.tally.journal.EmbeddedDatabase;
import io.tally.journal.Journal;
import io.tally.journal.Migrations;
import io.tally.query.Acknowledgements;
import io.tally.query.Audit;
import io.tally.query.AvailabilityAnswer;
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
import io.tally.web.HttpVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: read the configuration, start PostgreSQL if none is configured, start Vert.x, migrate the
 * journal, then deploy the roles this node plays. {@code java -jar tally.jar postgres} instead serves only the
 * embedded PostgreSQL, for a cluster of nodes on one machine.
 */
public final class Tally {

  private static final Logger log = LoggerFactory.getLogger(Tally.class);
  /** The longest any stop step without a setting of its own may take. */
  private static final Duration STEP_LIMIT = Duration.ofSeconds(5);
  private static final String USAGE = "usage: java -jar tally.jar [node|postgres|audit [--acknowledged FILE|DIR]...]";

  private final TallyConfig config;
  private final EmbeddedDatabase embedded;
  private final Vertx vertx;
  private final Pool pool;
  private final Membership membership;
  private final ShardManager shards;
  private final List<String> frontDeployments;
  private final List<String> backDeployments;
  private final List<HttpVerticle> httpServers;

  private Tally(TallyConfig config, EmbeddedDatabase embedded, Vertx vertx, Pool pool, Membership membership,
      ShardManager shards, List<String> frontDeployments, List<String> backDeployments,
      List<HttpVerticle> httpServers) {
    this.config = config;
    this.embedded = embedded;
    this.vertx = vertx;
    this.pool = pool;
    this.membership = membership;
    this.shards = shards;
    this.frontDeployments = frontDeployments;
    this.backDeployments = backDeployments;
    this.httpServers = httpServers;
  }

  public static void main(String[] args) {
    Vertx bootstrap = Vertx.vertx();
    TallyConfig config;
    try {
      config = ConfigLoader.load(bootstrap, System.getenv()).await();
    } catch (Exception e) {
      System.err.println("Tally cannot start: " + e.getMessage());
      bootstrap.close();
      System.exit(2);
      return;
    } finally {
      bootstrap.close();
    }
    try {
      String command = args.length == 0 ? "node" : args[0];
      switch (command) {
        case "node" -> {
          Tally tally = start(config);
          Runtime.getRuntime().addShutdownHook(new Thread(tally::stopAndWait, "tally-shutdown"));
        }
        case "postgres" -> servePostgres(config);
        case "audit" -> {
          Optional<List<Path>> acknowledged = acknowledgedPaths(List.of(args).subList(1, args.length));
          if (acknowledged.isEmpty()) {
            System.err.println(USAGE);
            System.exit(2);
          } else {
            System.exit(audit(config, acknowledged.get()) ? 0 : 1);
          }
        }
        default -> {
          System.err.println(USAGE);
          System.exit(2);
        }
      }
    } catch (Exception e) {
      log.error("Tally cannot start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  /** Starts a node; blocks the calling thread (never an event loop) until it serves or has failed. */
  public static Tally start(TallyConfig config) throws Exception {
    log.info("Starting node {} with roles {}", config.nodeId(), config.roles());
    EmbeddedDatabase embedded = null;
    String url = config.postgres().url().orElse(null);
    if (url == null) {
      embedded = EmbeddedDatabase.start(config.postgres().dataDir(), config.postgres().embeddedPort());
      url = embedded.url();
    }
    String address = Addresses.node(config.nodeId(), UUID.randomUUID().toString().substring(0, 8));
    Member self = Member.starting(config.nodeId(), config.roles(), advertisedHttp(config), address);
    int eventLoops = config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
    Vertx vertx;
    Membership membership;
    try {
      VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(eventLoops);
      if (config.cluster().enabled()) {
        ClusterConfig cluster = config.cluster();
        options.getEventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort())
            .setClusterPublicHost(cluster.host());
        HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastMembership.configure(cluster, self));
        vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered().await();
        membership = new HazelcastMembership(vertx, manager.getHazelcastInstance(), self, cluster);
        log.info("Node {} joined cluster {} on {}:{}", config.nodeId(), cluster.name(), cluster.host(),
            cluster.port());
      } else {
        vertx = Vertx.vertx(options);
        membership = new LocalMembership(self);
      }
    } catch (Exception e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.postgres().poolSize()).setShared(false))
        .connectingTo(PgConnectOptions.fromUri(url).setCachePreparedStatements(true).setPipeliningLimit(256))
        .using(vertx)
        .build();
    try {
      Migrations.apply(pool).await();
      ShardMessages.register(vertx.eventBus());
      AvailabilityAnswer.register(vertx.eventBus());
      Journal journal = new Journal(vertx, pool, config.journal(), config.nodeId(), new PoolViewProjection());
      ShardManager shards = new ShardManager(vertx, journal, config.shards(), config.journal(), config.cluster(),
          membership, config.has(Role.AGGREGATE), eventLoops);
      CommandSender sender = new CommandSender(vertx, config.shards(), membership, shards);
      List<String> back = new ArrayList<>();
      List<String> front = new ArrayList<>();
      List<HttpVerticle> servers = new CopyOnWriteArrayList<>();
      // the node address exists before this node may own anything, and stays until Vert.x closes
      vertx.deployVerticle(new NodeEndpoint(address, shards, membership)).await();
      shards.start().await();
      if (config.has(Role.AGGREGATE)) {
        back.add(vertx.deployVerticle(new CommandGateway(sender)).await());
      }
      if (config.has(Role.QUERY)) {
        back.add(vertx.deployVerticle(new JournalReads(journal)).await());
        back.add(vertx.deployVerticle(new AvailabilityVerticle(pool, config.query())).await());
        back.add(vertx.deployVerticle(new ProjectionsVerticle(pool, journal, List.of(new DemandProjection()),
            config.query().projectionPoll())).await());
      }
      if (config.has(Role.WEB)) {
        int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicInteger openSockets = new AtomicInteger();
        AtomicInteger connections = new AtomicInteger();
        boolean localReads = config.has(Role.QUERY);
        front.add(vertx.deployVerticle(() -> {
          HttpVerticle server = new HttpVerticle(config.http(), config.query(), sender, shards::notReadyBecause,
              shards::status, openSockets, connections, localReads);
          servers.add(server);
          return server;
        }, new DeploymentOptions().setInstances(instances)).await());
        log.info("Node {} serves HTTP on {}:{}", config.nodeId(), config.http().host(),
            servers.getFirst().actualPort());
      }
      shards.join().await();
      log.info("Node {} is ready", config.nodeId());
      return new Tally(config, embedded, vertx, pool, membership, shards, front, back, servers);
    } catch (Exception e) {
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  /** The HTTP address other nodes and operators are told, in {@code GET /cluster}. */
  private static String advertisedHttp(TallyConfig config) {
    String host = config.cluster().enabled() ? config.cluster().host() : config.http().host();
    return host + ":" + config.http().port();
  }

  public Vertx vertx() {
    return vertx;
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
        .compose(v -> bounded("close the database pool", pool.close(), STEP_LIMIT))
        .compose(v -> {
          membership.close();
          return bounded("leave the cluster", vertx.close(), STEP_LIMIT);
        })
        .onComplete(done -> {
          if (embedded != null) {
            try {
              embedded.close();
            } catch (Exception e) {
              log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
            }
          }
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

  /** Stops, waiting no longer than the handoff, drain and HTTP grace periods allow, plus a margin. */
  private void stopAndWait() {
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
    List<Future<Void>> undeployed = deployments.stream().map(vertx::undeploy).toList();
    return Future.join(undeployed).mapEmpty();
  }

  /** The files and directories named by {@code --acknowledged} options; empty when the arguments are not those. */
  private static Optional<List<Path>> acknowledgedPaths(List<String> args) {
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < args.size(); i += 2) {
      if (!args.get(i).equals("--acknowledged") || i + 1 == args.size()) {
        return Optional.empty();
      }
      paths.add(Path.of(args.get(i + 1)));
    }
    return Optional.of(paths);
  }

  /**
   * Replays the whole journal and checks the invariants ({@link Audit}), and that every acknowledgement in the given
   * CSV files is in it; prints a verdict and every offending pool or acknowledgement. Reads the files before the
   * journal, then the configured PostgreSQL, or the embedded one's data directory when no URL is configured (no
   * node may be running on it then).
   */
  private static boolean audit(TallyConfig config, List<Path> acknowledgedPaths) throws Exception {
    Acknowledgements acknowledged = Acknowledgements.read(acknowledgedPaths);
    EmbeddedDatabase embedded = config.postgres().url().isPresent() ? null
        : EmbeddedDatabase.start(config.postgres().dataDir(), config.postgres().embeddedPort());
    String url = embedded == null ? config.postgres().url().orElseThrow() : embedded.url();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    try {
      Audit.Report report = Audit.run(pool, acknowledged).await();
      System.out.printf("Audited %d events of %d pools, %d acknowledgements: %s%n", report.events(), report.pools(),
          report.acknowledged(), report.passed() ? "PASS" : "FAIL, " + report.problems().size() + " problems");
      report.problems().forEach(problem -> System.out.println("  " + problem));
      System.out.println(report.toJson().encode());
      return report.passed();
    } finally {
      pool.close().await();
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /** Serves only the embedded PostgreSQL until the process is stopped: a shared journal for local clusters. */
  private static void servePostgres(TallyConfig config) throws Exception {
    int port = config.postgres().embeddedPort() == 0 ? 5432 : config.postgres().embeddedPort();
    EmbeddedDatabase database = EmbeddedDatabase.start(config.postgres().dataDir(), port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        database.close();
      } catch (Exception e) {
        log.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }, "postgres-shutdown"));
    log.info("PostgreSQL ready: {}", database.url());
    new CountDownLatch(1).await();
  }

}
