package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the machine's CPU went during one measured span, in cores used on average (1.0 is one core kept busy).
 *
 * <p>The watched trees, the generator and {@code other} add up to the machine's busy cores minus what the hypervisor
 * stole, so a shortfall can be read off directly: a saturated machine, a node or database eating the budget, or a
 * noisy neighbour showing up as steal. {@code other} is everything else that ran: unwatched processes, and the
 * kernel's interrupt work (loopback networking included), which Linux books on no process.
 *
 * @param generator cores this load generator used
 * @param watched cores of each watched process tree, in the order given
 * @param machineBusy cores the machine spent on anything but idling or waiting for I/O, steal included
 * @param machineCores CPUs the machine counters cover
 * @param stealPercent share of all CPU time the hypervisor gave to others, in percent
 */
record CpuUse(double generator, List<Share> watched, double machineBusy, int machineCores, double stealPercent) {

  /**
   * One watched tree.
   *
   * @param name the watch's name
   * @param cores cores the tree used, NaN when {@code problem} says why it is unknown
   * @param pid the tree's root at the end of the span, -1 when unknown
   * @param processes processes in the tree at the end of the span
   * @param problem why {@code cores} is unknown, or null
   */
  record Share(String name, double cores, long pid, int processes, String problem) {
  }

  static CpuUse unknown(List<String> names) {
    List<Share> watched = names.stream().map(name -> new Share(name, Double.NaN, -1, 0, "not sampled")).toList();
    return new CpuUse(Double.NaN, watched, Double.NaN, 0, Double.NaN);
  }

  static CpuUse between(CpuWatch.Sample first, CpuWatch.Sample last, long clockTicks) {
    long wallNanos = last.wallNanos() - first.wallNanos();
    if (wallNanos <= 0) {
      return unknown(List.copyOf(last.watched().keySet()));
    }
    double seconds = wallNanos / 1e9;
    double generator = (double) (last.generatorNanos() - first.generatorNanos()) / wallNanos;
    if (first.generatorNanos() < 0 || last.generatorNanos() < 0) {
      generator = Double.NaN;
    }
    List<Share> watched = new ArrayList<>();
    for (Map.Entry<String, CpuWatch.Observed> entry : last.watched().entrySet()) {
      watched.add(share(entry.getKey(), first.watched().get(entry.getKey()), entry.getValue(), clockTicks, seconds));
    }
    ProcFs.MachineTicks before = first.machine();
    ProcFs.MachineTicks after = last.machine();
    double busy = Double.NaN;
    double steal = Double.NaN;
    int cores = after == null ? 0 : after.cpus();
    if (before != null && after != null && before.cpus() == after.cpus() && after.total() > before.total()) {
      double total = after.total() - before.total();
      busy = (after.busy() - before.busy()) / total * cores;
      steal = (after.steal() - before.steal()) / total * 100;
    }
    return new CpuUse(generator, List.copyOf(watched), busy, cores, steal);
  }

  private static Share share(String name, CpuWatch.Observed first, CpuWatch.Observed last, long clockTicks,
      double seconds) {
    if (first == null || first.problem() != null) {
      return new Share(name, Double.NaN, last.pid(), 0, first == null ? "not sampled" : first.problem());
    }
    if (last.problem() != null) {
      return new Share(name, Double.NaN, last.pid(), 0, last.problem());
    }
    if (first.pid() != last.pid() || first.tree().rootStartTicks() != last.tree().rootStartTicks()) {
      return new Share(name, Double.NaN, last.pid(), last.tree().processes(),
          "process " + first.pid() + " was replaced by " + last.pid() + " during the span");
    }
    long ticks = last.tree().ticks() - first.tree().ticks();
    if (ticks < 0) {
      return new Share(name, Double.NaN, last.pid(), last.tree().processes(),
          "a process left the tree during the span and took its CPU time along");
    }
    return new Share(name, ticks / (double) clockTicks / seconds, last.pid(), last.tree().processes(), null);
  }

  /** Cores the hypervisor stole. */
  double stealCores() {
    return stealPercent / 100 * machineCores;
  }

  /** Busy cores not accounted for by the generator or a watched tree, steal left out; NaN if any part is unknown. */
  double other() {
    double accounted = generator + stealCores();
    for (Share share : watched) {
      accounted += share.cores();
    }
    return machineBusy - accounted;
  }

  /** CPU microseconds per successful operation at {@code rate} operations per second, NaN without a rate. */
  static double microsPerOperation(double cores, double rate) {
    return rate > 0 && !Double.isNaN(cores) ? cores * 1e6 / rate : Double.NaN;
  }

  /** {@code {"node": 0.84, ..., "generator": 0.48, "other": 0.1, "machineBusy": 1.86, ...}}. */
  JsonObject toJson() {
    JsonObject json = new JsonObject();
    watched.forEach(share -> json.put(share.name(), number(share.cores())));
    return json
        .put("generator", number(generator))
        .put("other", number(other()))
        .put("machineBusy", number(machineBusy))
        .put("machineCores", machineCores)
        .put("stealPercent", number(stealPercent));
  }

  /** CPU microseconds per successful operation for each watched tree and the generator. */
  JsonObject microsJson(double rate) {
    JsonObject json = new JsonObject();
    watched.forEach(share -> json.put(share.name(), tenths(microsPerOperation(share.cores(), rate))));
    return json.put("generator", tenths(microsPerOperation(generator, rate)));
  }

  /** Which processes each watch counted, and why a figure is missing. */
  JsonObject watchedJson() {
    JsonObject json = new JsonObject();
    for (Share share : watched) {
      JsonObject entry = new JsonObject().put("pid", share.pid() < 0 ? null : share.pid())
          .put("processes", share.processes());
      if (share.problem() != null) {
        entry.put("problem", share.problem());
      }
      json.put(share.name(), entry);
    }
    return json;
  }

  private static Double number(double value) {
    return Double.isNaN(value) || Double.isInfinite(value) ? null : Math.round(value * 1000) / 1000.0;
  }

  private static Double tenths(double value) {
    return Double.isNaN(value) ? null : Math.round(value * 10) / 10.0;
  }
}
