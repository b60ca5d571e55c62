package io.tally.config;

import java.time.Duration;

/**
 * The HTTP server: where it listens, how large a request body may be, and how long a stopping node lets requests
 * in flight finish.
 *
 * @param sendBufferBytes the kernel send buffer of each connection, 0 for the operating system's default; a small
 *     one bounds the memory a stalled WebSocket client holds and gets it dropped sooner
 * @param maxConnections the most HTTP connections (WebSockets included) the node keeps open at once; a connection
 *     beyond it is closed as soon as it is accepted, so that no client can take the node's file descriptors. Keep
 *     it below the process's limit on open files ({@code ulimit -n}), which PostgreSQL and cluster connections share
 * @param drain how long a stopping node keeps taking HTTP requests after it turned unready, so that load balancers
 *     checking {@code /health/ready} stop sending before it stops listening; at least their check interval times
 *     the failures they need to mark a server down
 */
public record HttpConfig(String host, int port, int maxBodyBytes, Duration shutdownGrace, int sendBufferBytes,
    int maxConnections, Duration drain) {

  static HttpConfig from(Section section) {
    return new HttpConfig(
        section.text("host", "0.0.0.0"),
        section.integer("port", 8080, 0, 65_535),
        section.integer("maxBodyBytes", 64 * 1024, 1024, 16 * 1024 * 1024),
        section.millis("shutdownGraceMs", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(5)),
        section.integer("sendBufferBytes", 0, 0, 64 * 1024 * 1024),
        section.integer("maxConnections", 16_384, 1, 1_000_000),
        section.millis("drainMs", Duration.ofSeconds(2), Duration.ZERO, Duration.ofMinutes(1)));
  }
}
