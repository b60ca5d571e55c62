package io.tally.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tally.pool.Channel;
import io.tally.pool.PoolCommand.CancelHold;
import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.ConfirmHold;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.ExtendHold;
import io.tally.pool.PoolCommand.PlaceHold;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolCommand;
import io.tally.pool.PoolStatus;
import io.tally.pool.Slot;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Requests arrive as the JSON of the event-bus contract; each field is checked strictly and named when wrong. */
class PoolRequestTest {

  private static final String DEFINE = """
      {"type": "define", "poolId": "depot-7:vans", "capacity": 40,
       "slot": {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z"}, "regions": ["SW1A 1", "SW1A 2"]}""";
  private static final Slot SLOT = new Slot(Instant.parse("2026-12-01T10:00:00Z"),
      Instant.parse("2026-12-01T12:00:00Z"));

  private static PoolRequest parse(String json) {
    return PoolRequest.fromJson(new JsonObject(json));
  }

  private static void assertRefused(String code, String json) {
    Refusal refusal = assertThrows(Refusal.class, () -> parse(json), json);
    assertEquals(code, refusal.code(), json);
    assertEquals(400, refusal.status(), json);
  }

  /** The valid define request with one field replaced by {@code value} (JSON text), or removed when it is null. */
  private static String defineWith(String field, String value) {
    JsonObject json = new JsonObject(DEFINE);
    if (value == null) {
      json.remove(field);
    } else {
      json.put(field, new JsonObject("{\"v\": " + value + "}").getValue("v"));
    }
    return json.encode();
  }

  @Test
  void aDefineRequestBecomesDefinePool() {
    assertEquals(new PoolRequest.Decide(new DefinePool("depot-7:vans", 40, SLOT, List.of("SW1A 1", "SW1A 2"))),
        parse(DEFINE));
  }

  @Test
  void slotTimesWithAnOffsetAreTheSameInstantsInUtc() {
    PoolRequest request = parse(defineWith("slot",
        "{\"start\": \"2026-12-01T12:00:00+02:00\", \"end\": \"2026-12-01T09:00:00-03:00\"}"));
    assertEquals(new PoolRequest.Decide(new DefinePool("depot-7:vans", 40, SLOT, List.of("SW1A 1", "SW1A 2"))),
        request);
  }

  @Test
  void aChangeRequestBecomesChangePool() {
    assertEquals(new PoolRequest.Decide(new ChangePool("p", OptionalInt.of(12), Optional.empty())),
        parse("{\"type\": \"change\", \"poolId\": \"p\", \"capacity\": 12}"));
    assertEquals(new PoolRequest.Decide(new ChangePool("p", OptionalInt.empty(), Optional.of(PoolStatus.CLOSED))),
        parse("{\"type\": \"change\", \"poolId\": \"p\", \"status\": \"closed\"}"));
    assertEquals(new PoolRequest.Decide(new ChangePool("p", OptionalInt.of(0), Optional.of(PoolStatus.OPEN))),
        parse("{\"type\": \"change\", \"poolId\": \"p\", \"capacity\": 0, \"status\": \"open\"}"));
  }

  @Test
  void aReserveRequestBecomesReserve() {
    assertEquals(new PoolRequest.Decide(new Reserve("p", "order-1001", 3)),
        parse("{\"type\": \"reserve\", \"poolId\": \"p\", \"orderId\": \"order-1001\", \"units\": 3}"));
  }

  @Test
  void aReserveRequestMayNameTheOrdersRegionAndChannel() {
    assertEquals(new PoolRequest.Decide(new Reserve("p", "o1", 2, "SW1A 1", Channel.PICKUP)),
        parse("{\"type\": \"reserve\", \"poolId\": \"p\", \"orderId\": \"o1\", \"units\": 2,"
            + " \"region\": \"SW1A 1\", \"channel\": \"pickup\"}"));
    assertEquals(new PoolRequest.Decide(new Reserve("p", "o1", 1, null, Channel.DELIVERY)),
        parse("{\"type\": \"reserve\", \"poolId\": \"p\", \"orderId\": \"o1\", \"region\": null,"
            + " \"channel\": \"delivery\"}"));
  }

