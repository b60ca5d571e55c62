package io.tally.perf;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The parts of a {@code postgresql://} URL, parsed once.
 *
 * <p>{@code reset-db} connects with it, and refuses any host that is not on a loopback address.
 *
 * @param host server host
 * @param port server port
 * @param user role name
 * @param password password, or {@code null} when the server trusts the connection
 * @param database database name
 */
record PgUrl(String host, int port, String user, String password, String database) {

  static PgUrl parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + url);
    }
    String scheme = uri.getScheme();
    if (!("postgresql".equals(scheme) || "postgres".equals(scheme)) || uri.getHost() == null) {
      throw new IllegalArgumentException("a PostgreSQL URL must look like postgresql://user@host:port/db, got " + url);
    }
    String user = "postgres";
    String password = null;
    String info = uri.getRawUserInfo();
    if (info != null && !info.isEmpty()) {
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(info.substring(colon + 1));
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = path.length() > 1 ? decode(path.substring(1)) : user;
    return new PgUrl(uri.getHost(), uri.getPort() == -1 ? 5432 : uri.getPort(), user, password, database);
  }

  private static String decode(String part) {
    return URLDecoder.decode(part, StandardCharsets.UTF_8);
  }

  PgConnectOptions connectOptions() {
    PgConnectOptions options = new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setUser(user)
        .setDatabase(database);
    if (password != null) {
      options.setPassword(password);
    }
    return options;
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
