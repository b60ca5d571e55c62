package io.tally.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads the CPU counters Linux keeps under {@code /proc}: per process in {@code /proc/PID/stat}, for the whole
 * machine in {@code /proc/stat}.
 *
 * <p>The generator, the Tally node and PostgreSQL share one small machine, so a phase's throughput is explained only
 * by who used the cores meanwhile. A process counts with its own time plus the time of children it has reaped
 * ({@code cutime}, {@code cstime}): when a PostgreSQL backend ends, its time moves into the postmaster's counters,
 * so the sum over a process tree neither loses it nor counts it twice. Descendants are found through the parent
 * ids of one scan of {@code /proc}, which also catches processes started after the previous scan.
 */
final class ProcFs {

  private static final Path PROC = Path.of("/proc");
  private static final long DEFAULT_CLOCK_TICKS = 100;

  private ProcFs() {
  }

  /** One process: its parent, when it started (to tell a reused pid apart), and its CPU time with reaped children. */
  record Proc(long pid, long ppid, long startTicks, long ticks) {
  }

  /** The aggregate {@code cpu} line of {@code /proc/stat}, in clock ticks, and how many CPUs it covers. */
  record MachineTicks(long busy, long steal, long total, int cpus) {
  }

  /** A process tree as found by one scan: the root's start time, the ticks of all members, and their number. */
  record Tree(long rootStartTicks, long ticks, int processes) {
  }

  static boolean available() {
    return Files.isReadable(PROC.resolve("stat")) && Files.isReadable(PROC.resolve("self").resolve("stat"));
  }

  /** Clock ticks per second of the counters, from {@code getconf CLK_TCK}; 100, the Linux value, if that fails. */
  static long clockTicks() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      getconf.getOutputStream().close();
      String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
        long ticks = Long.parseLong(out);
        if (ticks > 0) {
          return ticks;
        }
      }
      getconf.destroy();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | NumberFormatException e) {
      // getconf is missing or printed something else: fall back to the Linux value.
    }
    return DEFAULT_CLOCK_TICKS;
  }

  /** The machine's counters, or null when {@code /proc/stat} cannot be read. */
  static MachineTicks machine() {
    List<String> lines;
    try {
      lines = Files.readAllLines(PROC.resolve("stat"), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return null;
    }
    long[] all = null;
    int cpus = 0;
    for (String line : lines) {
      if (line.startsWith("cpu ")) {
        all = numbers(line);
      } else if (line.startsWith("cpu") && line.length() > 3 && Character.isDigit(line.charAt(3))) {
        cpus++;
      }
    }
    if (all == null || all.length < 8 || cpus == 0) {
      return null;
    }
    // user nice system idle iowait irq softirq steal; guest time is already part of user and nice.
    long busy = all[0] + all[1] + all[2] + all[5] + all[6] + all[7];
    long total = busy + all[3] + all[4];
    return new MachineTicks(busy, all[7], total, cpus);
  }

  private static long[] numbers(String line) {
    String[] fields = line.trim().split(" +");
    long[] values = new long[fields.length - 1];
    for (int i = 1; i < fields.length; i++) {
      values[i - 1] = Long.parseLong(fields[i]);
    }
    return values;
  }

  /** The command name of process {@code pid}, or "?" when it cannot be read. */
  static String command(long pid) {
    try {
      return Files.readString(PROC.resolve(Long.toString(pid)).resolve("comm"), StandardCharsets.ISO_8859_1).trim();
    } catch (IOException | UncheckedIOException e) {
      return "?";
    }
  }

  /** All processes visible now; ones that end while being read are left out. */
  static Snapshot snapshot() {
    Map<Long, Proc> processes = new HashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          Proc proc = read(Long.parseLong(name));
          if (proc != null) {
            processes.put(proc.pid(), proc);
          }
        }
      }
    } catch (IOException | DirectoryIteratorException | UncheckedIOException e) {
      return new Snapshot(Map.of());
    }
    return new Snapshot(processes);
  }

  private static Proc read(long pid) {
    try {
      return parse(pid, Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"),
          StandardCharsets.ISO_8859_1));
    } catch (IOException | UncheckedIOException e) {
      return null;
    }
  }

  /** Parses one {@code /proc/PID/stat} line; the command name in parentheses may itself hold spaces or ')'. */
  static Proc parse(long pid, String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return null;
    }
    String[] fields = stat.substring(close + 1).trim().split(" +");
    // fields[0] is field 3 of proc(5), the state; ppid is field 4, utime..cstime are 14..17, starttime is 22.
    if (fields.length < 20) {
      return null;
    }
    try {
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
          + Long.parseLong(fields[14]);
      return new Proc(pid, Long.parseLong(fields[1]), Long.parseLong(fields[19]), ticks);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The process table at one instant, indexed by parent. */
  static final class Snapshot {
    private final Map<Long, Proc> processes;
    private final Map<Long, List<Long>> children = new HashMap<>();

    Snapshot(Map<Long, Proc> processes) {
      this.processes = processes;
      processes.values().forEach(proc -> children.computeIfAbsent(proc.ppid(), ppid -> new ArrayList<>())
          .add(proc.pid()));
    }

    /**
     * The tree below {@code root}, or null when {@code root} is not running; the subtree of {@code excluded} is
     * left out, so the generator is never counted inside a watched tree as well as on its own.
     */
    Tree tree(long root, long excluded) {
      Proc top = processes.get(root);
      if (top == null) {
        return null;
      }
      long ticks = 0;
      int count = 0;
      Set<Long> seen = new HashSet<>();
      Deque<Long> pending = new ArrayDeque<>();
      pending.add(root);
      while (!pending.isEmpty()) {
        long pid = pending.poll();
        Proc proc = processes.get(pid);
        if (proc == null || (pid == excluded && pid != root) || !seen.add(pid)) {
          continue;
        }
        ticks += proc.ticks();
        count++;
        pending.addAll(children.getOrDefault(pid, List.of()));
      }
      return new Tree(top.startTicks(), ticks, count);
    }
  }
}
