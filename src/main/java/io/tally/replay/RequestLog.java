package io.tally.replay;

import io.tally.pool.Ids;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A log of requests from a system of record, in the request-log format of {@code perf/README.md}: one JSON object
 * per line, {@code {"offsetMs","method","path","body"?,"expect"?}}. Each line is read as the write it stands for:
 * a pool's definition, a reservation or a release. Reads (GET, and the availability query) change nothing and are
 * kept only to be counted.
 *
 * <p>The log is read strictly and whole before anything is sent: a line that is not a request of the format, or a
 * write the replay does not apply (a capacity change, a hold, a basket), stops it with the file and line, since a
 * replay that skipped writes would leave a deployment different from the system of record.
 */
public final class RequestLog {

  private static final Pattern RESERVATIONS = Pattern.compile("/pools/([^/?]+)/reservations");
  private static final Pattern RELEASE = Pattern.compile("/reservations/([^/?]+)");
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

  /** What a line asks for. */
  public enum Kind {
    DEFINE, RESERVE, RELEASE, READ
  }

  /**
   * One request of the log, where it came from ({@code file:line}), and what it is: for a reservation its pool and
   * order, for a release its reservation id and that id's pool, for a definition its pool.
   */
  public record Entry(String where, long offsetMs, Kind kind, String method, String path, JsonObject body,
      String poolId, String orderId, String reservationId) {
  }

  /** A log that cannot be replayed; the message names the file and line. */
  public static final class Unreadable extends RuntimeException {
    Unreadable(String message) {
      super(message);
    }
  }

  private RequestLog() {
  }

  /** Every request of the log, in time order (lines with the same offset in file order). */
  public static List<Entry> read(Path file) {
    List<Entry> entries = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (!line.isBlank()) {
          entries.add(parse(line, file + ":" + number));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request log " + file + ": " + e.getMessage(), e);
    }
    if (entries.isEmpty()) {
      throw new Unreadable(file + ": the request log has no requests");
    }
    entries.sort(Comparator.comparingLong(Entry::offsetMs));
    return entries;
  }

  static Entry parse(String line, String where) {
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      throw new Unreadable(where + ": not a JSON object");
    }
    if (!(json.getValue("offsetMs") instanceof Number offset) || offset.longValue() < 0
        || offset.doubleValue() != offset.longValue()) {
      throw new Unreadable(where + ": offsetMs must be a whole number of milliseconds, 0 or more");
    }
    if (!(json.getValue("method") instanceof String method) || !METHODS.contains(method)) {
      throw new Unreadable(where + ": method must be one of " + METHODS);
    }
    if (!(json.getValue("path") instanceof String path) || !path.startsWith("/") || !isUri(path)) {
      throw new Unreadable(where + ": path must be a string that starts with / and is a valid URI path");
    }
    Object body = json.getValue("body");
    if (body != null && !(body instanceof JsonObject)) {
      throw new Unreadable(where + ": body, when given, must be a JSON object for the requests a replay applies");
    }
    String route = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    long at = offset.longValue();
    if (method.equals("GET") || (method.equals("POST") && route.equals("/availability"))) {
      return new Entry(where, at, Kind.READ, method, path, null, null, null, null);
    }
    JsonObject request = (JsonObject) body;
    if (method.equals("POST") && route.equals("/pools")) {
      String poolId = request == null ? null : request.getValue("poolId") instanceof String id ? id : null;
      if (poolId == null || !Ids.isPoolId(poolId)) {
        throw new Unreadable(where + ": a definition's body must name its poolId (" + Ids.POOL_ID_RULE + ")");
      }
      return new Entry(where, at, Kind.DEFINE, method, path, request, poolId, null, null);
    }
    Matcher reservations = RESERVATIONS.matcher(route);
    if (method.equals("POST") && reservations.matches()) {
      String poolId = decode(reservations.group(1));
      if (!Ids.isPoolId(poolId)) {
        throw new Unreadable(where + ": " + route + " does not name a pool (" + Ids.POOL_ID_RULE + ")");
      }
      if (request == null || !(request.getValue("orderId") instanceof String orderId)) {
        throw new Unreadable(where + ": a reservation's body must name its orderId");
      }
      return new Entry(where, at, Kind.RESERVE, method, path, request, poolId, orderId, null);
    }
    Matcher release = RELEASE.matcher(route);
    if (method.equals("DELETE") && release.matches()) {
      String reservationId = decode(release.group(1));
      String poolId = Ids.parseReservation(reservationId).map(Ids.ReservationNumber::poolId).orElseThrow(
          () -> new Unreadable(where + ": " + reservationId + " is not a reservation id (<poolId>~<n>)"));
      return new Entry(where, at, Kind.RELEASE, method, path, null, poolId, null, reservationId);
    }
    throw new Unreadable(where + ": " + method + " " + route + " is not a definition, reservation or release; a replay"
        + " applies only those (and skips reads)");
  }

  private static boolean isUri(String path) {
    try {
      java.net.URI.create(path);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment, StandardCharsets.UTF_8);
  }
}
