package io.tally.perf;

/** {@link Peak}, except that every reservation goes to the same pool (the hot pool). */
public class HotPeak extends Peak {

  public HotPeak() {
    super("hot-peak", true);
  }
}
