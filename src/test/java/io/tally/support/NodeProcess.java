package io.tally.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Tally node as a separate operating-system process started from {@code target/tally.jar}, so tests can kill it
 * the way production crashes do.
 */
public final class NodeProcess {

  private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final Process process;
  private final int port;
  private final Path log;

  private NodeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a node with the given environment and waits until {@code /health/ready} answers 200. */
  public static NodeProcess start(int port, Map<String, String> env, Path log) throws IOException {
    String jar = Optional.ofNullable(System.getProperty("tally.jar")).orElse("target/tally.jar");
    if (!Files.exists(Path.of(jar))) {
      throw new IllegalStateException(jar + " is missing; integration tests run after 'mvn package'");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-jar", jar));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("TALLY_HTTP_HOST", "127.0.0.1");
    builder.environment().put("TALLY_HTTP_PORT", Integer.toString(port));
    builder.environment().put("TALLY_ADMIN_TOKEN", Http.ADMIN_TOKEN);
    builder.environment().putAll(env);
    NodeProcess node = new NodeProcess(builder.start(), port, log);
    node.awaitReady();
    return node;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hooks, no handoff, like a crash. */
  public void kill() {
    process.destroyForcibly();
    awaitExit();
  }

  /** SIGTERM: a graceful stop. */
  public void terminate() {
    process.destroy();
    awaitExit();
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("node " + process.pid() + " did not exit; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady() {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited with " + process.exitValue() + "; see " + log);
      }
      return ready();
    });
  }

  private boolean ready() {
    try {
      HttpResponse<Void> response = PROBE.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/health/ready")).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
