package io.tally.config;

import java.time.Duration;

/**
 * The HTTP server: where it listens, how large a request body may be, and how long a stopping node lets requests
 * in flight finish.
 *
 * @param sendBufferBytes the kernel send buffer of each connection, 0 for the operating system's default; a small
 *     one bounds the memory a stalled WebSocket client holds and gets it dropped sooner
 */
public record HttpConfig(String host, int port, int maxBodyBytes, Duration shutdownGrace, int sendBufferBytes) {

  static HttpConfig from(Section section) {
    return new HttpConfig(
        section.text("host", "0.0.0.0"),
        section.integer("port", 8080, 0, 65_535),
        section.integer("maxBodyBytes", 64 * 1024, 1024, 16 * 1024 * 1024),
        section.millis("shutdownGraceMs", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(5)),
        section.integer("sendBufferBytes", 0, 0, 64 * 1024 * 1024));
  }
}
