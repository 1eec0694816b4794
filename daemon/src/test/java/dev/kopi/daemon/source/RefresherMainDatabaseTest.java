package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.postgres.PgVersion;

class RefresherMainDatabaseTest {
    @Test
    void theOnlyApplicationDatabaseIsMain() {
        assertEquals("shop", StagingRun.mainDatabase(List.of("postgres", "shop")));
        assertEquals("shop", StagingRun.mainDatabase(List.of("shop", "postgres")));
    }

    @Test
    void withNoApplicationDatabaseItIsPostgres() {
        assertEquals("postgres", StagingRun.mainDatabase(List.of("postgres")));
    }

    @Test
    void withSeveralApplicationDatabasesItIsPostgres() {
        assertEquals("postgres", StagingRun.mainDatabase(List.of("postgres", "billing", "shop")));
        assertEquals("postgres", StagingRun.mainDatabase(List.of("billing", "postgres", "shop")));
    }

    @Test
    void withNoDatabasesAtAllItIsPostgres() {
        assertEquals("postgres", StagingRun.mainDatabase(List.of()));
    }

    @Test
    void singleApplicationDatabaseWinsEvenWithoutAPostgresDatabase() {
        assertEquals("shop", StagingRun.mainDatabase(List.of("shop")));
    }

    /** Falls back to a database that exists rather than naming a missing "postgres". */
    @Test
    void severalDatabasesWithoutPostgresGiveTheFirstExistingOne() {
        assertEquals("billing", StagingRun.mainDatabase(List.of("billing", "shop")));
    }

    @Test
    void tagsAreUtcTimestamps() {
        assertEquals("20261123T020000Z", Refresher.tagOf(Instant.parse("2026-11-23T02:00:00Z")));
        assertEquals(16, PgVersion.major("16"));
        assertEquals(9, PgVersion.major("9.6"));
    }
}
