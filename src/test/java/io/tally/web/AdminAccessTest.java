package io.tally.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.config.AdminConfig;
import io.tally.contract.Refusal;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminAccessTest {

  private static final String TOKEN = "s3cret-token-0123456789";

  private final AdminAccess locked = AdminAccess.of(new AdminConfig(Optional.of(TOKEN)), false);

  @Test
  void theRightBearerTokenPasses() {
    assertEquals(Optional.empty(), locked.refusal("Bearer " + TOKEN));
    assertEquals(Optional.empty(), locked.refusal("bearer " + TOKEN), "the scheme is case-insensitive");
  }

  @Test
  void aMissingMalformedOrWrongTokenIs401() {
    for (String header : new String[] {null, "", TOKEN, "Basic " + TOKEN, "Bearer", "Bearer " + TOKEN + "x",
        "Bearer " + TOKEN.substring(1), "Bearer " + TOKEN.toUpperCase()}) {
      Refusal refusal = locked.refusal(header).orElseThrow(() -> new AssertionError("passed: " + header));
      assertEquals(401, refusal.status(), header);
      assertEquals("unauthorized", refusal.code());
      assertFalse(refusal.getMessage().contains(TOKEN), "the token is never echoed");
    }
  }

  @Test
  void withoutATokenTheEmbeddedDefaultIsOpenAndEveryOtherNodeRefuses() {
    AdminAccess embedded = AdminAccess.of(new AdminConfig(Optional.empty()), true);
    assertEquals(Optional.empty(), embedded.refusal(null));
    assertTrue(embedded.worthAWarning());
    assertTrue(embedded.describe().contains("TALLY_ADMIN_TOKEN"));

    AdminAccess deployed = AdminAccess.of(new AdminConfig(Optional.empty()), false);
    Refusal refusal = deployed.refusal("Bearer anything-at-all-123456").orElseThrow();
    assertEquals(403, refusal.status());
    assertEquals("admin_disabled", refusal.code());
    assertTrue(deployed.worthAWarning());
  }

  @Test
  void aConfiguredTokenIsRequiredEvenOnTheEmbeddedDefaultAndNeverDescribed() {
    AdminAccess embeddedWithToken = AdminAccess.of(new AdminConfig(Optional.of(TOKEN)), true);
    assertEquals(401, embeddedWithToken.refusal(null).orElseThrow().status());
    assertFalse(embeddedWithToken.worthAWarning());
    assertFalse(embeddedWithToken.describe().contains(TOKEN));
  }
}
