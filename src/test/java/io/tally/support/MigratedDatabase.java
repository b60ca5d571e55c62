package io.tally.support;

import io.tally.journal.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;

/**
 * A fresh test database with Tally's schema applied and an SQL pool on it, for tests that write journal rows
 * themselves before a node reads them.
 */
public final class MigratedDatabase implements AutoCloseable {

  private final String url;
  private final Vertx vertx;
  private final io.vertx.sqlclient.Pool sql;

  private MigratedDatabase(String url, Vertx vertx, io.vertx.sqlclient.Pool sql) {
    this.url = url;
    this.vertx = vertx;
    this.sql = sql;
  }

  public static MigratedDatabase create() {
    String url = TestDatabase.freshUrl();
    Vertx vertx = Vertx.vertx();
    io.vertx.sqlclient.Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    Migrations.apply(sql).await();
    return new MigratedDatabase(url, vertx, sql);
  }

  public String url() {
    return url;
  }

  public Vertx vertx() {
    return vertx;
  }

  public io.vertx.sqlclient.Pool sql() {
    return sql;
  }

  /** A node of all roles on this database. */
  public TestNode startNode() throws Exception {
    return TestNode.start(new JsonObject().put("postgres", new JsonObject().put("url", url)));
  }

  @Override
  public void close() {
    sql.close().await();
    vertx.close().await();
  }
}
