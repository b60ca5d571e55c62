package io.tally.contract;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The upcaster chain: every stored event is read through {@link #upcast}, which brings it from the version it was
 * written in to the current version of its type, one step per version. Each step is a small pure function of the
 * stored payload. Nothing here rewrites a stored row; the journal stays as it was written.
 *
 * <p>Stored type names are {@code <name>.v<version>}. Changing an event adds a version to {@link #CURRENT}, keeps
 * the old name as a key of {@link #STEPS} with the step that reads it as the next version, and adds a test for that
 * step and a fixture row written by the old code.
 */
public final class Upcasters {

  /** A stored event brought to the current version of its type. */
  public record Current(String type, ObjectNode payload) {
  }

  private record Step(String to, UnaryOperator<ObjectNode> upcast) {
  }

  /** The type names this release reads without a step: the current version of each event. */
  static final Set<String> CURRENT = Set.of(StoredForm.POOL_DEFINED, StoredForm.CAPACITY_CHANGED,
      StoredForm.POOL_CLOSED, StoredForm.POOL_REOPENED, StoredForm.CAPACITY_RESERVED,
      StoredForm.RESERVATION_RELEASED, StoredForm.HOLD_PLACED, StoredForm.HOLD_EXTENDED, StoredForm.HOLD_CONFIRMED,
      StoredForm.HOLD_CANCELLED, StoredForm.HOLD_EXPIRED, StoredForm.POOL_RESET);

  /** From each older version to the next one. */
  private static final Map<String, Step> STEPS = Map.of(
      "pool.defined.v1", new Step("pool.defined.v2", Upcasters::definedV1ToV2),
      "capacity.reserved.v1", new Step("capacity.reserved.v2", Upcasters::reservedV1ToV2),
      "reservation.released.v1", new Step("reservation.released.v2", Upcasters::releasedV1ToV2));

  private Upcasters() {
  }

  /**
   * The event as its type's current version; {@code payload} is not changed.
   *
   * @throws UnreadableEvent for a type this release does not know, or a newer version than it knows
   */
  public static Current upcast(String type, ObjectNode payload) {
    String at = type;
    ObjectNode form = payload;
    while (!CURRENT.contains(at)) {
      Step step = STEPS.get(at);
      if (step == null) {
        throw unreadable(at);
      }
      form = step.upcast().apply(form);
      at = step.to();
    }
    return new Current(at, form);
  }

  /** {@code pool.defined.v1 → v2}: pools of the earlier releases had no cut-off. */
  static ObjectNode definedV1ToV2(ObjectNode v1) {
    ObjectNode v2 = copy(v1);
    v2.putNull("cutoff");
    return v2;
  }

  /**
   * {@code capacity.reserved.v1 → v2}: the first release did not record the order's region or channel, so both are
   * unknown.
   */
  static ObjectNode reservedV1ToV2(ObjectNode v1) {
    ObjectNode v2 = copy(v1);
    v2.putNull("region");
    v2.putNull("channel");
    return v2;
  }

  /** {@code reservation.released.v1 → v2}: the released reservation's region was not recorded, so it is unknown. */
  static ObjectNode releasedV1ToV2(ObjectNode v1) {
    ObjectNode v2 = copy(v1);
    v2.putNull("region");
    return v2;
  }

  /**
   * A shallow copy: the steps only add top-level fields, and nested values (a pool's slot and regions) are shared
   * but never changed.
   */
  private static ObjectNode copy(ObjectNode node) {
    ObjectNode copy = JsonNodeFactory.instance.objectNode();
    copy.setAll(node);
    return copy;
  }

  private static UnreadableEvent unreadable(String type) {
    for (String current : CURRENT) {
      String name = current.substring(0, current.lastIndexOf(".v") + 2);
      if (type.startsWith(name) && version(type.substring(name.length())) > version(current.substring(name.length()))) {
        return new UnreadableEvent(type, "stored event type '" + type + "' is newer than this release of Tally reads ("
            + current + "); it was written by a newer release");
      }
    }
    return new UnreadableEvent(type, "stored event type '" + type + "' is unknown to this release of Tally");
  }

  private static long version(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
