package io.tally;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server started from Maven Central artifacts, its data kept under a directory so that it
 * survives restarts. Durability settings are explicit: every commit is flushed to disk before it is acknowledged,
 * because Tally answers a reservation only after its commit.
 *
 * <p>If a previous Tally process was killed, the PostgreSQL it started may still be running on the same data; it
 * is shut down cleanly first, so a restart after a crash works without anyone stepping in.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final Duration ORPHAN_SHUTDOWN = Duration.ofSeconds(30);

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code dataDir/postgres}, initialising it on first use.
   *
   * @param port the port to listen on, 0 for any free port
   */
  public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
    Path pgData = dataDir.toAbsolutePath().resolve("postgres");
    Files.createDirectories(pgData);
    stopOrphan(pgData);
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(pgData)
        .setCleanDataDirectory(false)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        .setServerConfig("max_connections", "300");
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres postgres = builder.start();
    log.info("Embedded PostgreSQL ready on 127.0.0.1:{} with data in {}", postgres.getPort(), pgData);
    return new EmbeddedDatabase(postgres);
  }

  public int port() {
    return postgres.getPort();
  }

  /** A URL for Tally's {@code postgres.url}: the superuser on the default database, over loopback. */
  public String url() {
    return "postgresql://postgres@127.0.0.1:" + port() + "/postgres";
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  /** Stops a postmaster left running on this data directory by a process that was killed. */
  private static void stopOrphan(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    Optional<ProcessHandle> orphan = lines.isEmpty() ? Optional.empty() : parsePid(lines.getFirst())
        .flatMap(ProcessHandle::of)
        .filter(ProcessHandle::isAlive)
        .filter(process -> process.info().command().map(command -> command.contains("postgres")).orElse(false));
    if (orphan.isEmpty()) {
      return;
    }
    ProcessHandle process = orphan.get();
    log.warn("PostgreSQL (pid {}) from a previous run is still using {}; shutting it down", process.pid(), pgData);
    process.destroy();
    try {
      process.onExit().get(ORPHAN_SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("PostgreSQL (pid {}) did not stop within {}; killing it", process.pid(), ORPHAN_SHUTDOWN);
      process.destroyForcibly();
      try {
        process.onExit().get(ORPHAN_SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception again) {
        throw new IOException("could not stop PostgreSQL pid " + process.pid() + " on " + pgData, again);
      }
    }
  }

  private static Optional<Long> parsePid(String line) {
    try {
      return Optional.of(Long.parseLong(line.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
