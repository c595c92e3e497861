package io.jdtm.server.tracing;

import java.util.Map;

/** The API operations that get a server span, by their name in an HTTP path or a gRPC method, to the span's name. */
final class TracedOperations {
    private static final Map<String, String> BY_NAME = Map.of(
            "prepare", "prepare",
            "submit", "submit",
            "abort", "abort",
            "registerbranch", "registerBranch",
            "registerxabranch", "registerBranch",
            "registertccbranch", "registerBranch",
            "prepareworkflow", "prepareWorkflow");

    private TracedOperations() {}

    /** The span name for an operation name in any case ({@code Submit}, {@code registerTccBranch}), or null. */
    static String span(String name) {
        return name == null ? null : BY_NAME.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
