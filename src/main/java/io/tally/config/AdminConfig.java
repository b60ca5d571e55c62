package io.tally.config;

import java.util.Optional;

/**
 * Who may use the admin routes: those that change pools, reset them, rebuild projections or reveal more than the
 * storefront needs (exact numbers, history, the feed, the cluster, metrics).
 *
 * @param token the bearer token admin requests must carry; without one, admin routes are open only on the embedded
 *     single-node default and refused everywhere else
 */
public record AdminConfig(Optional<String> token) {

  /** Long enough that it cannot be guessed online; a token is a secret, not a password. */
  static final int MIN_TOKEN_LENGTH = 16;

  public AdminConfig {
    token.ifPresent(value -> {
      if (value.length() < MIN_TOKEN_LENGTH || value.length() > 512 || !value.matches("[\\x21-\\x7e]+")) {
        // never echo the value: a rejected token is still someone's secret
        throw new ConfigException("admin.token", "must be " + MIN_TOKEN_LENGTH + " to 512 printable characters"
            + " without spaces (for example the output of: openssl rand -hex 32)");
      }
    });
  }

  @Override
  public String toString() {
    return "AdminConfig[token=" + (token.isPresent() ? "(set)" : "(none)") + "]";
  }

  static AdminConfig from(Section section) {
    return new AdminConfig(section.optionalText("token"));
  }
}
