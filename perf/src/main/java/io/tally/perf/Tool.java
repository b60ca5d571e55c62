package io.tally.perf;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The small tools the perf scripts need around the Gatling simulations (only console-fanout sends requests to Tally):
 *
 * <pre>
 * java -jar perf/target/tally-perf.jar free-port [N]
 * java -jar perf/target/tally-perf.jar reset-db --pg-url URL
 * java -jar perf/target/tally-perf.jar results --summary FILE --audit VERDICT --results FILE
 * java -jar perf/target/tally-perf.jar rate --summary FILE
 * java -jar perf/target/tally-perf.jar cpu --out FILE [--watch NAME=PID|NAME=pidfile:PATH]... -- COMMAND...
 * java -jar perf/target/tally-perf.jar bench-report --dir RUN_DIR --audit VERDICT
 * java -jar perf/target/tally-perf.jar cluster-report --dir RUN_DIR --audit VERDICT
 * java -jar perf/target/tally-perf.jar console-fanout --url URL [--consoles N] [--changes N] [--rate N]
 * </pre>
 */
public final class Tool {

  private static final String USAGE = """
      usage: java -jar tally-perf.jar COMMAND ...
        free-port [N]                      N free TCP ports on 127.0.0.1 (default 1)
        reset-db --pg-url URL              empty schema public of a PostgreSQL on a loopback address
        results --summary FILE --audit VERDICT --results FILE
                                           append a run's summary.json as one line to RESULTS.md
        rate --summary FILE                the successes per second of a run's measured window
        cpu --out FILE [--watch NAME=PID|NAME=pidfile:PATH]... -- COMMAND...
                                           run COMMAND and write the CPU it, each watched process and the
                                           machine used meanwhile (the pgbench ceiling of perf/bench.sh)
        bench-report --dir RUN_DIR --audit VERDICT
                                           the numbers of a perf/bench.sh run, from its scenarios' summaries
        cluster-report --dir RUN_DIR --audit VERDICT
                                           the numbers of a perf/cluster.sh run, from its stages' summaries
        console-fanout --url URL [--consoles 200] [--changes 1000] [--rate 50]
                                           open N console sockets to a node, make changes, and print how long
                                           each change took to reach every console (perf/console-fanout.sh)
      """;

  private Tool() {
  }

  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.print(USAGE);
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    int status;
    try {
      status = switch (args[0]) {
        case "free-port" -> freePort(rest);
        case "reset-db" -> DbReset.main(rest);
        case "results" -> results(rest);
        case "rate" -> rate(rest);
        case "cpu" -> CpuOf.main(rest);
        case "bench-report" -> report(rest, true);
        case "cluster-report" -> report(rest, false);
        case "console-fanout" -> ConsoleFanout.main(rest);
        case "--help", "-h", "help" -> {
          System.out.print(USAGE);
          yield 0;
        }
        default -> {
          System.err.print("tally-perf: unknown command " + args[0] + "\n" + USAGE);
          yield 2;
        }
      };
    } catch (IllegalArgumentException e) {
      System.err.println("tally-perf: " + e.getMessage());
      status = 2;
    } catch (IOException | RuntimeException e) {
      System.err.println("tally-perf: " + args[0] + " failed: " + e);
      status = 1;
    }
    System.exit(status);
  }

  private static int freePort(String[] args) throws IOException {
    int count;
    try {
      count = args.length == 0 ? 1 : Integer.parseInt(args[0]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("free-port needs a whole number, got " + args[0]);
    }
    if (args.length > 1 || count < 1 || count > 100) {
      throw new IllegalArgumentException("usage: free-port [N], N from 1 to 100");
    }
    FreePort.find(count).forEach(System.out::println);
    return 0;
  }

  private static int results(String[] args) throws IOException {
    Options options = Options.of(args, "summary", "audit", "results");
    ResultsLine.append(Path.of(options.get("summary")), options.get("audit"), Path.of(options.get("results")));
    return 0;
  }

  private static int rate(String[] args) throws IOException {
    Options options = Options.of(args, "summary");
    JsonObject summary = new JsonObject(Files.readString(Path.of(options.get("summary"))));
    Double rate = Reports.measured(summary).okPerSecond();
    if (rate == null) {
      System.err.println("tally-perf: " + options.get("summary") + " has no measured successes");
      return 1;
    }
    System.out.println(rate);
    return 0;
  }

  private static int report(String[] args, boolean bench) throws IOException {
    Options options = Options.of(args, "dir", "audit");
    Path dir = Path.of(options.get("dir"));
    return bench ? Reports.writeBench(dir, options.get("audit")) : Reports.writeCluster(dir, options.get("audit"));
  }

  /** {@code --name value} pairs, each of the names required. */
  record Options(List<String> names, List<String> values) {
    static Options of(String[] args, String... required) {
      List<String> names = new ArrayList<>();
      List<String> values = new ArrayList<>();
      for (int i = 0; i < args.length; i += 2) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
        }
        names.add(args[i].substring(2));
        values.add(args[i + 1]);
      }
      for (String name : required) {
        if (!names.contains(name)) {
          throw new IllegalArgumentException("needs --" + name);
        }
      }
      for (String name : names) {
        if (!List.of(required).contains(name)) {
          throw new IllegalArgumentException("unknown option --" + name);
        }
      }
      return new Options(names, values);
    }

    String get(String name) {
      return values.get(names.indexOf(name));
    }
  }
}
