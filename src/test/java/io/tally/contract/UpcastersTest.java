package io.tally.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each step of the upcaster chain on its own, then the chain as the journal's readers use it. */
class UpcastersTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void aFirstReleaseReservationKnowsNeitherRegionNorChannel() {
    ObjectNode v1 = json("{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":3}");
    assertEquals(json("{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":3,\"region\":null,\"channel\":null}"),
        Upcasters.reservedV1ToV2(v1));
  }

  @Test
  void aFirstReleaseReleaseDoesNotKnowItsRegion() {
    ObjectNode v1 = json("{\"reservationId\":\"p~1\",\"units\":3}");
    assertEquals(json("{\"reservationId\":\"p~1\",\"units\":3,\"region\":null}"), Upcasters.releasedV1ToV2(v1));
  }

  @Test
  void anEarlierReleasesPoolHasNoCutoff() {
    String slot = "\"slot\":{\"start\":\"2026-12-01T10:00:00Z\",\"end\":\"2026-12-01T12:00:00Z\"}";
    ObjectNode v1 = json("{\"poolId\":\"p\",\"capacity\":4," + slot + ",\"regions\":[\"A\"]}");
    ObjectNode before = v1.deepCopy();
    assertEquals(json("{\"poolId\":\"p\",\"capacity\":4," + slot + ",\"regions\":[\"A\"],\"cutoff\":null}"),
        Upcasters.definedV1ToV2(v1));
    assertEquals(before, v1);
    assertEquals(StoredForm.POOL_DEFINED, Upcasters.upcast("pool.defined.v1", v1).type());
  }

  @Test
  void aStepLeavesTheStoredPayloadAsItWas() {
    ObjectNode v1 = json("{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":3}");
    ObjectNode before = v1.deepCopy();
    Upcasters.reservedV1ToV2(v1);
    Upcasters.upcast("capacity.reserved.v1", v1);
    assertEquals(before, v1);
  }

  @Test
  void theChainBringsAnOldEventToItsCurrentType() {
    Upcasters.Current current = Upcasters.upcast("capacity.reserved.v1",
        json("{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":3}"));
    assertEquals(StoredForm.CAPACITY_RESERVED, current.type());
    assertEquals(Upcasters.reservedV1ToV2(json("{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":3}")),
        current.payload());
  }

  @Test
  void aCurrentEventPassesUnchanged() {
    ObjectNode v2 = json("{\"reservationId\":\"p~1\",\"orderId\":\"o\",\"units\":3,\"region\":\"A\",\"channel\":null}");
    Upcasters.Current current = Upcasters.upcast(StoredForm.CAPACITY_RESERVED, v2);
    assertEquals(StoredForm.CAPACITY_RESERVED, current.type());
    assertEquals(v2, current.payload());
  }

  @Test
  void everyReadableTypeLeadsToACurrentOne() {
    for (String type : StoredForm.eventTypes()) {
      assertTrue(Upcasters.CURRENT.contains(Upcasters.upcast(type, json("{}")).type()), type);
    }
    assertTrue(StoredForm.eventTypes().containsAll(Upcasters.CURRENT));
  }

  @Test
  void aNewerVersionIsRefusedAsWrittenByANewerRelease() {
    UnreadableEvent failure = assertThrows(UnreadableEvent.class,
        () -> Upcasters.upcast("capacity.reserved.v3", json("{}")));
    assertEquals("capacity.reserved.v3", failure.type());
    assertTrue(failure.getMessage().contains("newer release"), failure.getMessage());
    assertTrue(failure.getMessage().contains(StoredForm.CAPACITY_RESERVED), failure.getMessage());
    assertFalse(StoredForm.eventTypes().contains("capacity.reserved.v3"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"pool.split.v1", "capacity.reserved.v0", "capacity.reserved", "capacity.reserved.vx", ""})
  void anUnknownTypeIsRefusedNamingIt(String type) {
    UnreadableEvent failure = assertThrows(UnreadableEvent.class, () -> Upcasters.upcast(type, json("{}")));
    assertEquals(type, failure.type());
    assertTrue(failure.getMessage().contains("unknown to this release"), failure.getMessage());
  }
}
