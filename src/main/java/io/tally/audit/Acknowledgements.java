package io.tally.audit;

import io.tally.pool.Ids;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The successes a client was given, read from the CSV files load generators write, so that {@link Audit} can prove
 * each one is in the journal. Only the client knows which answers it got; the journal alone cannot show a lost
 * acknowledgement.
 *
 * <p>A file starts with the header {@code kind,orderId,reservationId,poolId}; each row is either
 * {@code reserved,<orderId>,<reservationId>,<poolId>} or {@code released,,<reservationId>,}. Fields are not quoted:
 * pool and reservation ids cannot contain a comma, so the order id is everything between the first comma and the
 * reservation id, and an order id that contains commas reads back whole. A line that does not fit is a problem
 * named by file and line, never skipped quietly, because an unread acknowledgement would pass unchecked.
 *
 * <p>A run may acknowledge a million reservations, so entries are kept as sorted arrays of strings, one string per
 * entry, and looked up by binary search: no map node or record per entry.
 */
public final class Acknowledgements {

  static final String HEADER = "kind,orderId,reservationId,poolId";
  /** Problems listed one by one before the rest are only counted, so the output stays readable. */
  static final int EXAMPLES = 20;
  /** Separates the fields of a reservation entry; sorts before every character an id may hold. */
  private static final char SEPARATOR = '\n';

  private static final Acknowledgements NONE = new Acknowledgements(new String[0], new String[0], 0, List.of());

  /** {@code reservationId \n orderId \n poolId}, sorted, so sorted by reservation id and searchable by it. */
  private final String[] reservations;
  private final String[] releases;
  private final long rows;
  private final List<String> problems;

  private Acknowledgements(String[] reservations, String[] releases, long rows, List<String> problems) {
    this.reservations = reservations;
    this.releases = releases;
    this.rows = rows;
    this.problems = problems;
  }

  /** No acknowledgements: the audit checks the journal alone. */
  public static Acknowledgements none() {
    return NONE;
  }

