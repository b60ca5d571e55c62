package io.tally;

import ch.qos.logback.classic.LoggerContext;
import io.tally.audit.Acknowledgements;
import io.tally.audit.Audit;
import io.tally.audit.EventMigration;
import io.tally.config.ConfigLoader;
import io.tally.config.TallyConfig;
import io.tally.journal.Migrations;
import io.tally.replay.Replay;
import io.tally.replay.RequestLog;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of {@code tally.jar}: {@code node} (the default) runs a {@link Node}; {@code postgres} serves only
 * the embedded PostgreSQL, a shared journal for a cluster of nodes on one machine; {@code audit} checks the journal
 * against the invariants and, given the acknowledgements clients collected, that none of them was lost;
 * {@code migrate-events} copies the journal into a new schema with every event in its current version; {@code replay}
 * sends a request log from a system of record to a deployment ({@link Replay}).
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final String USAGE = "usage: java -jar tally.jar [node|postgres|audit [--acknowledged FILE|DIR]..."
      + "|migrate-events --to SCHEMA|replay --url URL [--speed N] [--retry-for SECONDS] FILE]";
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private Main() {
  }

  public static void main(String[] args) {
    String format = System.getenv("TALLY_LOG_FORMAT");
    if (format != null && !format.equals("text") && !format.equals("json")) {
      // checked before anything logs: conf/logback.xml would otherwise route every line to an appender that is not
      System.err.println("Tally cannot start: TALLY_LOG_FORMAT must be text or json, got '" + format + "'");
      System.exit(2);
    }
    TallyConfig config = loadConfig();
    nameNodeInLogs(config.nodeId());
    String command = args.length == 0 ? "node" : args[0];
    try {
      switch (command) {
        case "node" -> {
          Node node = Node.start(config).await();
          Runtime.getRuntime().addShutdownHook(new Thread(node::stopAndWait, "tally-shutdown"));
        }
        case "postgres" -> servePostgres(config);
        case "audit" -> {
          Optional<List<Path>> acknowledged = acknowledgedPaths(List.of(args).subList(1, args.length));
          if (acknowledged.isEmpty()) {
            usage();
          }
          System.exit(audit(config, acknowledged.get()) ? 0 : 1);
        }
        case "migrate-events" -> {
          if (args.length != 3 || !args[1].equals("--to") || !SCHEMA.matcher(args[2]).matches()) {
            System.err.println("migrate-events needs --to SCHEMA, a new schema name matching " + SCHEMA.pattern());
            usage();
          }
          System.exit(migrateEvents(config, args[2]) ? 0 : 1);
        }
        case "replay" -> System.exit(replay(config, List.of(args).subList(1, args.length)));
        default -> usage();
      }
    } catch (Exception e) {
      log.error("Tally cannot start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  /**
   * Every log line of this process carries the node's id: in JSON logs as the field {@code node} (a property of the
   * logging context, which the JSON encoder writes with each line). One process runs one node.
   */
  private static void nameNodeInLogs(String nodeId) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.putProperty("node", nodeId);
    }
  }

  /** The configuration (files, then the environment), or exit with the message that names the bad key. */
  private static TallyConfig loadConfig() {
    Vertx bootstrap = Vertx.vertx();
    try {
      return ConfigLoader.load(bootstrap, System.getenv()).await();
    } catch (Exception e) {
      System.err.println("Tally cannot start: " + e.getMessage());
      System.exit(2);
      return null;
    } finally {
      bootstrap.close();
    }
  }

  /**
   * Replays a request log against the deployment at {@code --url}, with the configured admin token; the report goes
   * to standard output as JSON, progress to standard error. Exits 0 when every request was answered (refusals
   * included), 1 when the replay stopped, 2 when the arguments or the log are wrong and nothing was sent.
   */
  private static int replay(TallyConfig config, List<String> args) {
    URI target = null;
    double speed = 0;
    Duration retryFor = Duration.ofSeconds(30);
    Path file = null;
    try {
      for (int i = 0; i < args.size(); i++) {
        switch (args.get(i)) {
          case "--url" -> target = URI.create(args.get(++i));
          case "--speed" -> speed = Double.parseDouble(args.get(++i));
          case "--retry-for" -> retryFor = Duration.ofSeconds(Long.parseLong(args.get(++i)));
          default -> {
            if (file != null || args.get(i).startsWith("--")) {
              throw new IllegalArgumentException("unexpected argument " + args.get(i));
            }
            file = Path.of(args.get(i));
          }
        }
      }
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      System.err.println("replay: " + (e instanceof IndexOutOfBoundsException ? "an option needs a value"
          : e.getMessage()));
      target = null;
    }
    if (target == null || file == null || target.getHost() == null || speed < 0 || retryFor.isNegative()
        || !List.of("http", "https").contains(String.valueOf(target.getScheme()))) {
      System.err.println("replay needs --url http://HOST:PORT (or https), a request log FILE, and optionally"
          + " --speed N (0, the default: as fast as answered) and --retry-for SECONDS (30)");
      System.err.println(USAGE);
      return 2;
    }
    List<RequestLog.Entry> entries;
    try {
      entries = RequestLog.read(file);
    } catch (RequestLog.Unreadable | java.io.UncheckedIOException e) {
      System.err.println("replay: nothing was sent: " + e.getMessage());
      return 2;
    }
    Replay.Report report = Replay.run(new Replay.Options(target, config.admin().token(), speed, retryFor,
        System.err), entries);
    System.out.println(report.toJson().encode());
    return report.finished() ? 0 : 1;
  }

  private static void usage() {
    System.err.println(USAGE);
    System.exit(2);
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
   * Runs the {@link Audit} and prints a verdict and every offending pool or acknowledgement. Reads the files before
   * the journal, then the configured PostgreSQL, or the embedded one's data directory when no URL is configured (no
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
      System.out.printf("Audited %d events of %d pools, %d baskets, %d acknowledgements: %s%n", report.events(),
          report.pools(), report.baskets(), report.acknowledged(),
          report.passed() ? "PASS" : "FAIL, " + report.problems().size() + " problems");
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

  /**
   * Copies the journal of the configured database (the schema its URL selects) into the new schema {@code schema}
   * of the same database, through the upcasters, and verifies the copy ({@link EventMigration}). No node may write
   * to the journal meanwhile. The copy is left in place when verification fails, for inspection.
   */
  private static boolean migrateEvents(TallyConfig config, String schema) throws Exception {
    EmbeddedDatabase embedded = config.postgres().url().isPresent() ? null
        : EmbeddedDatabase.start(config.postgres().dataDir(), config.postgres().embeddedPort());
    String url = embedded == null ? config.postgres().url().orElseThrow() : embedded.url();
    Vertx vertx = Vertx.vertx();
    PgConnectOptions sourceOptions = PgConnectOptions.fromUri(url);
    Pool source = PgBuilder.pool().connectingTo(sourceOptions).using(vertx).build();
    PgConnectOptions targetOptions = new PgConnectOptions(sourceOptions).addProperty("search_path", schema);
    Pool target = PgBuilder.pool().connectingTo(targetOptions).using(vertx).build();
    try {
      boolean exists = source.preparedQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1")
          .execute(Tuple.of(schema)).await().size() > 0;
      if (exists) {
        System.out.println("Schema " + schema + " already exists; name a new one, or drop it first (DROP SCHEMA "
            + schema + " CASCADE)");
        return false;
      }
      source.query("CREATE SCHEMA " + schema).execute().await(); // the name matched SCHEMA above
      Migrations.apply(target).await();
      System.out.println("Copying the journal into schema " + schema + " through the upcasters");
      EventMigration.Result result = EventMigration.run(source, target, System.out::println).await();
      System.out.printf("Copied %,d events of %,d pools into %s: %s%n", result.events(), result.pools(), schema,
          result.passed() ? "VERIFIED" : "FAILED, " + result.problems().size() + " problems");
      result.problems().forEach(problem -> System.out.println("  " + problem));
      if (result.passed()) {
        System.out.println("Point every node at it with postgres.url ending in ?search_path=" + schema
            + " (the projections rebuild from the feed, and snapshots are written afresh)");
      } else {
        System.out.println("Schema " + schema + " is left for inspection; drop it before copying again");
      }
      System.out.println(result.toJson().encode());
      return result.passed();
    } finally {
      source.close().await();
      target.close().await();
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /** Serves only the embedded PostgreSQL until the process is stopped. */
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
