package io.tally.config;

import java.util.OptionalInt;

/**
 * Where the node's Prometheus metrics are served. {@code GET /metrics} is an admin route wherever it is served: on
 * the HTTP port by default, or on a management port of its own, which can then be kept off the load balancer and
 * the public network.
 *
 * @param enabled whether the node keeps metrics at all; off, {@code /metrics} answers 404 and nothing is measured
 * @param port the management port, or empty to serve {@code /metrics} on the HTTP port; 0 picks a free port
 * @param host the management port's interface (only with a port); empty means the HTTP host
 */
public record MetricsConfig(boolean enabled, OptionalInt port, String host) {

  static MetricsConfig from(Section section, HttpConfig http) {
    int port = section.integer("port", -1, 0, 65_535);
    OptionalInt management = port < 0 ? OptionalInt.empty() : OptionalInt.of(port);
    if (management.isPresent() && management.getAsInt() != 0 && management.getAsInt() == http.port()) {
      throw new ConfigException(section.key("port"), "must differ from http.port (leave it null to serve metrics"
          + " on the HTTP port)");
    }
    return new MetricsConfig(section.bool("enabled", true), management, section.text("host", http.host()));
  }
}
