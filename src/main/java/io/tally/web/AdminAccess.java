package io.tally.web;

import io.tally.config.AdminConfig;
import io.tally.contract.Refusal;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Lets an admin request through only with the configured bearer token. The comparison takes the same time
 * whatever the candidate is (both sides are hashed first, so not even the token's length shows), and neither the
 * token nor what a client sent is ever logged or echoed.
 *
 * <p>Three modes: a token is configured (requests without it get 401 {@code unauthorized}); no token on the
 * embedded single-node default (admin routes open, as on a laptop trying Tally out); no token anywhere else
 * (admin routes refused with 403 {@code admin_disabled}: a deployment must choose its token).
 */
public final class AdminAccess implements Handler<RoutingContext> {

  private static final String BEARER = "Bearer ";

  private final Optional<byte[]> expected;
  private final boolean open;

  private AdminAccess(Optional<byte[]> expected, boolean open) {
    this.expected = expected;
    this.open = open;
  }

  /** The access the configuration asks for; {@code embeddedSingleNode} opens admin routes when no token is set. */
  public static AdminAccess of(AdminConfig config, boolean embeddedSingleNode) {
    return new AdminAccess(config.token().map(AdminAccess::digest), config.token().isEmpty() && embeddedSingleNode);
  }

  /** A line for the start-up log saying how admin routes are protected; never the token. */
  public String describe() {
    if (expected.isPresent()) {
      return "Admin routes require the bearer token set in admin.token";
    }
    return open
        ? "Admin routes are OPEN: this is the embedded single-node default and no admin.token is set; set"
            + " TALLY_ADMIN_TOKEN (or admin.token) to require a bearer token"
        : "Admin routes are REFUSED: no admin.token is set; set TALLY_ADMIN_TOKEN (or admin.token) to use them";
  }

  /** Whether the log line of {@link #describe()} is a warning. */
  public boolean worthAWarning() {
    return expected.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    refusal(ctx.request().getHeader(HttpHeaders.AUTHORIZATION)).ifPresentOrElse(refusal -> {
      if (refusal.status() == 401) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"tally-admin\"");
      }
      ctx.fail(refusal);
    }, ctx::next);
  }

  /** Why a request with this {@code Authorization} header may not pass, or empty when it may. */
  Optional<Refusal> refusal(String authorization) {
    if (expected.isEmpty()) {
      return open ? Optional.empty() : Optional.of(new Refusal(403, "admin_disabled",
          "this node has no admin token configured (admin.token / TALLY_ADMIN_TOKEN), so admin routes are refused"));
    }
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.of(new Refusal(401, "unauthorized", "this route needs the admin bearer token:"
          + " Authorization: Bearer <admin.token>"));
    }
    byte[] candidate = digest(authorization.substring(BEARER.length()).trim());
    return MessageDigest.isEqual(candidate, expected.get()) ? Optional.empty()
        : Optional.of(new Refusal(401, "unauthorized", "the admin bearer token is not the one this node has"));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
