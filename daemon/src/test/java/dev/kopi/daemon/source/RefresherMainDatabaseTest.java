package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class RefresherMainDatabaseTest {
    @Test
    void theOnlyApplicationDatabaseIsMain() {
        assertEquals("shop", Refresher.mainDatabase(List.of("postgres", "shop")));
        assertEquals("shop", Refresher.mainDatabase(List.of("shop", "postgres")));
    }

    @Test
    void withNoApplicationDatabaseItIsPostgres() {
        assertEquals("postgres", Refresher.mainDatabase(List.of("postgres")));
    }

    @Test
    void withSeveralApplicationDatabasesItIsPostgres() {
        assertEquals("postgres", Refresher.mainDatabase(List.of("postgres", "billing", "shop")));
        assertEquals("postgres", Refresher.mainDatabase(List.of("billing", "postgres", "shop")));
    }

    @Test
    void withNoDatabasesAtAllItIsPostgres() {
        assertEquals("postgres", Refresher.mainDatabase(List.of()));
    }

    @Test
    void singleApplicationDatabaseWinsEvenWithoutAPostgresDatabase() {
        assertEquals("shop", Refresher.mainDatabase(List.of("shop")));
    }

    /** Falls back to a database that exists rather than naming a missing "postgres". */
    @Test
    void severalDatabasesWithoutPostgresGiveTheFirstExistingOne() {
        assertEquals("billing", Refresher.mainDatabase(List.of("billing", "shop")));
    }

    @Test
    void tagsAreUtcTimestamps() {
        assertEquals("20261123T020000Z", Refresher.tagOf(Instant.parse("2026-11-23T02:00:00Z")));
        assertEquals(16, Refresher.majorOf("16"));
        assertEquals(9, Refresher.majorOf("9.6"));
    }
}
