package io.tally.perf;

/** {@link Ramp}, except that every checkout wants the same slot (the hot pool); availability stays spread. */
public class HotSlotRamp extends Ramp {

  public HotSlotRamp() {
    super("hot-ramp", true);
  }
}
