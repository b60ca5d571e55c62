package io.tally.config;

/** The HTTP server: where it listens and how large a request body may be. */
public record HttpConfig(String host, int port, int maxBodyBytes) {

  static HttpConfig from(Section section) {
    return new HttpConfig(
        section.text("host", "0.0.0.0"),
        section.integer("port", 8080, 0, 65_535),
        section.integer("maxBodyBytes", 64 * 1024, 1024, 16 * 1024 * 1024));
  }
}
