package io.tally.perf;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds TCP ports on 127.0.0.1 that are free right now.
 *
 * <p>The perf scripts need ports for PostgreSQL, the nodes and Hazelcast; a fresh machine has a JDK but not
 * necessarily Python, so the benchmark jar offers this itself. Several ports are taken from sockets held open at
 * the same time, so they are distinct.
 */
final class FreePort {

  private FreePort() {
  }

  static int find() throws IOException {
    return find(1).getFirst();
  }

  static List<Integer> find(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        socket.setReuseAddress(true);
        ports.add(socket.getLocalPort());
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
