package io.tally.config;

/** A configuration value that Tally cannot run with; the message names the key and, where one maps to it, the
 * environment variable. */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super(describe(key) + ": " + problem, null, false, false);
    this.key = key;
  }

  public String key() {
    return key;
  }

  private static String describe(String key) {
    return EnvironmentOverrides.variableFor(key).map(variable -> key + " (or " + variable + ")").orElse(key);
  }
}
