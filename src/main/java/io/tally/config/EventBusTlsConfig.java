package io.tally.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS for the clustered event bus ({@code cluster.tls}), mutual: every node presents the certificate in its key
 * store and accepts only peers whose certificate its trust store holds, so that a process without the cluster's
 * certificate can neither send to a node's addresses nor read the traffic. Both stores are PKCS#12 files. Hazelcast's
 * own connections (membership, no Tally data) are not covered: TLS for them is a Hazelcast Enterprise feature.
 *
 * @param keyStore this node's private key and certificate; empty for a plain event bus
 * @param trustStore the certificates (or the certificate authority) of every node and sibling service
 */
public record EventBusTlsConfig(Optional<Path> keyStore, String keyStorePassword, Optional<Path> trustStore,
    String trustStorePassword) {

  public boolean enabled() {
    return keyStore.isPresent();
  }

  @Override
  public String toString() {
    return "EventBusTlsConfig[keyStore=" + keyStore.map(Path::toString).orElse("(none)") + ", trustStore="
        + trustStore.map(Path::toString).orElse("(none)") + ", passwords hidden]";
  }

  static EventBusTlsConfig from(Section section) {
    Optional<Path> keyStore = readable(section, "keyStore");
    Optional<Path> trustStore = readable(section, "trustStore");
    if (keyStore.isPresent() != trustStore.isPresent()) {
      throw new ConfigException(section.key(keyStore.isPresent() ? "trustStore" : "keyStore"),
          "must be set together with " + section.key(keyStore.isPresent() ? "keyStore" : "trustStore")
              + ": mutual TLS needs this node's certificate and the certificates it trusts");
    }
    return new EventBusTlsConfig(keyStore, section.text("keyStorePassword", ""), trustStore,
        section.text("trustStorePassword", ""));
  }

  private static Optional<Path> readable(Section section, String name) {
    Optional<Path> path = section.optionalText(name).map(Path::of);
    if (path.isPresent() && !Files.isReadable(path.get())) {
      throw new ConfigException(section.key(name), "no readable file at '" + path.get() + "'");
    }
    return path;
  }
}
