package io.tally.journal;

import java.time.OffsetDateTime;

/** An event as the journal holds it. */
public record RecordedEvent(String streamId, long seq, String type, String payload, String metadata,
    OffsetDateTime recordedAt) {
}
