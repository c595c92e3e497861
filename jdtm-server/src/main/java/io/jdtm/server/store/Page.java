package io.jdtm.server.store;

import java.util.List;

/**
 * One page of a listing and the opaque cursor of the next one; {@code next} is empty when this page was the last
 * (it held fewer rows than asked for).
 */
public record Page<T>(List<T> items, String next) {
    public Page {
        items = List.copyOf(items);
        next = next == null ? "" : next;
    }
}
