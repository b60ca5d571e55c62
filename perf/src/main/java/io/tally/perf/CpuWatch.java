package io.tally.perf;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Samples where the machine's CPU goes: this generator, every {@code --watch}ed process tree, and the machine as a
 * whole, including the share a hypervisor stole.
 *
 * <p>The generator, the Tally node and PostgreSQL share the same few cores, so a rate that falls short of a target
 * is explained only next to who used them meanwhile. {@link LoadRun} samples once a second on a thread of its own,
 * so reading {@code /proc} never stalls a request being timed, and reports the difference over each window.
 */
final class CpuWatch implements AutoCloseable {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final List<Watch> watches;
  private final boolean procfs = ProcFs.available();
  private final long clockTicks;
  private final long self = ProcessHandle.current().pid();

  /** What one watch led to at one instant: the tree's root and counters, or why there are none. */
  record Observed(long pid, ProcFs.Tree tree, String problem) {
  }

  /** Every counter at one instant on the {@link System#nanoTime()} clock. */
  record Sample(long wallNanos, long generatorNanos, ProcFs.MachineTicks machine, Map<String, Observed> watched) {
  }

  CpuWatch(List<Watch> watches) {
    this.watches = List.copyOf(watches);
    this.clockTicks = procfs ? ProcFs.clockTicks() : 100;
  }

  List<String> names() {
    return watches.stream().map(Watch::name).toList();
  }

  long clockTicks() {
    return clockTicks;
  }

  /**
   * One line per watch saying which processes it counts now.
   *
   * @throws IllegalStateException naming the first watch that leads to no running process
   */
  List<String> describe() {
    if (watches.isEmpty()) {
      return List.of();
    }
    if (!procfs) {
      throw new IllegalStateException("-Dwatch needs the Linux /proc file system");
    }
    ProcFs.Snapshot snapshot = ProcFs.snapshot();
    List<String> lines = new ArrayList<>();
    for (Watch watch : watches) {
      Observed observed = observe(watch, snapshot);
      if (observed.problem() != null) {
        throw new IllegalStateException("-Dwatch " + watch.spec() + ": " + observed.problem());
      }
      int others = observed.tree().processes() - 1;
      lines.add(String.format(Locale.ROOT, "%s: pid %d (%s)%s, plus %d descendant process%s", watch.name(),
          observed.pid(), ProcFs.command(observed.pid()), watch.pidFile() == null ? "" : " from " + watch.pidFile(),
          others, others == 1 ? "" : "es"));
    }
    return lines;
  }

  Sample sample() {
    long wall = System.nanoTime();
    long generator = OS.getProcessCpuTime();
    ProcFs.MachineTicks machine = procfs ? ProcFs.machine() : null;
    Map<String, Observed> watched = new LinkedHashMap<>();
    if (procfs && !watches.isEmpty()) {
      ProcFs.Snapshot snapshot = ProcFs.snapshot();
      watches.forEach(watch -> watched.put(watch.name(), observe(watch, snapshot)));
    }
    return new Sample(wall, generator, machine, watched);
  }

  private Observed observe(Watch watch, ProcFs.Snapshot snapshot) {
    long pid;
    try {
      pid = watch.resolve();
    } catch (IOException e) {
      return new Observed(-1, null, "cannot read the pid file: " + e.getMessage());
    }
    ProcFs.Tree tree = snapshot.tree(pid, self);
    return tree == null ? new Observed(pid, null, "process " + pid + " is not running") : new Observed(pid, tree, null);
  }

  @Override
  public void close() {
    // nothing held between samples
  }
}
