package dev.tollgate.cli.matrix;

import dev.tollgate.core.snapshot.OutboundRequest;

import java.util.List;

/**
 * Builds a request exactly as {@code tollgate check URL -X METHOD -H ...} does, so a probe is a question check
 * could be asked.
 */
@FunctionalInterface
public interface RequestFactory {
    /** @throws IllegalArgumentException for a URL or header check would refuse */
    OutboundRequest request(String url, String method, List<String> headers);
}
