package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kopi.daemon.catalog.SourceRecord;
import dev.kopi.daemon.catalog.SourceSettings;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.testing.SourcesFixture;

/**
 * A stored connection string that no longer parses (an older kopid was more lenient) must not
 * break every source: the others still list and refresh, the bad one is listed without its
 * secret, refuses to refresh with what to do, and can be removed.
 */
class SourcesUnreadableTest {
    @TempDir
    Path tmp;

    @Test
    void oneUnreadableRecordBreaksNothingElseAndSaysWhatToDo() throws Exception {
        try (SourcesFixture fx = new SourcesFixture(tmp, Map.of())) {
            fx.f.catalog.putSource(new SourceRecord("broken", "basebackup", null, null, Instant.parse("2026-11-23T00:00:00Z"),
                    "host=db password='s3cret-unterminated", List.of(), SourceSettings.NONE));
            fx.f.catalog.putSource(new SourceRecord("fine", "basebackup", null, null, Instant.parse("2026-11-23T00:00:00Z"),
                    "host=db user=kopi", List.of(), SourceSettings.NONE));

            List<Sources.SourceView> all = fx.sources.list();
            assertEquals(List.of("broken", "fine"), all.stream().map(v -> v.source().name()).sorted().toList());
            String shown = fx.sources.get("broken").source().location();
            assertEquals("(unreadable connection string)", shown);
            assertFalse(shown.contains("s3cret"));

            KopiException e = assertThrows(KopiException.class, () -> fx.sources.refresh("broken", Progress.NONE));
            assertEquals(KopiException.Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("remove the source and add it again"), e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());

            fx.sources.remove("broken", false);
            assertFalse(fx.sources.isSource("broken"));
            assertTrue(fx.sources.isSource("fine"));
        }
    }
}
