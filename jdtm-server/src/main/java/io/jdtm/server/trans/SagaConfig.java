package io.jdtm.server.trans;

import com.fasterxml.jackson.databind.JsonNode;
import io.jdtm.protocol.DtmJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A saga's settings from {@code custom_data}: {@code {"concurrent":true,"orders":{"1":[0]}}} (spec §4, §6.7).
 * {@code orders} maps a 0-based step to the steps that must succeed before it; {@code dependents} is the reverse.
 */
record SagaConfig(boolean concurrent, Map<Integer, List<Integer>> orders, Map<Integer, List<Integer>> dependents) {

    static final SagaConfig SEQUENTIAL = new SagaConfig(false, Map.of(), Map.of());

    /**
     * Parses and checks the settings against the number of steps.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    /**
     * Whether {@code custom_data} asks for a concurrent saga, without checking the rest of it; a document that does
     * not parse counts as concurrent (the answer that asks the least of the caller's shortcuts).
     */
    static boolean concurrent(String customData) {
        if (customData == null || customData.isBlank()) {
            return false;
        }
        try {
            JsonNode root = DtmJson.mapper().readTree(customData);
            return root == null || !root.isObject() || root.path("concurrent").asBoolean(false);
        } catch (IOException e) {
            return true;
        }
    }

    static SagaConfig parse(String customData, int steps) {
        if (customData == null || customData.isBlank()) {
            return SEQUENTIAL;
        }
        JsonNode root;
        try {
            root = DtmJson.mapper().readTree(customData);
        } catch (IOException e) {
            throw new IllegalArgumentException("custom_data of a saga must be a JSON object: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("custom_data of a saga must be a JSON object, got: " + customData);
        }
        boolean concurrent = false;
        JsonNode ordersNode = null;
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            switch (e.getKey().toLowerCase(Locale.ROOT)) {
                case "concurrent" -> concurrent = e.getValue().asBoolean(false);
                case "orders" -> ordersNode = e.getValue();
                default -> { }
            }
        }
        Map<Integer, List<Integer>> orders = new HashMap<>();
        Map<Integer, List<Integer>> dependents = new HashMap<>();
        if (ordersNode != null && !ordersNode.isNull()) {
            if (!ordersNode.isObject()) {
                throw new IllegalArgumentException("custom_data.orders must be an object of step -> [steps]");
            }
            for (var it = ordersNode.fields(); it.hasNext(); ) {
                var e = it.next();
                int step = stepIndex(e.getKey(), steps);
                List<Integer> pre = new ArrayList<>();
                if (!e.getValue().isArray()) {
                    throw new IllegalArgumentException("custom_data.orders[" + e.getKey() + "] must be an array");
                }
                for (JsonNode n : e.getValue()) {
                    if (!n.canConvertToInt()) {
                        throw new IllegalArgumentException("custom_data.orders[" + e.getKey() + "] holds a non-index: " + n);
                    }
                    int p = n.asInt();
                    if (p < 0 || p >= steps) {
                        throw new IllegalArgumentException("custom_data.orders[" + e.getKey() + "] names step " + p
                                + " but the saga has " + steps + " steps");
                    }
                    pre.add(p);
                    dependents.computeIfAbsent(p, k -> new ArrayList<>()).add(step);
                }
                orders.put(step, List.copyOf(pre));
            }
        }
        return new SagaConfig(concurrent, Map.copyOf(orders), Map.copyOf(dependents));
    }

    private static int stepIndex(String key, int steps) {
        int step;
        try {
            step = Integer.parseInt(key.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("custom_data.orders key '" + key + "' is not a step index");
        }
        if (step < 0 || step >= steps) {
            throw new IllegalArgumentException("custom_data.orders key " + step + " is out of range: the saga has "
                    + steps + " steps");
        }
        return step;
    }

    List<Integer> prerequisites(int step) {
        return orders.getOrDefault(step, List.of());
    }

    List<Integer> dependentsOf(int step) {
        return dependents.getOrDefault(step, List.of());
    }
}
