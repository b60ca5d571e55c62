package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.PreparedStatement;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The naive ceiling: how many single-row inserts per second PostgreSQL commits when every insert is its own
 * autocommit transaction.
 *
 * <p>A service that writes one transaction per request can go no faster than this, so it is the yardstick for the
 * service's own rate. Each of the {@value #CONNECTIONS} connections keeps exactly one prepared insert in flight (no
 * pipelining), and pgbench, when installed, repeats the measurement with a native client as a cross-check.
 */
final class Ceiling {

  static final int CONNECTIONS = 32;
  static final String TABLE = "bench_single_insert";
  private static final String CREATE = "CREATE TABLE " + TABLE + "(id bigserial primary key, payload jsonb not null,"
      + " created_at timestamptz not null default now())";
  private static final String QUIET = "SET client_min_messages TO warning";
  private static final String INSERT = "INSERT INTO " + TABLE + "(payload) VALUES ($1)";
  private static final Tuple PAYLOAD = Tuple.of(new JsonObject().put("k", 1));
  private static final Duration SETUP_LIMIT = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final List<Context> loops;
  private final ClosedLoop closedLoop;

  Ceiling(Vertx vertx, List<Context> loops, ClosedLoop closedLoop) {
    this.vertx = vertx;
    this.loops = loops;
    this.closedLoop = closedLoop;
  }

  /** A connection and its prepared insert, both bound to one event loop. */
  private record Session(SqlConnection connection, PreparedStatement insert) {
  }

  PhaseResult run(PgUrl url, Duration warmup, Duration duration) {
    PgConnectOptions options = url.connectOptions();
    ddl(options, QUIET, "DROP TABLE IF EXISTS " + TABLE, CREATE);
    try {
      Session[][] sessions = open(options);
      PhaseResult result;
      try {
        Load load = (loop, slot) -> sessions[loop][slot].insert().query().execute(PAYLOAD).map(rows -> Outcome.OK);
        JsonObject details = new JsonObject().put("server", url.toString());
        result = closedLoop.run("ceiling", CONNECTIONS, warmup, duration, load, details);
      } finally {
        close(sessions);
      }
      result.details().put("pgbench", PgBench.measure(url, CONNECTIONS, (int) duration.toSeconds()));
      return result;
    } finally {
      ddl(options, QUIET, "DROP TABLE IF EXISTS " + TABLE);
    }
  }

  private void ddl(PgConnectOptions options, String... statements) {
    EventLoops.await(EventLoops.on(loops.get(0), () -> PgConnection.connect(vertx, options).compose(connection -> {
      Future<?> chain = Future.succeededFuture();
      for (String statement : statements) {
        chain = chain.compose(ignored -> connection.query(statement).execute());
      }
      return chain.eventually(connection::close).<Void>mapEmpty();
    })), SETUP_LIMIT);
  }

  private Session[][] open(PgConnectOptions options) {
    Session[][] sessions = new Session[loops.size()][];
    List<Future<Session>> opening = new ArrayList<>();
    for (int loop = 0; loop < loops.size(); loop++) {
      sessions[loop] = new Session[ClosedLoop.share(CONNECTIONS, loops.size(), loop)];
      for (int slot = 0; slot < sessions[loop].length; slot++) {
        opening.add(EventLoops.on(loops.get(loop), () -> PgConnection.connect(vertx, options)
            .compose(connection -> connection.prepare(INSERT).map(insert -> new Session(connection, insert)))));
      }
    }
    try {
      EventLoops.await(Future.join(opening), SETUP_LIMIT.plusSeconds(30));
    } catch (RuntimeException e) {
      opening.stream().filter(Future::succeeded).forEach(session -> session.result().connection().close());
      throw e;
    }
    int next = 0;
    for (Session[] perLoop : sessions) {
      for (int slot = 0; slot < perLoop.length; slot++) {
        perLoop[slot] = opening.get(next++).result();
      }
    }
    return sessions;
  }

  private static void close(Session[][] sessions) {
    List<Future<Void>> closing = new ArrayList<>();
    for (Session[] perLoop : sessions) {
      for (Session session : perLoop) {
        closing.add(session.connection().close());
      }
    }
    EventLoops.await(Future.join(closing).<Void>mapEmpty().recover(ignored -> Future.succeededFuture()), SETUP_LIMIT);
  }
}
