package io.jdtm.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The server's version as DTM reports it ({@code v1.19.0} style): {@code -v} prints it and
 * {@code GET /api/dtmsvr/version} returns it. It is the Maven project version with a {@code v} in front, written
 * into {@code io/jdtm/server/version.properties} at build time; {@code v0.0.0-dev} (DTM's value for an unset
 * version) when that resource is missing or was not filtered, e.g. when running from an IDE without Maven.
 */
public final class Version {

    /** DTM's version string for a build that did not set one. */
    public static final String DEV = "v0.0.0-dev";

    private static final String CURRENT = read();

    private Version() {}

    /** The version, never null or empty. */
    public static String current() {
        return CURRENT;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return DEV;
            }
            var p = new Properties();
            p.load(in);
            return fromProjectVersion(p.getProperty("version", ""));
        } catch (IOException e) {
            return DEV;
        }
    }

    /** {@code 0.1.0-SNAPSHOT} → {@code v0.1.0-SNAPSHOT}; blank or an unfiltered placeholder → {@link #DEV}. */
    static String fromProjectVersion(String v) {
        String s = v == null ? "" : v.strip();
        if (s.isEmpty() || s.contains("${")) {
            return DEV;
        }
        return s.startsWith("v") ? s : "v" + s;
    }
}
