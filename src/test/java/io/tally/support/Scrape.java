package io.tally.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code GET /metrics} in the Prometheus text format, read into series and values, so that a test
 * can ask for a series by its name and labels (in any order).
 */
public final class Scrape {

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private record Series(String name, Map<String, String> labels, double value) {
  }

  private final List<Series> series = new ArrayList<>();

  private Scrape(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String key = line.substring(0, space);
      double value = Double.parseDouble(line.substring(space + 1));
      int brace = key.indexOf('{');
      Map<String, String> labels = new HashMap<>();
      if (brace >= 0) {
        Matcher label = LABEL.matcher(key.substring(brace));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
      }
      series.add(new Series(brace < 0 ? key : key.substring(0, brace), labels, value));
    }
  }

  public static Scrape of(String text) {
    return new Scrape(text);
  }

  /**
   * The value of the series with exactly these labels, or null if there is none.
   *
   * @param labels name, value, name, value, …
   */
  public Double value(String name, String... labels) {
    Map<String, String> wanted = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    return series.stream().filter(one -> one.name().equals(name) && one.labels().equals(wanted))
        .map(Series::value).findFirst().orElse(null);
  }

  /** The value of one series, failing when it is absent. */
  public double get(String name, String... labels) {
    Double value = value(name, labels);
    if (value == null) {
      throw new AssertionError("no series " + name + " " + String.join(",", labels) + " in the scrape; of that name"
          + " it has: " + series.stream().filter(one -> one.name().equals(name)).map(Series::labels).toList());
    }
    return value;
  }

  /** The sum of every series of {@code name}, whatever its labels. */
  public double sum(String name) {
    return series.stream().filter(one -> one.name().equals(name)).mapToDouble(Series::value).sum();
  }

  /** The names that start with {@code prefix}, without the suffixes of histograms and summaries. */
  public SortedSet<String> names(String prefix) {
    SortedSet<String> names = new TreeSet<>();
    for (Series one : series) {
      if (one.name().startsWith(prefix)) {
        names.add(one.name().replaceAll("_(bucket|count|sum|max)$", ""));
      }
    }
    return names;
  }
}
