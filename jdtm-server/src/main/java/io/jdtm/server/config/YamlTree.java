package io.jdtm.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A YAML document read into a small tree that keeps each scalar's text exactly as written, plus its line.
 *
 * <p>Why not Jackson's {@code JsonNode}: it turns {@code Password: 0123} into the number 83 (a YAML 1.1 octal),
 * and {@code TimeZoneOffset: +8} into 8, losing what the user wrote. DTM (Go yaml.v3) gives a string field the
 * scalar's text as written, so we read tokens ourselves and convert per key.
 */
final class YamlTree {

    /** A node of the tree. */
    sealed interface Node permits Mapping, Scalar, Sequence {
        int line();
    }

    /** A mapping; keys keep file order. */
    record Mapping(Map<String, Node> entries, int line) implements Node {}

    /**
     * A scalar. {@code token} says how YAML typed it: {@code VALUE_STRING} (quoted or plain text),
     * {@code VALUE_NUMBER_INT}, {@code VALUE_NUMBER_FLOAT}, {@code VALUE_TRUE}/{@code FALSE} or {@code VALUE_NULL}.
     */
    record Scalar(String text, JsonToken token, int line) implements Node {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }
    }

    /** A sequence; jdtm has no list-valued keys, so its items are not kept. */
    record Sequence(int line) implements Node {}

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlTree() {}

    /**
     * Parses one document. An empty document (or one with only comments, like DTM's sample) gives an empty
     * mapping.
     *
     * @throws ConfigException on a syntax error, a duplicate key, or a top level that is not a mapping
     */
    static Mapping parse(Reader in, String source) {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Mapping(Map.of(), 1);
            }
            Node root = read(p, source);
            if (root instanceof Mapping m) {
                return m;
            }
            if (root instanceof Scalar s && s.isNull()) {
                return new Mapping(Map.of(), 1);
            }
            throw new ConfigException(source + ": the top level must be a mapping of keys (like 'HttpPort: 36789')");
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new ConfigException(source + (line > 0 ? ":" + line : "") + ": not valid YAML: "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read: " + e.getMessage());
        }
    }

    private static Node read(JsonParser p, String source) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                var entries = new LinkedHashMap<String, Node>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    Node value = read(p, source);
                    // yaml.v3 rejects duplicate keys too; a silently overridden key is a classic config bug.
                    if (entries.putIfAbsent(key, value) != null) {
                        throw new ConfigException(source + ":" + keyLine + ": key '" + key
                                + "' appears twice in the same mapping");
                    }
                }
                return new Mapping(entries, line);
            }
            case START_ARRAY -> {
                p.skipChildren();
                return new Sequence(line);
            }
            default -> {
                if (!t.isScalarValue()) {
                    throw new ConfigException(source + ":" + line + ": unexpected YAML token " + t);
                }
                String text = t == JsonToken.VALUE_NULL ? "" : p.getText();
                return new Scalar(text, t, line);
            }
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        // SnakeYAML messages span several lines: problem sentences at column 0, then indented "in 'reader', line.."
        // and a caret drawing. Keep the sentences; the location is reported separately.
        String sentences = message.lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::strip)
                .collect(java.util.stream.Collectors.joining("; "));
        return sentences.isEmpty() ? message.strip() : sentences;
    }
}
