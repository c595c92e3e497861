package io.jdtm.server.admin;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The admin UI (docs/admin-ui.md; DTM's routes, spec §3.21): a single page served from the jar at {@code /},
 * {@code /admin/*} and under {@code AdminBasePath}, with its scripts under {@code assets/}: jdtm's own
 * ({@code app.js}, {@code app.css}) and Preact from its webjar. Static files only: every piece of data is fetched
 * by the page from the same HTTP API a script uses, with the admin token when Auth is on. Every answer carries a
 * Content-Security-Policy that allows scripts from this server only (no inline script), so injected markup could
 * not run even if some value were ever rendered as HTML. Thread-safe, immutable after construction.
 */
public final class AdminUi {
    /** The Preact build the page loads (pinned in the parent POM as org.webjars.npm:preact). */
    static final String PREACT = "META-INF/resources/webjars/preact/10.27.2/";
    private static final String OWN = "io/jdtm/server/admin/";
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /** Asset name → (classpath resource, content type). */
    private static final Map<String, String[]> ASSETS = Map.of(
            "app.js", new String[] {OWN + "app.js", "text/javascript; charset=utf-8"},
            "app.css", new String[] {OWN + "app.css", "text/css; charset=utf-8"},
            "preact.min.js", new String[] {PREACT + "dist/preact.min.js", "text/javascript; charset=utf-8"},
            "preact-LICENSE.txt", new String[] {PREACT + "LICENSE", "text/plain; charset=utf-8"});

    private final String base;
    private final byte[] index;

    /** @param adminBasePath {@code AdminBasePath}: "" or a path such as {@code /dtm} (a trailing slash is dropped) */
    public AdminUi(String adminBasePath) {
        String b = adminBasePath == null ? "" : adminBasePath.strip();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        if (!b.isEmpty() && !b.startsWith("/")) {
            b = "/" + b;
        }
        this.base = b;
        String html = new String(read(OWN + "index.html"), StandardCharsets.UTF_8)
                .replace("PUBLIC-PATH-VARIABLE", escapeAttribute(b));
        this.index = html.getBytes(StandardCharsets.UTF_8);
    }

    /** Adds the UI's routes (GET only). */
    public void routing(HttpRouting.Builder r) {
        for (String prefix : base.isEmpty() ? new String[] {""} : new String[] {"", base}) {
            r.get(prefix.isEmpty() ? "/" : prefix, this::index);
            if (!prefix.isEmpty()) {
                r.get(prefix + "/", this::index);
            }
            r.get(prefix + "/admin", this::index);
            r.get(prefix + "/admin/*", this::index);
            r.get(prefix + "/assets/{name}", this::asset);
        }
    }

    private void index(ServerRequest req, ServerResponse res) {
        headers(res, "text/html; charset=utf-8");
        res.send(index);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String[] a = ASSETS.get(req.path().pathParameters().get("name"));
        if (a == null) {
            res.status(Status.NOT_FOUND_404);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send("no such asset");
            return;
        }
        headers(res, a[1]);
        res.send(read(a[0]));
    }

    private static void headers(ServerResponse res, String type) {
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    }

    private static byte[] read(String resource) {
        try (InputStream in = AdminUi.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("admin UI resource missing from the jar: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String escapeAttribute(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&#39;");
    }
}
