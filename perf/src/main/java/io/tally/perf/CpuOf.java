package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one command and writes where the machine's CPU went while it ran: the command's process tree (as
 * {@code command}), each watched process, and the machine as a whole. {@code perf/bench.sh} wraps pgbench in it,
 * so the single-INSERT ceiling comes with the CPU PostgreSQL spent per insert, next to what it spends per
 * reservation. The command's output goes to this process's standard output.
 */
final class CpuOf {

  private CpuOf() {
  }

  static int main(String[] args) throws IOException {
    int separator = List.of(args).indexOf("--");
    if (separator < 0 || separator == args.length - 1) {
      throw new IllegalArgumentException("usage: cpu --out FILE [--watch NAME=PID|NAME=pidfile:PATH]... -- COMMAND...");
    }
    Path out = null;
    List<Watch> watches = new ArrayList<>();
    for (int i = 0; i < separator; i += 2) {
      if (i + 1 >= separator) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--out" -> out = Path.of(args[i + 1]);
        case "--watch" -> watches.add(Watch.parse(args[i + 1]));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("cpu needs --out FILE");
    }
    List<String> command = List.of(args).subList(separator + 1, args.length);
    Process process = new ProcessBuilder(command).inheritIO().start();
    watches.add(new Watch("command", process.pid(), null));
    CpuWatch watch = new CpuWatch(watches);
    CpuWatch.Sample first = watch.sample();
    CpuWatch.Sample last = first;
    int exit;
    try {
      // The command's tree is sampled until just before it exits: afterwards its CPU time is gone with it.
      while (!process.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        CpuWatch.Sample sample = watch.sample();
        if (sample.watched().get("command").problem() == null) {
          last = sample;
        }
      }
      exit = process.exitValue();
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      return 1;
    }
    CpuUse use = CpuUse.between(first, last, watch.clockTicks());
    JsonObject json = new JsonObject().put("command", String.join(" ", command)).put("exitCode", exit)
        .put("seconds", Math.round((last.wallNanos() - first.wallNanos()) / 1e6) / 1e3)
        .put("cpu", use.toJson()).put("watched", use.watchedJson());
    Files.writeString(out, json.encodePrettily() + "\n");
    return exit;
  }
}
