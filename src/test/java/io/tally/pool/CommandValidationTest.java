package io.tally.pool;

import static io.tally.pool.PoolSpec.REGIONS;
import static io.tally.pool.PoolSpec.SLOT;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.Rejection.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandValidationTest {

  private static final String LONGEST_POOL_ID = "p".repeat(Ids.MAX_POOL_ID_LENGTH);
  private static final String LONGEST_ORDER_ID = "o".repeat(Ids.MAX_ORDER_ID_LENGTH);
  private static final String LONGEST_REGION = "r".repeat(Ids.MAX_REGION_LENGTH);

  private static void assertInvalid(String code, Executable building) {
    InvalidCommand invalid = assertThrows(InvalidCommand.class, building);
    assertEquals(code, invalid.rejection().code());
    assertEquals(Kind.INVALID, invalid.rejection().kind());
  }

  private static DefinePool defineWithRegions(List<String> regions) {
    return new DefinePool("p", 10, SLOT, regions);
  }

  @Nested
  class PoolIds {

    static Stream<String> invalidPoolIds() {
      return Stream.of("", "p".repeat(Ids.MAX_POOL_ID_LENGTH + 1), "p~1", "~", "depot 7", " p", "p\n", "dépôt",
          "p/1", "p*", "\u0440");
    }

    @ParameterizedTest
    @MethodSource("invalidPoolIds")
    void aDefinitionWithAMalformedPoolIdIsInvalid(String poolId) {
      assertInvalid("invalid_pool_id", () -> new DefinePool(poolId, 10, SLOT, REGIONS));
    }

    @ParameterizedTest
    @MethodSource("invalidPoolIds")
    void everyCommandNamingAPoolChecksItsId(String poolId) {
      assertInvalid("invalid_pool_id", () -> new Reserve(poolId, "o1", 1));
      assertInvalid("invalid_pool_id", () -> new ChangePool(poolId, OptionalInt.of(1), Optional.empty()));
    }

    @Test
    void aMissingPoolIdIsInvalid() {
      assertInvalid("invalid_pool_id", () -> new DefinePool(null, 10, SLOT, REGIONS));
      assertInvalid("invalid_pool_id", () -> new Reserve(null, "o1", 1));
    }

    @ParameterizedTest
    @MethodSource("validPoolIds")
    void poolIdsMayUseLettersDigitsAndDotUnderscoreColonDash(String poolId) {
      assertEquals(poolId, new DefinePool(poolId, 10, SLOT, REGIONS).poolId());
      assertTrue(Ids.isPoolId(poolId));
    }

    static Stream<String> validPoolIds() {
      return Stream.of("p", "depot-7:vans", "2026-12-01T10.SW1A_1", "ABCxyz0189", LONGEST_POOL_ID);
    }
  }

  @Nested
  class OrderIds {

    static Stream<String> invalidOrderIds() {
      return Stream.of("", " ", "\t", "   ", "o".repeat(Ids.MAX_ORDER_ID_LENGTH + 1), "o\n1", "o\r", "o\u0000",
          "o\u0007", "o\u001b[31m", "o\u007f", "o\u0085", "o\u2028", "o\u2029");
    }

    @ParameterizedTest
    @MethodSource("invalidOrderIds")
    void aMalformedOrderIdIsInvalid(String orderId) {
      assertInvalid("invalid_order_id", () -> new Reserve("p", orderId, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"o\uD800", "\uDC00o", "o\uDC00\uD800", "o\uFFFF"})
    void anOrderIdWithAnUnpairedSurrogateOrUnassignedCharacterIsInvalid(String orderId) {
      assertInvalid("invalid_order_id", () -> new Reserve("p", orderId, 1));
    }

    @Test
    void anOrderIdWithAPairedSurrogateIsValid() {
      assertEquals("order-\uD83D\uDE9A", new Reserve("p", "order-\uD83D\uDE9A", 1).orderId());
    }

    @Test
    void aMissingOrderIdIsInvalid() {
      assertInvalid("invalid_order_id", () -> new Reserve("p", null, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"o", "order 1001", "ORD-2026/12/01#7", "commande-été-№5", "注文-1", "o~1"})
    void anyPrintableTextUpTo128CharactersIsAnOrderId(String orderId) {
      assertEquals(orderId, new Reserve("p", orderId, 1).orderId());
    }

    @Test
    void anOrderIdMayBeExactly128Characters() {
      assertEquals(LONGEST_ORDER_ID, new Reserve("p", LONGEST_ORDER_ID, 1).orderId());
    }
  }

  @Nested
  class Units {

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, PoolCommand.MAX_UNITS + 1, Integer.MAX_VALUE})
    void unitsOutsideOneToTenThousandAreInvalid(int units) {
      assertInvalid("invalid_units", () -> new Reserve("p", "o1", units));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 10_000})
    void unitsFromOneToTenThousandAreValid(int units) {
      assertEquals(units, new Reserve("p", "o1", units).units());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "SW1A\n1", "\u0000"})
    void aReservationsRegionFollowsTheRegionRule(String region) {
      assertInvalid("invalid_region", () -> new Reserve("p", "o1", 1, region, null));
    }

    @Test
    void aReservationMayLeaveRegionAndChannelUnsaid() {
      Reserve reserve = new Reserve("p", "o1", 1);
      assertEquals(null, reserve.region());
      assertEquals(null, reserve.channel());
      assertEquals("SW1A 1", new Reserve("p", "o1", 1, "SW1A 1", Channel.PICKUP).region());
    }
  }

  @Nested
  class Capacity {

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 1_000_000_001, Integer.MAX_VALUE})
    void capacityOutsideZeroToOneBillionIsInvalid(int capacity) {
      assertInvalid("invalid_capacity", () -> new DefinePool("p", capacity, SLOT, REGIONS));
      assertInvalid("invalid_capacity", () -> new ChangePool("p", OptionalInt.of(capacity), Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1_000_000_000})
    void capacityFromZeroToOneBillionIsValid(int capacity) {
      assertEquals(capacity, new DefinePool("p", capacity, SLOT, REGIONS).capacity());
      assertEquals(OptionalInt.of(capacity), new ChangePool("p", OptionalInt.of(capacity), Optional.empty())
          .capacity());
    }
  }

  @Nested
  class Slots {

    @Test
    void aSlotThatEndsWhenItStartsIsInvalid() {
      Instant start = SLOT.start();
      assertInvalid("invalid_slot", () -> new DefinePool("p", 10, new Slot(start, start), REGIONS));
    }

    @Test
    void aSlotThatEndsBeforeItStartsIsInvalid() {
      Slot backwards = new Slot(SLOT.end(), SLOT.start());
      assertInvalid("invalid_slot", () -> new DefinePool("p", 10, backwards, REGIONS));
    }

    @Test
    void aMissingSlotIsInvalid() {
      assertInvalid("invalid_slot", () -> new DefinePool("p", 10, null, REGIONS));
    }

    @Test
    void aSlotOfOneNanosecondIsValid() {
      Slot shortest = new Slot(SLOT.start(), SLOT.start().plusNanos(1));
      assertEquals(shortest, new DefinePool("p", 10, shortest, REGIONS).slot());
    }
  }

  @Nested
  class Regions {

    @ParameterizedTest
    @NullAndEmptySource
    void aPoolMustServeAtLeastOneRegion(List<String> regions) {
      assertInvalid("invalid_regions", () -> defineWithRegions(regions));
    }

    static Stream<String> invalidRegions() {
      return Stream.of("", " ", "SW1A\u00001", "SW1A\n1", "\u0007", "r".repeat(Ids.MAX_REGION_LENGTH + 1));
    }

    @ParameterizedTest
    @MethodSource("invalidRegions")
    void aMalformedRegionIsInvalid(String region) {
      assertInvalid("invalid_regions", () -> defineWithRegions(List.of("SW1A 1", region)));
    }

    @Test
    void aMissingRegionIsInvalid() {
      assertInvalid("invalid_regions", () -> defineWithRegions(Arrays.asList("SW1A 1", null)));
    }

    @Test
    void aRegionMayBeExactly64Characters() {
      assertEquals(List.of(LONGEST_REGION), defineWithRegions(List.of(LONGEST_REGION)).regions());
    }

    @Test
    void aPoolMayServeAThousandRegionsButNoMore() {
      List<String> regions = new ArrayList<>();
      for (int i = 0; i < PoolCommand.MAX_REGIONS; i++) {
        regions.add("R" + i);
      }
      assertEquals(regions, defineWithRegions(regions).regions());
      regions.add("R" + PoolCommand.MAX_REGIONS);
      assertInvalid("invalid_regions", () -> defineWithRegions(regions));
    }

    @Test
    void repeatedRegionsAreCollapsedKeepingTheFirstOrder() {
      assertEquals(List.of("B", "A", "C"), defineWithRegions(List.of("B", "A", "B", "C", "A")).regions());
    }

    @Test
    void theRegionsOfACommandCannotBeChangedAfterwards() {
      List<String> regions = new ArrayList<>(List.of("A"));
      DefinePool define = defineWithRegions(regions);
      regions.add("B");
      assertEquals(List.of("A"), define.regions());
      assertThrows(UnsupportedOperationException.class, () -> define.regions().add("C"));
    }
  }

  @Nested
  class Changes {

    @Test
    void aChangeThatNamesNothingIsInvalid() {
      assertInvalid("invalid_change", () -> new ChangePool("p", OptionalInt.empty(), Optional.empty()));
    }

    @Test
    void aChangeMayNameCapacityStatusOrBoth() {
      assertDoesNotThrow(() -> new ChangePool("p", OptionalInt.of(3), Optional.empty()));
      assertDoesNotThrow(() -> new ChangePool("p", OptionalInt.empty(), Optional.of(PoolStatus.CLOSED)));
      assertDoesNotThrow(() -> new ChangePool("p", OptionalInt.of(3), Optional.of(PoolStatus.OPEN)));
    }
  }

  @Nested
  class Releases {

    @ParameterizedTest
    @ValueSource(strings = {"", "p", "p~", "~1", "~", "p~01", "p~0", "p~-1", "p~+1", "p~1x", "p~1.0", "p~ 1", "p~1~2",
        "bad id~1", "p~~1", "p~١"})
    void aMalformedReservationIdIsInvalid(String reservationId) {
      assertInvalid("invalid_reservation_id", () -> new Release(reservationId));
    }

    @Test
    void aMissingReservationIdIsInvalid() {
      assertInvalid("invalid_reservation_id", () -> new Release(null));
    }

    @Test
    void aReservationIdNamesItsPoolAndItsNumber() {
      Release release = new Release("p~7");
      assertEquals("p", release.poolId());
      assertEquals(7, release.number());
    }

    @Test
    void aPoolIdWithPunctuationIsSplitAtTheTilde() {
      Release release = new Release("depot-7:vans.2026_12~123456789012345678");
      assertEquals("depot-7:vans.2026_12", release.poolId());
      assertEquals(123_456_789_012_345_678L, release.number());
    }
  }

  @Nested
  class IdHelpers {

    @Test
    void aReservationIdIsThePoolIdATildeAndTheNumber() {
      assertEquals("p~7", Ids.reservationId("p", 7));
      assertEquals("depot-7:vans~1", Ids.reservationId("depot-7:vans", 1));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 9, 10, 99, 1_000_000, 999_999_999_999_999_999L})
    void aReservationIdParsesBackIntoItsParts(long number) {
      String reservationId = Ids.reservationId("depot-7:vans", number);
      assertEquals(Optional.of(new Ids.ReservationNumber("depot-7:vans", number)),
          Ids.parseReservation(reservationId));
      assertEquals(Optional.of("depot-7:vans"), Ids.poolOfReservation(reservationId));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"p", "p~", "p~0", "bad id~1"})
    void aMalformedReservationIdHasNoPool(String reservationId) {
      assertEquals(Optional.empty(), Ids.parseReservation(reservationId));
      assertEquals(Optional.empty(), Ids.poolOfReservation(reservationId));
    }

    @Test
    void regionsArePrintableTextUpTo64Characters() {
      assertTrue(Ids.isRegion("SW1A 1"));
      assertTrue(Ids.isRegion(LONGEST_REGION));
      assertFalse(Ids.isRegion(LONGEST_REGION + "r"));
      assertFalse(Ids.isRegion("SW1A\t1"));
      assertFalse(Ids.isRegion(null));
    }

    @Test
    void anOrderIdIsPrintableTextUpTo128Characters() {
      assertTrue(Ids.isOrderId("order 1001"));
      assertTrue(Ids.isOrderId(LONGEST_ORDER_ID));
      assertFalse(Ids.isOrderId(LONGEST_ORDER_ID + "o"));
      assertFalse(Ids.isOrderId("o\u0000"));
      assertFalse(Ids.isOrderId(null));
    }
  }
}
