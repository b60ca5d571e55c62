package io.tally.perf;

/** {@link Steady}, except that every checkout wants the same slot (the hot pool); availability stays spread. */
public class HotSlot extends Steady {

  public HotSlot() {
    super("hot", true);
  }
}
