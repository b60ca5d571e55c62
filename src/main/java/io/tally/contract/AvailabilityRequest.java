package io.tally.contract;

import io.tally.pool.Ids;
import io.tally.pool.PoolCommand;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * An availability question: which slots of {@code region} starting on days in {@code [from, to)} can take an order
 * of {@code units}. Parsed strictly from the contract's JSON; a window is at most {@link #MAX_DAYS} days, so one
 * question never walks an unbounded index.
 */
public record AvailabilityRequest(String region, LocalDate from, LocalDate to, int units) {

  public static final int MAX_DAYS = 92;

  /** @throws Refusal naming the field that is missing or malformed */
  public static AvailabilityRequest fromJson(JsonObject json) {
    Object region = json.getValue("region");
    if (!(region instanceof String text) || !Ids.isRegion(text)) {
      throw Refusal.invalid("invalid_region", Ids.REGION_RULE);
    }
    LocalDate from = date(json, "from");
    LocalDate to = date(json, "to");
    if (!from.isBefore(to)) {
      throw Refusal.invalid("invalid_window", "from must be before to (to is exclusive)");
    }
    if (ChronoUnit.DAYS.between(from, to) > MAX_DAYS) {
      throw Refusal.invalid("invalid_window", "a window spans at most " + MAX_DAYS + " days");
    }
    Object units = json.getValue("units");
    int count;
    if (units == null) {
      count = 1;
    } else if (units instanceof Integer number && number >= 1 && number <= PoolCommand.MAX_UNITS) {
      count = number;
    } else {
      throw Refusal.invalid("invalid_units", "units must be an integer from 1 to " + PoolCommand.MAX_UNITS);
    }
    return new AvailabilityRequest((String) region, from, to, count);
  }

  private static LocalDate date(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String text)) {
      throw Refusal.invalid("invalid_" + field, field + " must be a date such as 2026-12-01");
    }
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw Refusal.invalid("invalid_" + field, field + " must be a date such as 2026-12-01");
    }
  }
}
