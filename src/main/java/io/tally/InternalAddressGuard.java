package io.tally;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tally.contract.Addresses;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the internal event-bus addresses ({@link Addresses#internal}) to Tally's own nodes. Every node of a cluster
 * has the same admin token; a node stamps each message it sends to an internal address with a seal derived from it
 * (a digest, never the token), and refuses, with failure code 403 and {@code not_a_member}, a message to an internal
 * address without the seal. A sibling service on the same event bus therefore keeps to the public addresses, and
 * cannot, say, rebuild a projection without the admin token that the HTTP route asks for. On a plain event bus the
 * seal can be read off the wire; {@code cluster.tls} closes that. Without an admin token there is nothing to derive a
 * seal from, and the internal addresses accept any sender (the node says so at start-up).
 */
final class InternalAddressGuard {

  static final String HEADER = "tally-member";
  private static final Logger log = LoggerFactory.getLogger(InternalAddressGuard.class);

  private static final long WARN_EVERY_NANOS = 10_000_000_000L;

  private final String seal;
  private final Counter refused;
  private volatile long lastWarned = System.nanoTime() - WARN_EVERY_NANOS;

  private InternalAddressGuard(String seal, Counter refused) {
    this.seal = seal;
    this.refused = refused;
  }

  /**
   * Installs the guard on {@code bus}, when the node is clustered and has an admin token to derive the seal from;
   * its meter is there in any case (a single node refuses nothing: no other process reaches its event bus).
   */
  static void install(EventBus bus, boolean clustered, Optional<String> adminToken, String nodeId,
      MeterRegistry meters) {
    Counter refused = Counter.builder("tally.eventbus.refused")
        .description("Messages to internal event-bus addresses refused because they carried no Tally node's seal")
        .register(meters);
    if (!clustered) {
      return;
    }
    if (adminToken.isEmpty()) {
      log.warn("Node {}: no admin.token, so the internal event-bus addresses accept messages from any process on the"
          + " event bus", nodeId);
      return;
    }
    InternalAddressGuard guard = new InternalAddressGuard(sealOf(adminToken.get()), refused);
    bus.addOutboundInterceptor(guard::stamp);
    bus.addInboundInterceptor(guard::check);
  }

  private void stamp(DeliveryContext<Object> delivery) {
    if (Addresses.internal(delivery.message().address())) {
      delivery.message().headers().set(HEADER, seal);
    }
    delivery.next();
  }

  private void check(DeliveryContext<Object> delivery) {
    String address = delivery.message().address();
    if (!Addresses.internal(address)) {
      delivery.next();
      return;
    }
    String presented = delivery.message().headers().get(HEADER);
    if (presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
        seal.getBytes(StandardCharsets.US_ASCII))) {
      delivery.next();
      return;
    }
    refused.increment();
    long now = System.nanoTime();
    if (now - lastWarned >= WARN_EVERY_NANOS) {
      lastWarned = now; // at most one line per ten seconds, however many a misbehaving sender sends
      log.warn("Refused a message to internal address {} from a sender that is not a Tally node", address);
    }
    if (delivery.message().replyAddress() != null) {
      delivery.message().fail(403, "not_a_member");
    }
  }

  private static String sealOf(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("tally-member:" + token).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
