package io.jdtm.protocol;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** DTM's JSON time style: RFC 3339 with the zone offset ({@code Z} for UTC) and trailing zero fractions trimmed. */
public final class Times {
    private Times() {}

    public static String format(Instant t, ZoneId zone) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.ofInstant(t, zone));
    }

    public static Instant parse(String s) {
        return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    }
}
