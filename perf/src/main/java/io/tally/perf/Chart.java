package io.tally.perf;

import java.util.List;
import java.util.Locale;

/**
 * Draws a run as a self-contained SVG: requests per second on top, latency per second below, with the
 * instants the cluster was disturbed drawn across both.
 *
 * <p>A failover is read by eye first (did the successes dip, did errors appear, how long did the latency spike
 * last, and where is that relative to the kill), so the chart goes next to the numbers. It is plain SVG text with
 * no charting library, which keeps the generator's dependencies and any browser or CI artifact viewer happy.
 * Latency uses a logarithmic axis because a healthy millisecond and a failover's seconds must both stay visible.
 */
final class Chart {

  /** A vertical line at {@code t} seconds from the first second, labelled. */
  record Mark(double t, String label) {
  }

  /** A shaded stretch from {@code from} to {@code to} seconds, e.g. from a kill until the shards serve again. */
  record Span(double from, double to, String colour) {
  }

  private static final int WIDTH = 1200;
  private static final int HEIGHT = 800;
  private static final int LEFT = 80;
  private static final int RIGHT = 30;
  private static final int TOP_A = 140;
  private static final int HEIGHT_A = 260;
  private static final int TOP_B = 460;
  private static final int HEIGHT_B = 260;
  private static final String OK = "#2e7d32";
  private static final String ERRORS = "#c62828";
  private static final String RESENT = "#ef6c00";
  private static final String MAX = "#6a1b9a";
  private static final String P99 = "#1565c0";
  private static final String P50 = "#757575";

  private final StringBuilder svg = new StringBuilder();
  private final int seconds;
  private final double plotWidth = WIDTH - LEFT - RIGHT;

  private Chart(int seconds) {
    this.seconds = Math.max(1, seconds);
  }

  static String svg(String title, String subtitle, List<PerSecond> rows, List<Mark> marks, List<Span> spans) {
    return new Chart(rows.size()).draw(title, subtitle, rows, marks, spans);
  }

