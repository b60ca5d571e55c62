package io.tally.support;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on loopback that a test can cut and restore: while cut, connections through it are closed and
 * new ones refused, as when the server behind it is unreachable.
 */
public final class TcpProxy implements AutoCloseable {

  private final Vertx vertx;
  private final NetClient client;
  private final String targetHost;
  private final int targetPort;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private int port;

  private TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.client = vertx.createNetClient();
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /**
   * A proxy on loopback port {@code port} to {@code targetHost:targetPort}; take the port from
   * {@link TestNode#freePort()}, so that no outgoing connection takes it while the proxy is cut.
   */
  public static TcpProxy on(Vertx vertx, int port, String targetHost, int targetPort) {
    TcpProxy proxy = new TcpProxy(vertx, targetHost, targetPort);
    proxy.listen(port);
    return proxy;
  }

  public int port() {
    return port;
  }

  /** Closes every connection through the proxy and stops accepting new ones. */
  public void cut() {
    server.close().await();
    open.forEach(socket -> socket.close());
    open.clear();
  }

  /** Accepts connections again, on the same port. */
  public void restore() {
    listen(port);
  }

  private void listen(int on) {
    server = vertx.createNetServer().connectHandler(this::forward);
    port = server.listen(on, "127.0.0.1").await().actualPort();
  }

  private void forward(NetSocket inbound) {
    inbound.pause();
    open.add(inbound);
    client.connect(targetPort, targetHost).onSuccess(outbound -> {
      open.add(outbound);
      inbound.handler(outbound::write);
      outbound.handler(inbound::write);
      inbound.closeHandler(v -> outbound.close());
      outbound.closeHandler(v -> inbound.close());
      inbound.resume();
    }).onFailure(failure -> inbound.close());
  }

  @Override
  public void close() {
    cut();
    client.close().await();
  }
}
