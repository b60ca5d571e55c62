package io.tally.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned schema migrations in {@code db/migration} at start-up, in one transaction under an advisory
 * lock so that nodes starting together apply each script once. A script that was changed after it was applied stops
 * start-up: released migrations are never edited, only followed by new ones.
 */
public final class Migrations {

  /** Every migration, in order. A test checks that this list and the folder agree. */
  public static final List<String> SCRIPTS = List.of("V1__journal.sql", "V2__pool_view_changes.sql",
      "V3__demand_report.sql", "V4__demand_by_reservation_region.sql", "V5__holds_and_cutoffs.sql",
      "V6__baskets.sql", "V7__projection_pause.sql");

  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  private static final Pattern NAME = Pattern.compile("V(\\d+)__[A-Za-z0-9_]+\\.sql");
  private static final long LOCK_KEY = 0x7461_6C6C_7900_0001L;

  private Migrations() {
  }

  /** Applies what is missing and returns the names of the scripts applied now. */
  public static Future<List<String>> apply(Pool pool) {
    List<Script> scripts = SCRIPTS.stream().map(Migrations::load).toList();
    return pool.withTransaction(conn -> conn.query("SET LOCAL client_min_messages = warning").execute()
        .compose(quiet -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(LOCK_KEY)))
        .compose(locked -> conn.query(resource("db/migration-history.sql")).execute())
        .compose(created -> conn.query("SELECT version, name, checksum FROM schema_migrations").execute())
        .compose(rows -> {
          Map<Integer, Row> applied = new HashMap<>();
          rows.forEach(row -> applied.put(row.getInteger("version"), row));
          return applyMissing(conn, scripts, applied);
        }))
        .onSuccess(names -> {
          if (!names.isEmpty()) {
            log.info("Applied schema migrations {}", names);
          }
        });
  }

  private static Future<List<String>> applyMissing(SqlConnection conn, List<Script> scripts,
      Map<Integer, Row> applied) {
    Future<List<String>> chain = Future.succeededFuture(new ArrayList<>());
    for (Script script : scripts) {
      Row done = applied.get(script.version());
      if (done != null) {
        if (!done.getString("checksum").equals(script.checksum())) {
          return Future.failedFuture(new IllegalStateException("migration " + script.name()
              + " was changed after it was applied; add a new migration instead of editing a released one"));
        }
        continue;
      }
      chain = chain.compose(names -> conn.query(script.sql()).execute()
          .compose(ran -> conn.preparedQuery("""
                  INSERT INTO schema_migrations (version, name, checksum)
                  VALUES ($1, $2, $3)""")
              .execute(Tuple.of(script.version(), script.name(), script.checksum())))
          .map(recorded -> {
            names.add(script.name());
            return names;
          }));
    }
    return chain;
  }

  record Script(int version, String name, String sql, String checksum) {
  }

  static Script load(String name) {
    Matcher matcher = NAME.matcher(name);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("migration name " + name + " does not match V<n>__<words>.sql");
    }
    String sql = resource("db/migration/" + name).replace("\r\n", "\n");
    return new Script(Integer.parseInt(matcher.group(1)), name, sql, sha256(sql));
  }

  private static String resource(String path) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
          text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
