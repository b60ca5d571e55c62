package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Repeats the single-insert ceiling with PostgreSQL's own pgbench, when it is installed.
 *
 * <p>pgbench is a C client with negligible overhead, so agreement with the Java number shows the ceiling is
 * PostgreSQL's and not the generator's. Absence is reported rather than treated as a failure.
 */
final class PgBench {

  static final int THREADS = 2;
  private static final String SCRIPT = "INSERT INTO " + Ceiling.TABLE + "(payload) VALUES ('{\"k\":1}');\n";
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
  private static final long GRACE_SECONDS = 60;

  private PgBench() {
  }

  static Optional<Path> locate() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, "pgbench");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Runs pgbench against {@code url}; the answer always says what happened, it never throws. */
  static JsonObject measure(PgUrl url, int clients, int seconds) {
    Optional<Path> executable = locate();
    if (executable.isEmpty()) {
      System.out.println("  pgbench: not found on PATH, skipped");
      return new JsonObject().put("skipped", "pgbench not found on PATH");
    }
    System.out.printf("  pgbench: -c %d -j %d -T %d ...%n", clients, THREADS, seconds);
    Path script = null;
    Path output = null;
    try {
      script = Files.createTempFile("tally-bench-insert", ".sql");
      output = Files.createTempFile("tally-bench-pgbench", ".log");
      Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(executable.get().toString(), "-n", "-M", "prepared",
          "-c", String.valueOf(clients), "-j", String.valueOf(THREADS), "-T", String.valueOf(seconds),
          "-f", script.toString(), "-h", url.host(), "-p", String.valueOf(url.port()), "-U", url.user(),
          url.database()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
      builder.environment().put("PGCONNECT_TIMEOUT", "10");
      if (url.password() != null) {
        builder.environment().put("PGPASSWORD", url.password());
      }
      Process process = builder.start();
      if (!process.waitFor(seconds + GRACE_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return failure("pgbench did not finish in time", Files.readString(output));
      }
      String text = Files.readString(output);
      Matcher tps = TPS.matcher(text);
      if (process.exitValue() != 0 || !tps.find()) {
        return failure("pgbench exited with " + process.exitValue(), text);
      }
      JsonObject result = new JsonObject()
          .put("tps", Double.parseDouble(tps.group(1)))
          .put("clients", clients)
          .put("threads", THREADS)
          .put("seconds", seconds);
      Matcher latency = LATENCY.matcher(text);
      if (latency.find()) {
        result.put("latencyAverageMs", Double.parseDouble(latency.group(1)));
      }
      System.out.printf("  pgbench: %.1f tps%n", result.getDouble("tps"));
      return result;
    } catch (IOException e) {
      return failure("pgbench could not run: " + e.getMessage(), "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failure("interrupted", "");
    } finally {
      delete(script);
      delete(output);
    }
  }

  private static JsonObject failure(String reason, String output) {
    String tail = output.lines().skip(Math.max(0, output.lines().count() - 5)).reduce("", (a, b) -> a + b + "\n");
    System.out.println("  pgbench: " + reason + (tail.isBlank() ? "" : "\n" + tail.stripTrailing()));
    return new JsonObject().put("error", reason).put("output", tail.strip());
  }

  private static void delete(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temp file is harmless
      }
    }
  }
}