  /**
   * Reads every file given, and every {@code *.csv} file directly inside each directory given. Unreadable paths and
   * malformed lines become {@link #problems()}; the well-formed rows are kept either way.
   */
  public static Acknowledgements read(List<Path> paths) {
    Reader reader = new Reader();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        reader.directory(path);
      } else {
        reader.file(path);
      }
    }
    return reader.finish();
  }

  /** Well-formed rows read, duplicates included: the number of acknowledgements checked. */
  public long rows() {
    return rows;
  }

  /** Unreadable files, malformed lines and contradicting acknowledgements, each naming where it was found. */
  public List<String> problems() {
    return problems;
  }

  /** Distinct acknowledged reservations. */
  int reservationCount() {
    return reservations.length;
  }

  /** Distinct acknowledged releases. */
  int releaseCount() {
    return releases.length;
  }

  /** The position of the acknowledged reservation with this id, or -1 when none was acknowledged. */
  int reservationIndex(String reservationId) {
    int at = -Arrays.binarySearch(reservations, reservationId + SEPARATOR) - 1;
    return at >= 0 && at < reservations.length && idOf(reservations[at]).equals(reservationId) ? at : -1;
  }

  /** Whether the reservation at {@code index} was acknowledged for this order in this pool. */
  boolean matches(int index, String orderId, String poolId) {
    return reservations[index].equals(entry(idOf(reservations[index]), orderId, poolId));
  }

  /** The reservation at {@code index} as an operator reads it: {@code p-1~7 (order o-9, pool p-1)}. */
  String reservation(int index) {
    return describe(reservations[index]);
  }

  /** The position of the acknowledged release of this reservation, or -1 when none was acknowledged. */
  int releaseIndex(String reservationId) {
    int at = Arrays.binarySearch(releases, reservationId);
    return at >= 0 ? at : -1;
  }

  /** The reservation id whose release at {@code index} was acknowledged. */
  String release(int index) {
    return releases[index];
  }

  static String describe(String reservationId, String orderId, String poolId) {
    return reservationId + " (order " + orderId + ", pool " + poolId + ")";
  }

  private static String describe(String entry) {
    int first = entry.indexOf(SEPARATOR);
    int last = entry.lastIndexOf(SEPARATOR);
    return describe(entry.substring(0, first), entry.substring(first + 1, last), entry.substring(last + 1));
  }

  private static String entry(String reservationId, String orderId, String poolId) {
    return reservationId + SEPARATOR + orderId + SEPARATOR + poolId;
  }

  private static String idOf(String entry) {
    return entry.substring(0, entry.indexOf(SEPARATOR));
  }

  /** Collects rows and problems across files, then sorts and de-duplicates them once. */
  private static final class Reader {
    private final List<String> reservations = new ArrayList<>();
    private final List<String> releases = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private long malformed;
    private long rows;

    void directory(Path directory) {
      List<Path> files;
      try (Stream<Path> listed = Files.list(directory)) {
        files = listed.filter(file -> file.getFileName().toString().endsWith(".csv") && Files.isRegularFile(file))
            .sorted().toList();
      } catch (IOException e) {
        problems.add(directory + ": cannot list: " + reason(e));
        return;
      }
      if (files.isEmpty()) {
        problems.add(directory + ": holds no *.csv file");
      }
      files.forEach(this::file);
    }

    void file(Path file) {
      try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String header = lines.readLine();
        if (!HEADER.equals(header)) {
          problems.add(file + ":1: expected the header " + HEADER + ", got " + shown(header) + "; file not read");
          return;
        }
        int number = 1;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          number++;
          String wrong = row(line);
          if (wrong != null) {
            malformed(file + ":" + number + ": " + wrong + ": " + shown(line));
          }
        }
      } catch (IOException e) {
        problems.add(file + ": cannot read: " + reason(e));
      }
    }

    /** Takes one row; answers what is wrong with it, or null when it was taken. */
    private String row(String line) {
      int first = line.indexOf(',');
      int last = line.lastIndexOf(',');
      int beforeLast = last < 0 ? -1 : line.lastIndexOf(',', last - 1);
      if (first < 0 || beforeLast <= first) {
        return "expected " + HEADER;
      }
      String kind = line.substring(0, first);
      String orderId = line.substring(first + 1, beforeLast);
      String reservationId = line.substring(beforeLast + 1, last);
      String poolId = line.substring(last + 1);
      if (Ids.parseReservation(reservationId).isEmpty()) {
        return "not a reservation id: \"" + reservationId + "\"";
      }
      switch (kind) {
        case "reserved" -> {
          if (!Ids.isOrderId(orderId)) {
            return "not an order id: \"" + orderId + "\"";
          }
          if (!Ids.isPoolId(poolId)) {
            return "not a pool id: \"" + poolId + "\"";
          }
          reservations.add(entry(reservationId, orderId, poolId));
        }
        case "released" -> {
          if (!orderId.isEmpty() || !poolId.isEmpty()) {
            return "a release names only its reservation id";
          }
          releases.add(reservationId);
        }
        default -> {
          return "kind is \"" + kind + "\", not reserved or released";
        }
      }
      rows++;
      return null;
    }

    private void malformed(String problem) {
      malformed++;
      if (malformed <= EXAMPLES) {
        problems.add(problem);
      }
    }

    Acknowledgements finish() {
      if (malformed > EXAMPLES) {
        problems.add((malformed - EXAMPLES) + " more malformed acknowledgement lines not listed");
      }
      String[] reserved = contradictionsRemoved(distinct(reservations.toArray(String[]::new)));
      reservations.clear();
      String[] released = distinct(releases.toArray(String[]::new));
      releases.clear();
      return new Acknowledgements(reserved, released, rows, List.copyOf(problems));
    }

    /**
     * Keeps the first of several reservations acknowledged under one id for different orders or pools, and reports
     * the others: Tally never gives one reservation id to two orders, so a client that was told so has found a bug.
     */
    private String[] contradictionsRemoved(String[] sorted) {
      int kept = 0;
      for (String entry : sorted) {
        if (kept > 0 && idOf(sorted[kept - 1]).equals(idOf(entry))) {
          problems.add("acknowledged reservation " + describe(entry) + " contradicts its other acknowledgement "
              + describe(sorted[kept - 1]));
        } else {
          sorted[kept++] = entry;
        }
      }
      return Arrays.copyOf(sorted, kept);
    }

    /** Sorts and drops repeats: a client that retried an order may have been told the same reservation twice. */
    private static String[] distinct(String[] values) {
      Arrays.sort(values);
      int kept = 0;
      for (String value : values) {
        if (kept == 0 || !values[kept - 1].equals(value)) {
          values[kept++] = value;
        }
      }
      return Arrays.copyOf(values, kept);
    }

    private static String reason(IOException e) {
      return e instanceof NoSuchFileException ? "no such file" : e.toString();
    }

    private static String shown(String line) {
      if (line == null) {
        return "an empty file";
      }
      return line.length() <= 100 ? "\"" + line + "\"" : "\"" + line.substring(0, 100) + "…\"";
    }
  }
}
