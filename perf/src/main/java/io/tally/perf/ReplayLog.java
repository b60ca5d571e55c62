package io.tally.perf;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A recorded request log: one JSON object per line, {@code {"offsetMs":1250,"method":"POST",
 * "path":"/pools/p1/reservations","body":{"orderId":"o1","units":1}}}, where {@code offsetMs} is when the request
 * was sent, in milliseconds from the start of the recording, {@code body} is optional (any JSON value, sent as
 * its JSON text) and so is {@code expect}, the status the original request got (when given, only that status
 * counts as success on replay; otherwise any 2xx does).
 *
 * <p>Lines are read strictly: a line that is not such an object stops the replay before anything is sent, with the
 * file and line number, since a replay that silently skips requests would build different state than the original.
 * Blank lines are allowed. Entries are replayed in offset order (stable for equal offsets).
 */
final class ReplayLog {

  static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

  /** One request of the log. */
  record Entry(long offsetMs, String method, String path, String body, Integer expect) {
  }

  private ReplayLog() {
  }

  static List<Entry> read(Path file) {
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
      throw new UncheckedIOException("cannot read the request log " + file, e);
    }
    if (entries.isEmpty()) {
      throw new LoadSettings.Invalid("the request log " + file + " has no requests");
    }
    entries.sort(Comparator.comparingLong(Entry::offsetMs));
    return entries;
  }

  static Entry parse(String line, String where) {
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      throw new LoadSettings.Invalid(where + ": not a JSON object: " + e.getMessage());
    }
    if (!(json.getValue("offsetMs") instanceof Number offset) || offset.doubleValue() < 0
        || offset.doubleValue() != Math.rint(offset.doubleValue())) {
      throw new LoadSettings.Invalid(where + ": offsetMs must be a whole number of milliseconds >= 0");
    }
    if (!(json.getValue("method") instanceof String method) || !METHODS.contains(method)) {
      throw new LoadSettings.Invalid(where + ": method must be one of " + METHODS);
    }
    if (!(json.getValue("path") instanceof String path) || !path.startsWith("/") || path.contains(" ")) {
      throw new LoadSettings.Invalid(where + ": path must start with / and contain no spaces");
    }
    Object expect = json.getValue("expect");
    if (expect != null && !(expect instanceof Integer status && status >= 100 && status <= 599)) {
      throw new LoadSettings.Invalid(where + ": expect must be an HTTP status");
    }
    Object body = json.getValue("body");
    return new Entry(offset.longValue(), method, path, body == null ? null : Json.encode(body), (Integer) expect);
  }

  /** Writes a log as a scenario sends its requests; safe to use from several threads. */
  static final class Writer implements AutoCloseable {
    private final BufferedWriter out;
    private final Path file;

    Writer(Path file) throws IOException {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.file = file;
      this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    synchronized void write(long offsetMs, String method, String path, JsonObject body) {
      JsonObject line = new JsonObject().put("offsetMs", offsetMs).put("method", method).put("path", path);
      if (body != null) {
        line.put("body", body);
      }
      try {
        out.write(line.encode());
        out.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the request log " + file, e);
      }
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }
}