  @Test
  void aReserveRequestWithoutUnitsReservesOne() {
    assertEquals(new PoolRequest.Decide(new Reserve("p", "order-1001", 1)),
        parse("{\"type\": \"reserve\", \"poolId\": \"p\", \"orderId\": \"order-1001\"}"));
  }

  @Test
  void aReleaseRequestBecomesReleaseOfThePoolItsIdNames() {
    PoolRequest request = parse("{\"type\": \"release\", \"reservationId\": \"depot-7:vans~12\"}");
    assertEquals(new PoolRequest.Decide(new Release("depot-7:vans~12")), request);
    assertEquals("depot-7:vans", request.poolId());
  }

  @Test
  void aDefineRequestMayNameItsCutoffAsADurationBeforeTheSlotOrAsAnInstant() {
    Instant twoHoursBefore = SLOT.start().minusSeconds(7_200);
    DefinePool withCutoff = new DefinePool("depot-7:vans", 40, SLOT, List.of("SW1A 1", "SW1A 2"), twoHoursBefore);
    assertEquals(new PoolRequest.Decide(withCutoff), parse(defineWith("cutoff", "\"PT2H\"")));
    assertEquals(new PoolRequest.Decide(withCutoff), parse(defineWith("cutoff", "\"2026-12-01T09:00:00+01:00\"")));
    assertEquals(new PoolRequest.Decide(new DefinePool("depot-7:vans", 40, SLOT, List.of("SW1A 1", "SW1A 2"))),
        parse(defineWith("cutoff", "null")));
  }

  @ParameterizedTest(name = "cutoff {0}")
  @CsvSource(delimiter = '|', value = {"\"2h\"", "\"-PT1H\"", "7200", "\"2026-12-01T12:00:00Z\"",
      "\"2026-12-01T09:00:00\""})
  void aCutoffThatIsNotADurationBeforeTheSlotNorAnInstantBeforeItsEndIsRefused(String cutoff) {
    assertRefused("invalid_cutoff", defineWith("cutoff", cutoff));
  }

  @Test
  void holdRequestsBecomeTheirCommands() {
    assertEquals(new PoolRequest.Decide(new PlaceHold("p", "o1", 2, "SW1A 1", Channel.DELIVERY,
            Duration.ofSeconds(90))),
        parse("{\"type\": \"hold\", \"poolId\": \"p\", \"orderId\": \"o1\", \"units\": 2, \"ttlSeconds\": 90,"
            + " \"region\": \"SW1A 1\", \"channel\": \"delivery\"}"));
    assertEquals(new PoolRequest.Decide(new PlaceHold("p", "o1", 1, null, null, PoolCommand.DEFAULT_HOLD_TTL)),
        parse("{\"type\": \"hold\", \"poolId\": \"p\", \"orderId\": \"o1\"}"));
    assertEquals(new PoolRequest.Decide(new ConfirmHold("p~3")), parse("{\"type\": \"confirm\", \"holdId\": \"p~3\"}"));
    assertEquals(new PoolRequest.Decide(new CancelHold("p~3")), parse("{\"type\": \"cancel\", \"holdId\": \"p~3\"}"));
    assertEquals(new PoolRequest.Decide(new ExtendHold("p~3", Duration.ofSeconds(60))),
        parse("{\"type\": \"extend\", \"holdId\": \"p~3\", \"ttlSeconds\": 60}"));
    assertEquals("p", parse("{\"type\": \"confirm\", \"holdId\": \"p~3\"}").poolId());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{\"type\": \"hold\", \"poolId\": \"p\", \"orderId\": \"o1\", \"ttlSeconds\": 0} | invalid_ttl",
      "{\"type\": \"hold\", \"poolId\": \"p\", \"orderId\": \"o1\", \"ttlSeconds\": 3601} | invalid_ttl",
      "{\"type\": \"hold\", \"poolId\": \"p\", \"orderId\": \"o1\", \"ttlSeconds\": 1.5} | invalid_ttl",
      "{\"type\": \"hold\", \"poolId\": \"p\", \"units\": 1} | invalid_order_id",
      "{\"type\": \"extend\", \"holdId\": \"p~3\"} | invalid_ttl",
      "{\"type\": \"confirm\", \"holdId\": \"p\"} | invalid_hold_id",
      "{\"type\": \"cancel\"} | invalid_hold_id"})
  void badHoldRequestsAreRefusedNamingTheField(String json, String code) {
    assertRefused(code, json);
  }

