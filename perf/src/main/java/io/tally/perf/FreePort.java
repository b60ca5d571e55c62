package io.tally.perf;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Finds a TCP port on 127.0.0.1 that is free right now.
 *
 * <p>bench.sh needs ports for PostgreSQL and the service; a fresh machine has a JDK but not necessarily Python, so
 * the benchmark jar offers this itself.
 */
final class FreePort {

  private FreePort() {
  }

  static int find() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
