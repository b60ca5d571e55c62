package io.tally.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {

  private static LoadSettings settings(String... pairs) {
    Properties properties = new Properties();
    for (int i = 0; i < pairs.length; i += 2) {
      properties.setProperty(pairs[i], pairs[i + 1]);
    }
    return new LoadSettings("ramp", properties);
  }

  @Test
  void oneTimesIsTheBusyGrocerysPeakSecond() {
    LoadSettings tenTimes = settings("multiple", "10");

    assertEquals(5000, tenTimes.availabilityRate(tenTimes.multiple));
    assertEquals(500, tenTimes.checkoutRate(tenTimes.multiple));
  }

  @Test
  void rampLevelsFollowTheTimetableTheInjectionUses() {
    LoadSettings ramp = settings("from", "4", "step", "2", "levelSeconds", "30", "rampSeconds", "5",
        "warmup", "20");

    assertEquals(4, ramp.levelMultiple(0));
    assertEquals(10, ramp.levelMultiple(3));
    assertEquals(Duration.ofSeconds(20), ramp.levelStart(0));
    assertEquals(Duration.ofSeconds(20 + 35 * 2), ramp.levelStart(2));
  }

  @Test
  void urlsAreSplitAndTrailingSlashesDropped() {
    LoadSettings cluster = settings("urls", "http://127.0.0.1:8081/, http://127.0.0.1:8082");

    assertEquals(List.of(URI.create("http://127.0.0.1:8081"), URI.create("http://127.0.0.1:8082")), cluster.urls);
  }

  @Test
  void aCommandQuotedByTheMavenPluginIsUnquoted() {
    LoadSettings failover = settings("kill.command", "\"docker compose kill node-2\"", "kill.at", "60");

    assertEquals("docker compose kill node-2", failover.actions.getFirst().command());
    assertEquals(Duration.ofSeconds(60), failover.actions.getFirst().at());
  }

  @Test
  void aBadValueNamesItsProperty() {
    assertMessage("-Dmultiple", () -> settings("multiple", "ten"));
    assertMessage("-Dmultiple", () -> settings("multiple", "-1"));
    assertMessage("-Ddays", () -> settings("days", "3"));
    assertMessage("-Durls", () -> settings("urls", "https://127.0.0.1"));
    assertMessage("-Dkill.at", () -> settings("kill.command", "kill -9 1"));
  }

  private static void assertMessage(String property, Runnable parse) {
    LoadSettings.Invalid invalid = assertThrows(LoadSettings.Invalid.class, parse::run);
    assertTrue(invalid.getMessage().contains(property), invalid.getMessage());
  }
}
