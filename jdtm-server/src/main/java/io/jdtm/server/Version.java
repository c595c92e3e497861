package io.jdtm.server;

/** The server's version string, as {@code /version} and {@code -v} report it. */
public final class Version {
    private Version() {}

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "v0.0.0-dev" : "v" + v;
    }
}
