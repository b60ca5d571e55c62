package io.tally.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the journal lives. Without a {@code url}, the node starts an embedded PostgreSQL whose data is kept under
 * {@code dataDir}, listening on {@code embeddedPort} (0 picks a free port).
 */
public record PostgresConfig(Optional<String> url, Path dataDir, int embeddedPort, int poolSize) {

  static PostgresConfig from(Section section) {
    Optional<String> url = section.optionalText("url");
    url.ifPresent(value -> {
      if (!value.startsWith("postgresql://") && !value.startsWith("postgres://")) {
        throw new ConfigException(section.key("url"), "must look like postgresql://user:password@host:port/database");
      }
    });
    return new PostgresConfig(
        url,
        Path.of(section.text("dataDir", "./data")),
        section.integer("embeddedPort", 0, 0, 65_535),
        section.integer("poolSize", 8, 1, 256));
  }
}
