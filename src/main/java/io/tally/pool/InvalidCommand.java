package io.tally.pool;

/** Thrown when a command cannot be built from its parts: a command that exists is always well-formed. */
public final class InvalidCommand extends RuntimeException {

  private final transient Rejection rejection;

  public InvalidCommand(String code, String message) {
    super(message, null, false, false);
    this.rejection = Rejection.invalid(code, message);
  }

  public Rejection rejection() {
    return rejection;
  }
}
