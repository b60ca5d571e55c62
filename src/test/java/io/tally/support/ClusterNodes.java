package io.tally.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Several Tally node processes on loopback, joined by Hazelcast over TCP, sharing one PostgreSQL database. Nodes
 * are numbered from 1 and named {@code n1}, {@code n2}, ...; each can be killed, stopped and started again on the
 * same ports.
 */
public final class ClusterNodes implements AutoCloseable {

  private final String databaseUrl;
  private final int[] httpPorts;
  private final int[] clusterPorts;
  private final NodeProcess[] processes;
  private final Map<Integer, Map<String, String>> extraEnv;
  private final Path logDir;

  public ClusterNodes(int size, String databaseUrl, Map<Integer, Map<String, String>> extraEnv, Path logDir) {
    this.databaseUrl = databaseUrl;
    this.httpPorts = new int[size + 1];
    this.clusterPorts = new int[size + 1];
    this.processes = new NodeProcess[size + 1];
    this.extraEnv = extraEnv;
    this.logDir = logDir;
    for (int i = 1; i <= size; i++) {
      httpPorts[i] = TestNode.freePort();
      clusterPorts[i] = TestNode.freePort();
    }
  }

  /** Starts every node at once and waits until each one is ready. */
  public ClusterNodes startAll() {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (int i = 1; i < processes.length; i++) {
      int node = i;
      started.add(CompletableFuture.runAsync(() -> start(node)));
    }
    CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
    return this;
  }

  public void start(int node) {
    Map<String, String> env = new HashMap<>();
    env.put("TALLY_NODE_ID", name(node));
    env.put("TALLY_PG_URL", databaseUrl);
    env.put("TALLY_CLUSTER_HOST", "127.0.0.1");
    env.put("TALLY_CLUSTER_PORT", Integer.toString(clusterPorts[node]));
    env.put("TALLY_CLUSTER_MEMBERS", members());
    env.put("TALLY_EVENT_LOOPS", "2");
    // -Dtally.nodeLogLevel=DEBUG shows every node's appends, routing and handoffs in its log under target/
    env.put("TALLY_LOG_LEVEL", System.getProperty("tally.nodeLogLevel", "INFO"));
    env.putAll(extraEnv.getOrDefault(node, Map.of()));
    try {
      processes[node] = NodeProcess.start(httpPorts[node], env, logDir.resolve(name(node) + ".log"));
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + name(node), e);
    }
  }

  public void kill(int node) {
    processes[node].kill();
    processes[node] = null;
  }

  public void terminate(int node) {
    processes[node].terminate();
    processes[node] = null;
  }

  public int httpPort(int node) {
    return httpPorts[node];
  }

  /** The HTTP ports of the nodes that are running. */
  public List<Integer> livePorts() {
    List<Integer> ports = new ArrayList<>();
    for (int i = 1; i < processes.length; i++) {
      if (processes[i] != null) {
        ports.add(httpPorts[i]);
      }
    }
    return ports;
  }

  /** The {@code host:port} list of every node's Hazelcast endpoint, for a process that wants to join. */
  public String members() {
    List<String> members = new ArrayList<>();
    for (int i = 1; i < clusterPorts.length; i++) {
      members.add("127.0.0.1:" + clusterPorts[i]);
    }
    return members.stream().collect(Collectors.joining(","));
  }

  public static String name(int node) {
    return "n" + node;
  }

  @Override
  public void close() {
    for (int i = 1; i < processes.length; i++) {
      if (processes[i] != null) {
        processes[i].kill();
        processes[i] = null;
      }
    }
  }
}
