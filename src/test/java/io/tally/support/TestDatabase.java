package io.tally.support;

import io.tally.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM, started on first use and stopped when the JVM exits; every caller gets a fresh
 * database in it, so test classes never see each other's rows.
 */
public final class TestDatabase {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedDatabase server;

  private TestDatabase() {
  }

  /** A URL for a new, empty database. */
  public static synchronized String freshUrl() {
    EmbeddedDatabase database = server();
    String name = "tally_test_" + DATABASES.incrementAndGet();
    try (Connection conn = DriverManager.getConnection(jdbc(database.port(), "postgres"), "postgres", "");
        Statement statement = conn.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name, e);
    }
    return "postgresql://postgres@127.0.0.1:" + database.port() + "/" + name;
  }

  /** A JDBC connection to the database behind a URL from {@link #freshUrl()}, for checking what was stored. */
  public static Connection connect(String url) throws SQLException {
    String database = url.substring(url.lastIndexOf('/') + 1);
    return DriverManager.getConnection(jdbc(server().port(), database), "postgres", "");
  }

  private static EmbeddedDatabase server() {
    if (server == null) {
      try {
        Path dir = Files.createTempDirectory("tally-test-pg");
        server = EmbeddedDatabase.start(dir, 0);
      } catch (Exception e) {
        throw new IllegalStateException("could not start the test PostgreSQL", e);
      }
      EmbeddedDatabase started = server;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (Exception ignored) {
          // the JVM is exiting; the temporary directory goes with it
        }
      }));
    }
    return server;
  }

  private static String jdbc(int port, String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }
}