  @Test
  void aResetRequestBecomesAResetToItsMoment() {
    assertEquals(new PoolRequest.Reset("p", Instant.parse("2026-12-01T07:30:00Z"), "wrong depot", false),
        parse("{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T08:30:00+01:00\","
            + " \"reason\": \"wrong depot\"}"));
    assertEquals(new PoolRequest.Reset("p", Instant.parse("2026-12-01T07:30:00Z"), "wrong depot", true),
        parse("{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T07:30:00Z\","
            + " \"reason\": \"wrong depot\", \"dryRun\": true}"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"type\": \"reset\", \"at\": \"2026-12-01T07:30:00Z\", \"reason\": \"r\"} | invalid_pool_id",
      "{\"type\": \"reset\", \"poolId\": \"p\", \"reason\": \"r\"} | invalid_at",
      "{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T07:30:00\", \"reason\": \"r\"} | invalid_at",
      "{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T07:30:00Z\"} | invalid_reason",
      "{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T07:30:00Z\", \"reason\": 5} | invalid_reason",
      "{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T07:30:00Z\", \"reason\": \"\"} | invalid_reason",
      "{\"type\": \"reset\", \"poolId\": \"p~1\", \"at\": \"2026-12-01T07:30:00Z\","
          + " \"reason\": \"r\"} | invalid_pool_id",
      "{\"type\": \"reset\", \"poolId\": \"p\", \"at\": \"2026-12-01T07:30:00Z\", \"reason\": \"r\","
          + " \"dryRun\": \"yes\"} | invalid_dry_run"})
  void badResetRequestsAreRefusedNamingTheField(String json, String code) {
    assertRefused(code, json);
  }

  @Test
  void aResetReasonIsKeptToItsLimit() {
    String at = "\"at\": \"2026-12-01T07:30:00Z\"";
    assertEquals(PoolRequest.Reset.MAX_REASON, ((PoolRequest.Reset) parse("{\"type\": \"reset\", \"poolId\": \"p\", "
        + at + ", \"reason\": \"" + "r".repeat(PoolRequest.Reset.MAX_REASON) + "\"}")).reason().length());
    assertRefused("invalid_reason", "{\"type\": \"reset\", \"poolId\": \"p\", " + at + ", \"reason\": \""
        + "r".repeat(PoolRequest.Reset.MAX_REASON + 1) + "\"}");
  }

  @Test
  void aGetRequestBecomesARead() {
    assertEquals(new PoolRequest.Read("p"), parse("{\"type\": \"get\", \"poolId\": \"p\"}"));
  }

  @ParameterizedTest(name = "{0} = {1} -> {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      capacity | '"5"'                                                   | invalid_capacity
      capacity | 5.5                                                     | invalid_capacity
      capacity | true                                                    | invalid_capacity
      capacity | [5]                                                     | invalid_capacity
      capacity | -1                                                      | invalid_capacity
      capacity | 1e12                                                    | invalid_capacity
      capacity | 10000000000                                             | invalid_capacity
      capacity | 1000000001                                              | invalid_capacity
      regions  | '"A"'                                                   | invalid_regions
      regions  | [1]                                                     | invalid_regions
      regions  | '["A", null]'                                           | invalid_regions
      regions  | []                                                      | invalid_regions
      regions  | '{"A": 1}'                                              | invalid_regions
      slot     | '"x"'                                                   | invalid_slot
      slot     | '["2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z"]'      | invalid_slot
      slot     | '{"start": "2026-12-01T10:00:00", "end": "2026-12-01T12:00:00Z"}'   | invalid_slot
      slot     | '{"start": "2026-12-01", "end": "2026-12-02"}'          | invalid_slot
      slot     | '{"start": 1764583200, "end": 1764590400}'              | invalid_slot
      slot     | '{"start": "2026-12-01T10:00:00Z"}'                     | invalid_slot
      slot     | '{"start": "2026-12-01T12:00:00Z", "end": "2026-12-01T10:00:00Z"}'  | invalid_slot
      poolId   | 7                                                       | invalid_pool_id
      poolId   | '""'                                                    | invalid_pool_id
      poolId   | '"p~1"'                                                 | invalid_pool_id
      type     | '"delete"'                                              | invalid_type
      type     | '"DEFINE"'                                              | invalid_type
      type     | 1                                                       | invalid_type
      """)
  void aDefineWithAWrongFieldIsRefusedNamingTheField(String field, String value, String code) {
    assertRefused(code, defineWith(field, value));
  }

  @ParameterizedTest(name = "without {0} -> {1}")
  @CsvSource(textBlock = """
      type,     invalid_type
      poolId,   invalid_pool_id
      capacity, invalid_capacity
      slot,     invalid_slot
      regions,  invalid_regions
      """)
  void aDefineWithoutARequiredFieldIsRefusedNamingTheField(String field, String code) {
    assertRefused(code, defineWith(field, null));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      {"type": "change", "poolId": "p", "status": "paused"}                 | invalid_status
      {"type": "change", "poolId": "p", "status": "CLOSED"}                 | invalid_status
      {"type": "change", "poolId": "p", "status": 1}                        | invalid_status
      {"type": "change", "poolId": "p", "status": true}                     | invalid_status
      {"type": "change", "poolId": "p", "capacity": "5"}                    | invalid_capacity
      {"type": "change", "poolId": "p", "capacity": 2.5}                    | invalid_capacity
      {"type": "change", "poolId": "p", "capacity": 1e12}                   | invalid_capacity
      {"type": "change", "poolId": "p"}                                     | invalid_change
      {"type": "change", "capacity": 5}                                     | invalid_pool_id
      {"type": "reserve", "poolId": "p", "orderId": 7}                      | invalid_order_id
      {"type": "reserve", "poolId": "p", "orderId": ""}                     | invalid_order_id
      {"type": "reserve", "poolId": "p"}                                    | invalid_order_id
      {"type": "reserve", "orderId": "o1"}                                  | invalid_pool_id
      {"type": "reserve", "poolId": 7, "orderId": "o1"}                     | invalid_pool_id
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": true}    | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": "2"}     | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": 1.5}     | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": 0}       | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": 10001}   | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": 1e12}    | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "units": 4294967297} | invalid_units
      {"type": "reserve", "poolId": "p", "orderId": "o1", "region": 7}      | invalid_region
      {"type": "reserve", "poolId": "p", "orderId": "o1", "region": ""}     | invalid_region
      {"type": "reserve", "poolId": "p", "orderId": "o1", "channel": "van"} | invalid_channel
      {"type": "reserve", "poolId": "p", "orderId": "o1", "channel": true}  | invalid_channel
      {"type": "release"}                                                   | invalid_reservation_id
      {"type": "release", "reservationId": 7}                               | invalid_reservation_id
      {"type": "release", "reservationId": "p~01"}                          | invalid_reservation_id
      {"type": "get"}                                                       | invalid_pool_id
      {"type": "get", "poolId": "no spaces"}                                | invalid_pool_id
      {"poolId": "p"}                                                       | invalid_type
      {"type": null, "poolId": "p"}                                         | invalid_type
      {"type": "", "poolId": "p"}                                           | invalid_type
      """)
  void aMalformedRequestIsRefusedNamingTheField(String json, String code) {
    assertRefused(code, json);
  }
}
