package io.tally.perf;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * Empties a benchmark's PostgreSQL between stages, so each stage starts on an empty journal without the time and
 * risk of starting a second server.
 *
 * <p>It drops the whole {@code public} schema rather than a list of tables, so a migration that adds a table later
 * cannot leave the next node's migrations facing a half-empty database. Because that destroys everything in it,
 * the command refuses any server that is not on a loopback address: it is meant for the dedicated PostgreSQL the
 * benchmark scripts start on this machine, and works where no {@code psql} is installed.
 */
final class DbReset {

  private static final long LIMIT_SECONDS = 60;

  private DbReset() {
  }

  /** Runs {@code reset-db --pg-url URL}; returns the process exit status. */
  static int main(String[] args) {
    if (args.length != 2 || !args[0].equals("--pg-url")) {
      System.err.println("usage: java -jar tally-perf.jar reset-db --pg-url postgresql://user@127.0.0.1:port/db");
      return 2;
    }
    PgUrl url;
    try {
      url = PgUrl.parse(args[1]);
      if (!InetAddress.getByName(url.host()).isLoopbackAddress()) {
        System.err.println("tally-perf: reset-db only empties a PostgreSQL on a loopback address, not " + url.host());
        return 2;
      }
    } catch (IllegalArgumentException | UnknownHostException e) {
      System.err.println("tally-perf: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      PgConnection.connect(vertx, url.connectOptions()).compose(connection -> connection
          .query("SET client_min_messages TO warning").execute()
          .compose(ignored -> connection.query("DROP SCHEMA IF EXISTS public CASCADE").execute())
          .compose(ignored -> connection.query("CREATE SCHEMA public").execute())
          .eventually(connection::close))
          .await(LIMIT_SECONDS, TimeUnit.SECONDS);
      System.out.println("Emptied schema public of " + url);
      return 0;
    } catch (Exception e) {
      System.err.println("tally-perf: reset-db failed: " + e.getMessage());
      return 1;
    } finally {
      try {
        vertx.close().await(LIMIT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the process exits next
      }
    }
  }
}
