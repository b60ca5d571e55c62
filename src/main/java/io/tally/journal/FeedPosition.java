package io.tally.journal;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in the event feed: the writing transaction's id and the event's position. Feed order is by transaction
 * first because positions are handed out when rows are inserted, not when they commit; a reader that went by
 * position alone would skip a slow transaction's events for good.
 */
public record FeedPosition(String txId, long position) implements Comparable<FeedPosition> {

  public static final FeedPosition START = new FeedPosition("0", 0);
  private static final Pattern TEXT = Pattern.compile("(\\d{1,20}):(\\d{1,19})");

  /** Parses the {@code <tx>:<position>} form that {@link #toString()} writes. */
  public static Optional<FeedPosition> parse(String text) {
    Matcher matcher = text == null ? null : TEXT.matcher(text);
    if (matcher == null || !matcher.matches()) {
      return Optional.empty();
    }
    try {
      Long.parseUnsignedLong(matcher.group(1));
      return Optional.of(new FeedPosition(matcher.group(1), Long.parseLong(matcher.group(2))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public int compareTo(FeedPosition other) {
    int byTx = Long.compareUnsigned(Long.parseUnsignedLong(txId), Long.parseUnsignedLong(other.txId));
    return byTx != 0 ? byTx : Long.compare(position, other.position);
  }

  @Override
  public String toString() {
    return txId + ":" + position;
  }
}
