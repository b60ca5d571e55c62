package io.tally.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.ClusterNodes;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.Scrape;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Two node processes whose event bus runs mutual TLS, with a self-signed certificate this test makes with the JDK's
 * keytool: commands cross from one node to the other, and a client without the cluster's certificate is refused at
 * the handshake, so it cannot send to any address.
 */
class EventBusTlsIT {

  private static final String PASSWORD = "changeit-for-the-test";

  @Test
  void nodesTalkOverMutualTlsAndAPeerWithoutTheCertificateIsRefused() throws Exception {
    Path dir = Files.createTempDirectory("tally-eventbus-tls");
    Path keyStore = dir.resolve("node.p12");
    Path trustStore = dir.resolve("trust.p12");
    keytool("-genkeypair", "-alias", "tally", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=tally-node", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    Path certificate = dir.resolve("node.crt");
    keytool("-exportcert", "-alias", "tally", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
        "-file", certificate.toString());
    keytool("-importcert", "-noprompt", "-alias", "tally", "-file", certificate.toString(), "-storetype", "PKCS12",
        "-keystore", trustStore.toString(), "-storepass", PASSWORD);

    int[] busPorts = {0, TestNode.freePort(), TestNode.freePort()};
    Map<Integer, Map<String, String>> env = Map.of(1, tls(keyStore, trustStore, busPorts[1]),
        2, tls(keyStore, trustStore, busPorts[2]));
    Path logs = Files.createDirectories(Path.of("target", "eventbus-tls-it-" + System.nanoTime()));
    try (ClusterNodes cluster = new ClusterNodes(2, TestDatabase.freshUrl(), env, logs).startAll();
        Http first = new Http(cluster.httpPort(1)); Http second = new Http(cluster.httpPort(2))) {
      // every request goes to the first node; the second owns about half of the shards, so it must get commands
      for (int i = 0; i < 16; i++) {
        assertTrue(first.post("/pools", Pools.definition("tls-" + i, 5)).applied());
        assertTrue(first.post("/pools/tls-" + i + "/reservations", Pools.order("o-" + i, 1)).applied());
      }
      double decidedBySecond = Scrape.of(second.get("/metrics").raw())
          .get("tally_shard_commands_total", "outcome", "decided");
      assertTrue(decidedBySecond > 0, "the second node decided commands that reached it over TLS");

      assertTrue(staysConnected(busPorts[2], keyStore), "a peer with the cluster's certificate is accepted");
      assertTrue(!staysConnected(busPorts[2], null), "a peer without a certificate is refused");
    }
  }

  private static Map<String, String> tls(Path keyStore, Path trustStore, int busPort) {
    return Map.of("TALLY_EVENTBUS_KEYSTORE", keyStore.toString(), "TALLY_EVENTBUS_KEYSTORE_PASSWORD", PASSWORD,
        "TALLY_EVENTBUS_TRUSTSTORE", trustStore.toString(), "TALLY_EVENTBUS_TRUSTSTORE_PASSWORD", PASSWORD,
        "TALLY_EVENTBUS_PORT", Integer.toString(busPort));
  }

  /**
   * Whether a TLS connection to the port, presenting the certificate in {@code keyStore} (or none), is still open
   * a second after its handshake: the node waits for event-bus frames from a peer it accepted, and closes the
   * connection of one it refused.
   */
  private static boolean staysConnected(int port, Path keyStore) throws Exception {
    try (SSLSocket socket = (SSLSocket) trustingEverything(keyStore).getSocketFactory().createSocket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout(1_000);
      socket.startHandshake();
      try {
        return socket.getInputStream().read() != -1;
      } catch (SocketTimeoutException waiting) {
        return true;
      } catch (IOException refused) {
        return false;
      }
    } catch (IOException refusedAtHandshake) {
      return false;
    }
  }

  private static SSLContext trustingEverything(Path keyStore) throws Exception {
    KeyManagerFactory keys = null;
    if (keyStore != null) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = new FileInputStream(keyStore.toFile())) {
        store.load(in, PASSWORD.toCharArray());
      }
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, PASSWORD.toCharArray());
    }
    TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), new TrustManager[] {trustAll}, null);
    return context;
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool finished");
    assertEquals(0, process.exitValue(), "keytool " + String.join(" ", args) + ": " + output);
  }
}
