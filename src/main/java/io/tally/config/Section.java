package io.tally.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed, validated reads from one section of the merged configuration. Values from environment variables arrive
 * as strings, so numbers and lists are also accepted in their text form. Every failure names the full key.
 */
final class Section {

  private final String prefix;
  private final JsonObject json;

  private Section(String prefix, JsonObject json) {
    this.prefix = prefix;
    this.json = json;
  }

  static Section root(JsonObject json) {
    return new Section("", json);
  }

  Section section(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return new Section(key(name) + ".", new JsonObject());
    }
    if (!(value instanceof JsonObject object)) {
      throw new ConfigException(key(name), "must be a JSON object");
    }
    return new Section(key(name) + ".", object);
  }

  String key(String name) {
    return prefix + name;
  }

  int integer(String name, int defaultValue, int min, int max) {
    Object value = json.getValue(name);
    if (value == null) {
      return defaultValue;
    }
    long parsed;
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
      parsed = number.longValue();
    } else if (value instanceof String text && text.trim().matches("-?\\d{1,12}")) {
      parsed = Long.parseLong(text.trim());
    } else {
      throw new ConfigException(key(name), "must be a whole number, got '" + value + "'");
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + parsed);
    }
    return (int) parsed;
  }

  Duration millis(String name, Duration defaultValue, Duration min, Duration max) {
    int value = integer(name, (int) defaultValue.toMillis(), (int) min.toMillis(), (int) max.toMillis());
    return Duration.ofMillis(value);
  }

  String text(String name, String defaultValue) {
    return optionalText(name).orElse(defaultValue);
  }

  Optional<String> optionalText(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new ConfigException(key(name), "must be a string, got '" + value + "'");
    }
    return text.isBlank() ? Optional.empty() : Optional.of(text.trim());
  }

  boolean bool(String name, boolean defaultValue) {
    Object value = json.getValue(name);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean bool) {
      return bool;
    }
    if (value instanceof String text && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(text);
    }
    throw new ConfigException(key(name), "must be true or false, got '" + value + "'");
  }

  /** A list of strings (or whole numbers), from a JSON array or a comma-separated string. */
  List<String> list(String name, List<String> defaultValue) {
    Object value = json.getValue(name);
    if (value == null) {
      return defaultValue;
    }
    List<String> items = new ArrayList<>();
    if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (item instanceof String text) {
          items.add(text.trim());
        } else if (item instanceof Integer || item instanceof Long) {
          items.add(item.toString());
        } else {
          throw new ConfigException(key(name), "must list strings, got '" + item + "'");
        }
      }
    } else if (value instanceof String text) {
      for (String item : text.split(",")) {
        if (!item.isBlank()) {
          items.add(item.trim());
        }
      }
    } else {
      throw new ConfigException(key(name), "must be a list of strings or a comma-separated string");
    }
    return List.copyOf(items);
  }
}
