package io.tally.perf;

import io.vertx.core.VertxException;

/**
 * Names for how a request ended, used as keys when counting errors.
 *
 * <p>Keys stay coarse (status plus error code, or the exception type) so a failing run yields a short breakdown
 * rather than one entry per request.
 */
final class Outcome {

  static final String OK = "ok";
  static final String TIMEOUT = "timeout";

  private Outcome() {
  }

  static boolean ok(String outcome) {
    return OK.equals(outcome);
  }

  static String of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
        return TIMEOUT;
      }
    }
    String type = failure.getClass().getSimpleName();
    String message = failure.getMessage();
    if (message == null || message.isBlank() || !(failure instanceof VertxException
        || failure instanceof java.io.IOException)) {
      return "io " + type;
    }
    String line = message.lines().findFirst().orElse("").trim();
    return "io " + type + ": " + (line.length() > 80 ? line.substring(0, 80) : line);
  }
}
