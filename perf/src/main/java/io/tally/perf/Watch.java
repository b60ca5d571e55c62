package io.tally.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One {@code name=PID} or {@code name=pidfile:PATH} of {@code -Dwatch}: a process whose CPU use, together with that
 * of all its descendants, is reported per window of a run under {@code name}.
 *
 * <p>The pid-file form exists because some servers do not stay below the process that launched them: the
 * PostgreSQL that {@code tally.jar postgres} starts through {@code pg_ctl} detaches into its own session and is
 * re-parented to init, so only its {@code postmaster.pid} leads to it. The file is read again at every sample, so a
 * restarted server is noticed instead of being silently confused with an unrelated process.
 *
 * @param name the label in the console and the JSON summary
 * @param pid the fixed process id, or 0 when {@code pidFile} names it
 * @param pidFile file whose first line is the process id, or null
 */
record Watch(String name, long pid, Path pidFile) {

  /** Keys that the per-phase {@code cpu} object already uses for its own figures. */
  static final Set<String> RESERVED = Set.of("generator", "other", "machineBusy", "machineCores", "stealPercent");

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,19}");
  private static final String PIDFILE = "pidfile:";

  /** Parses one {@code name=PID} or {@code name=pidfile:PATH}; a malformed one is an IllegalArgumentException. */
  static Watch parse(String value) {
    int eq = value.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("--watch needs name=PID or name=pidfile:PATH, got " + value);
    }
    String name = value.substring(0, eq).trim();
    String target = value.substring(eq + 1).trim();
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("--watch name must be a letter followed by up to 19 letters, digits, '_', '.'"
          + " or '-', got " + name);
    }
    if (RESERVED.contains(name)) {
      throw new IllegalArgumentException("--watch name " + name + " is taken by a figure the report always shows");
    }
    if (target.startsWith(PIDFILE)) {
      String path = target.substring(PIDFILE.length()).trim();
      if (path.isEmpty()) {
        throw new IllegalArgumentException("--watch " + name + "=pidfile: needs a path");
      }
      return new Watch(name, 0, Path.of(path));
    }
    try {
      long pid = Long.parseLong(target);
      if (pid < 1) {
        throw new NumberFormatException();
      }
      return new Watch(name, pid, null);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--watch " + name + " needs a positive process id or pidfile:PATH, got "
          + target);
    }
  }

  /** The process id to follow now; fails when the pid file cannot be read or does not start with one. */
  long resolve() throws IOException {
    if (pidFile == null) {
      return pid;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    String first = lines.isEmpty() ? "" : lines.getFirst().trim();
    try {
      long parsed = Long.parseLong(first);
      if (parsed < 1) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IOException(pidFile + " does not start with a process id (first line: \"" + first + "\")");
    }
  }

  /** The command line form, as given. */
  String spec() {
    return name + "=" + (pidFile == null ? Long.toString(pid) : PIDFILE + pidFile);
  }
}
