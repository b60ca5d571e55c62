package io.tally.web;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the health routes ask of the node: why it should get no traffic ({@code /health/ready}) and why it cannot do
 * its job at all ({@code /health/live}); each empty when all is well.
 */
public record Health(Supplier<Optional<String>> notReady, Supplier<Optional<String>> notLive) {
}
