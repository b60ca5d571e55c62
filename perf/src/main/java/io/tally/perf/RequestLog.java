package io.tally.perf;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Every request of a timeline run, one slot per request number in parallel arrays.
 *
 * <p>A failover report has to cut the run at the instants a node was killed, restarted or stopped, to the
 * millisecond, so it needs per-request facts rather than per-second aggregates: when the request was meant to
 * start, how long it took, how it ended and how often it was re-sent. Columns of primitives keep a minute at
 * thousands of requests per second to a few megabytes, and each slot is written only by the event loop that owns
 * the request and read after the run has completed, so recording needs no locks. The CSV form lets
 * {@link ClusterReport} read a run back in another process.
 */
final class RequestLog {

  /** Status of a request that got no HTTP answer before its deadline. */
  static final short DEADLINE = 0;
  /** Status of a request still unanswered when the run ended. */
  static final short UNFINISHED = -1;
  /** Status of a request answered 200 or 201 without a readable reservation id. */
  static final short UNREADABLE = -2;

  private static final String HEADER = "index,intended_us,latency_us,status,resends,first_url,last_url";

  final long[] intendedMicros;
  final int[] latencyMicros;
  final short[] status;
  final short[] resends;
  final byte[] firstTarget;
  final byte[] lastTarget;
  /** Reservation ids of acknowledged requests while the run is in memory; not kept in the CSV form. */
  final String[] reservationIds;

  RequestLog(int size) {
    intendedMicros = new long[size];
    latencyMicros = new int[size];
    status = new short[size];
    Arrays.fill(status, UNFINISHED);
    resends = new short[size];
    firstTarget = new byte[size];
    lastTarget = new byte[size];
    reservationIds = new String[size];
  }

  int size() {
    return status.length;
  }

  static boolean okStatus(int status) {
    return status == 200 || status == 201;
  }

  boolean ok(int index) {
    return okStatus(status[index]);
  }

  boolean finished(int index) {
    return status[index] != UNFINISHED;
  }

  /** What the requests meant to start in {@code [fromMicros, toMicros)} amount to. */
  record Summary(int sent, int ok, int errors, int resent, double p50, double p99, double max, long maxAtMicros) {
  }

  Summary summarize(long fromMicros, long toMicros) {
    int from = firstAtOrAfter(fromMicros);
    int to = firstAtOrAfter(toMicros);
    int ok = 0;
    int errors = 0;
    int resent = 0;
    int[] latencies = new int[Math.max(0, to - from)];
    int measured = 0;
    long maxAt = -1;
    int max = -1;
    for (int i = from; i < to; i++) {
      resent += resends[i];
      if (ok(i)) {
        ok++;
      } else {
        errors++;
      }
      if (finished(i)) {
        latencies[measured++] = latencyMicros[i];
        if (latencyMicros[i] > max) {
          max = latencyMicros[i];
          maxAt = intendedMicros[i];
        }
      }
    }
    Arrays.sort(latencies, 0, measured);
    return new Summary(Math.max(0, to - from), ok, errors, resent, percentile(latencies, measured, 50),
        percentile(latencies, measured, 99), measured == 0 ? Double.NaN : latencies[measured - 1] / 1e3, maxAt);
  }

  /** Nearest-rank percentile in milliseconds of the first {@code count} sorted microsecond values. */
  private static double percentile(int[] sorted, int count, double percent) {
    if (count == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(percent / 100 * count);
    return sorted[Math.max(0, Math.min(count, rank) - 1)] / 1e3;
  }

  /** The first request number whose intended time is not before {@code micros}; intended times only increase. */
  int firstAtOrAfter(long micros) {
    int low = 0;
    int high = size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (intendedMicros[mid] < micros) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** One row per wall-clock second from the first request's second to the last one's, empty seconds included. */
  List<PerSecond> perSecond() {
    List<PerSecond> rows = new ArrayList<>();
    if (size() == 0) {
      return rows;
    }
    long first = Math.floorDiv(intendedMicros[0], 1_000_000);
    long last = Math.floorDiv(intendedMicros[size() - 1], 1_000_000);
    for (long second = first; second <= last; second++) {
      Summary s = summarize(second * 1_000_000, (second + 1) * 1_000_000);
      rows.add(new PerSecond(second, s.sent(), s.ok(), s.errors(), s.resent(), s.p50(), s.p99(), s.max()));
    }
    return rows;
  }

  void writeCsv(Path file) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream out = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw, 1 << 16) : raw;
        BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
      writer.write(HEADER);
      writer.write('\n');
      for (int i = 0; i < size(); i++) {
        writer.write(i + "," + intendedMicros[i] + "," + latencyMicros[i] + "," + status[i] + "," + resends[i] + ","
            + firstTarget[i] + "," + lastTarget[i] + "\n");
      }
    }
  }

  static RequestLog readCsv(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      String header = reader.readLine();
      if (!HEADER.equals(header)) {
        throw new IOException(file + " is not a request log (header " + header + ")");
      }
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank()) {
          lines.add(line);
        }
      }
    }
    RequestLog log = new RequestLog(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",");
      if (f.length != 7) {
        throw new IOException(file + ": line " + (i + 2) + " has " + f.length + " fields");
      }
      log.intendedMicros[i] = Long.parseLong(f[1]);
      log.latencyMicros[i] = Integer.parseInt(f[2]);
      log.status[i] = Short.parseShort(f[3]);
      log.resends[i] = Short.parseShort(f[4]);
      log.firstTarget[i] = Byte.parseByte(f[5]);
      log.lastTarget[i] = Byte.parseByte(f[6]);
    }
    return log;
  }
}
