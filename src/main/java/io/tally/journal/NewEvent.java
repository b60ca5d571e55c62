package io.tally.journal;

/** An event about to be appended: its stable versioned type name and its JSON payload as text. */
public record NewEvent(String type, String payload) {
}
