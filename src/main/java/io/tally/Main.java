package io.tally;

import io.tally.audit.Acknowledgements;
import io.tally.audit.Audit;
import io.tally.config.ConfigLoader;
import io.tally.config.TallyConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of {@code tally.jar}: {@code node} (the default) runs a {@link Node}; {@code postgres} serves only
 * the embedded PostgreSQL, a shared journal for a cluster of nodes on one machine; {@code audit} checks the journal
 * against the invariants and, given the acknowledgements clients collected, that none of them was lost.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  private static final String USAGE = "usage: java -jar tally.jar [node|postgres|audit [--acknowledged FILE|DIR]...]";

  private Main() {
  }

  public static void main(String[] args) {
    TallyConfig config = loadConfig();
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
        default -> usage();
      }
    } catch (Exception e) {
      log.error("Tally cannot start: {}", e.getMessage(), e);
      System.exit(1);
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