  private String draw(String title, String subtitle, List<PerSecond> rows, List<Mark> marks, List<Span> spans) {
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
    text(LEFT, 28, title, "font-size=\"17\" font-weight=\"bold\"");
    text(LEFT, 48, subtitle, "fill=\"#444\"");
    for (Span span : spans) {
      double from = x(Math.max(0, span.from()));
      double to = x(Math.min(seconds, span.to()));
      if (to > from) {
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\""
            + " fill-opacity=\"0.12\"/>%n", from, TOP_A, to - from, TOP_B + HEIGHT_B - TOP_A, span.colour()));
      }
    }
    throughput(rows);
    latency(rows);
    for (Mark mark : marks) {
      if (mark.t() < 0 || mark.t() > seconds) {
        continue;
      }
      double x = x(mark.t());
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\""
          + " stroke-dasharray=\"4 3\" stroke-width=\"1\"/>%n", x, TOP_A - 4, x, TOP_B + HEIGHT_B));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" transform=\"rotate(-30 %.1f %d)\""
          + " font-size=\"11\">%s</text>%n", x + 2, TOP_A - 8, x + 2, TOP_A - 8, escape(mark.label())));
    }
    xAxis(TOP_B + HEIGHT_B);
    svg.append("</svg>\n");
    return svg.toString();
  }

  private void throughput(List<PerSecond> rows) {
    double peak = 1;
    for (PerSecond row : rows) {
      peak = Math.max(peak, Math.max(row.sent(), Math.max(row.ok(), Math.max(row.errors(), row.resent()))));
    }
    double step = niceStep(peak * 1.1 / 5);
    double top = Math.ceil(peak * 1.1 / step) * step;
    frame(TOP_A, HEIGHT_A, "requests / s", "requests per second, by the second they were sent");
    for (double value = 0; value <= top + step / 2; value += step) {
      double y = linear(value, top);
      gridLine(y, fixed(value, 0));
    }
    for (int i = 0; i < rows.size(); i++) {
      PerSecond row = rows.get(i);
      if (row.errors() > 0) {
        double y = linear(row.errors(), top);
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
            + " fill=\"%s\"/>%n", x(i) + 1, y, Math.max(1, x(i + 1) - x(i) - 2), TOP_A + HEIGHT_A - y, ERRORS));
      }
    }
    polyline(rows, row -> linear(row.resent(), top), RESENT, "stroke-dasharray=\"5 3\"");
    polyline(rows, row -> linear(row.ok(), top), OK, "");
    legend(TOP_A + 14, new String[] {"ok (201/200)", "errors", "re-sent"}, new String[] {OK, ERRORS, RESENT});
  }

  private void latency(List<PerSecond> rows) {
    double low = Double.MAX_VALUE;
    double high = 1;
    for (PerSecond row : rows) {
      if (row.p50() > 0) {
        low = Math.min(low, row.p50());
      }
      if (row.max() > 0) {
        high = Math.max(high, row.max());
      }
    }
    double bottom = Math.pow(10, Math.floor(Math.log10(low == Double.MAX_VALUE ? 1 : Math.max(0.01, low))));
    double top = Math.pow(10, Math.ceil(Math.log10(Math.max(high, bottom * 10))));
    frame(TOP_B, HEIGHT_B, "latency, ms",
        "latency per second, from the first attempt to the final answer, ms (log scale)");
    for (double value = bottom; value <= top * 1.0001; value *= 10) {
      gridLine(logarithmic(value, bottom, top), value >= 1 ? fixed(value, 0) : fixed(value, 2));
    }
    polyline(rows, row -> logarithmic(row.p50(), bottom, top), P50, "");
    polyline(rows, row -> logarithmic(row.p99(), bottom, top), P99, "");
    polyline(rows, row -> logarithmic(row.max(), bottom, top), MAX, "");
    legend(TOP_B + 14, new String[] {"max", "p99", "p50"}, new String[] {MAX, P99, P50});
  }

  private void frame(int top, int height, String axis, String caption) {
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"none\""
        + " stroke=\"#999\"/>%n", LEFT, top, plotWidth, height));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" transform=\"rotate(-90 %d %d)\""
        + " text-anchor=\"middle\" fill=\"#444\">%s</text>%n", 18, top + height / 2, 18, top + height / 2,
        escape(axis)));
    text(LEFT + 6, top + 14, caption, "fill=\"#444\" font-size=\"11\"");
  }

  private void gridLine(double y, String label) {
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>%n",
        LEFT, y, LEFT + plotWidth, y));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%s</text>%n",
        LEFT - 6, y + 4, escape(label)));
  }

  private void xAxis(int y) {
    int step = seconds <= 30 ? 2 : seconds <= 90 ? 5 : seconds <= 300 ? 20 : 60;
    for (int t = 0; t <= seconds; t += step) {
      double x = x(t);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>%n",
          x, y, x, y + 5));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%d"
          + "</text>%n", x, y + 18, t));
    }
    text((int) (LEFT + plotWidth / 2), y + 38, "seconds since the run started (wall-clock seconds)",
        "text-anchor=\"middle\" fill=\"#444\"");
  }

  private void legend(int y, String[] labels, String[] colours) {
    double x = LEFT + plotWidth - 310;
    svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"white\""
        + " fill-opacity=\"0.85\"/>%n", x - 6, y - 13, 100 * labels.length + 4));
    for (int i = 0; i < labels.length; i++) {
      svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>%n",
          x, y - 4, colours[i]));
      text((int) x + 18, y, labels[i], "");
      x += 100;
    }
  }

  /** Where one second's figure lands on a panel, so one polyline routine serves every series. */
  private interface Value {
    double y(PerSecond row);
  }

  private void polyline(List<PerSecond> rows, Value value, String colour, String extra) {
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      double y = value.y(rows.get(i));
      if (Double.isNaN(y)) {
        if (!points.isEmpty()) {
          line(points, colour, extra);
          points.setLength(0);
        }
        continue;
      }
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(i + 0.5), y));
    }
    if (!points.isEmpty()) {
      line(points, colour, extra);
    }
  }

  private void line(StringBuilder points, String colour, String extra) {
    svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\""
        + " %s/>%n", points.toString().trim(), colour, extra));
  }

  private double x(double t) {
    return LEFT + t / seconds * plotWidth;
  }

  private static double linear(double value, double top) {
    return TOP_A + HEIGHT_A - value / top * HEIGHT_A;
  }

  private static double logarithmic(double value, double bottom, double top) {
    if (Double.isNaN(value)) {
      return Double.NaN;
    }
    double clamped = Math.max(bottom, Math.min(top, value));
    double share = (Math.log10(clamped) - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom));
    return TOP_B + HEIGHT_B - share * HEIGHT_B;
  }

  /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
  static double niceStep(double raw) {
    double power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    for (double factor : new double[] {1, 2, 5, 10}) {
      if (factor * power >= raw) {
        return factor * power;
      }
    }
    return 10 * power;
  }

  private void text(int x, int y, String content, String attributes) {
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" %s>%s</text>%n", x, y, attributes,
        escape(content)));
  }

  private static String fixed(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
