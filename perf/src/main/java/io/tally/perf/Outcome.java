package io.tally.perf;

/** How a request ended, as the run records it: {@link #OK}, or a short description of what went wrong. */
final class Outcome {

  static final String OK = "ok";

  private Outcome() {
  }
}
