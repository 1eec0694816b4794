package dev.kopi.daemon.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.Driver;

import dev.kopi.daemon.catalog.CloneRecord;
import dev.kopi.daemon.core.SnapshotRef;

class CloneViewTest {
    private static final String USER = "kopi_ab12cd34";
    private static final String PASSWORD = "Pw3xY7mK9qR2sT5vW8zA4bC6";

    private static CloneView view(String host, String database) {
        return view(Endpoint.plain(host), database);
    }

    private static CloneView view(Endpoint endpoint, String database) {
        CloneRecord r = CloneRecord.builder().name("c1").snapshot(SnapshotRef.parse("prod@20261123T020000Z")).port(6543)
                .user(USER).password(PASSWORD).database(database).createdAt(Instant.parse("2026-11-23T03:00:00Z"))
                .version("16").superuser("postgres").build();
        return new CloneView(r, CloneView.State.RUNNING, "", 4242, Path.of("/pool/clones/c1"), endpoint, 0);
    }

    @Test
    void uriHasUserPasswordHostPortAndDatabase() {
        assertEquals("postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:6543/app", view("127.0.0.1", "app").uri());
    }

    @Test
    void tlsClonesVerifyTheServerAgainstKopidsCa() {
        Endpoint tls = new Endpoint("db.example.com", Path.of("/var/lib/kopi/tls/ca.crt"), "PEM");
        assertEquals("postgresql://" + USER + ":" + PASSWORD + "@db.example.com:6543/app"
                + "?sslmode=verify-full&sslrootcert=/var/lib/kopi/tls/ca.crt", view(tls, "app").uri());
        assertEquals("jdbc:postgresql://db.example.com:6543/app?user=" + USER + "&password=" + PASSWORD
                + "&sslmode=verify-full&sslrootcert=/var/lib/kopi/tls/ca.crt", view(tls, "app").jdbcUrl());
    }

    @Test
    void jdbcUrlCarriesCredentialsAsParameters() {
        assertEquals("jdbc:postgresql://127.0.0.1:6543/app?user=" + USER + "&password=" + PASSWORD,
                view("127.0.0.1", "app").jdbcUrl());
    }

    @Test
    void hostNamesAreUsedAsGiven() {
        assertEquals("jdbc:postgresql://db.example.test:6543/app?user=" + USER + "&password=" + PASSWORD,
                view("db.example.test", "app").jdbcUrl());
    }

    @Test
    void ipv6HostIsBracketed() {
        CloneView v = view("::1", "app");
        assertEquals("postgresql://" + USER + ":" + PASSWORD + "@[::1]:6543/app", v.uri());
        assertEquals("jdbc:postgresql://[::1]:6543/app?user=" + USER + "&password=" + PASSWORD, v.jdbcUrl());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "my db|my%20db",
            "a/b|a%2Fb",
            "q?x#y|q%3Fx%23y",
            "100%|100%25",
            "u@h:p|u%40h%3Ap",
            "a+b|a%2Bb",
            "a&b=c|a%26b%3Dc",
            "caf\u00e9|caf%C3%A9",
            "tilde~ok_-.|tilde~ok_-."})
    void databaseNameIsPercentEncoded(String database, String encoded) {
        CloneView v = view("127.0.0.1", database);
        assertEquals("postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:6543/" + encoded, v.uri());
        assertEquals("jdbc:postgresql://127.0.0.1:6543/" + encoded + "?user=" + USER + "&password=" + PASSWORD,
                v.jdbcUrl());
    }

    @ParameterizedTest
    @ValueSource(strings = {"app", "my db", "a/b?c#d", "100% sure", "a+b", "u@h:p", "caf\u00e9", "[x]"})
    void uriParsesBackToTheSameParts(String database) throws Exception {
        URI uri = new URI(view("::1", database).uri());
        assertEquals("postgresql", uri.getScheme());
        assertEquals(USER + ":" + PASSWORD, uri.getUserInfo());
        assertEquals("[::1]", uri.getHost());
        assertEquals(6543, uri.getPort());
        assertEquals("/" + database, uri.getPath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"app", "my db", "a/b?c#d", "100% sure", "a+b", "u@h:p", "caf\u00e9"})
    void pgjdbcReadsTheJdbcUrlBackToTheSameParts(String database) {
        Properties p = Driver.parseURL(view("10.1.2.3", database).jdbcUrl(), new Properties());
        assertEquals(database, p.getProperty("PGDBNAME"));
        assertEquals("10.1.2.3", p.getProperty("PGHOST"));
        assertEquals("6543", p.getProperty("PGPORT"));
        assertEquals(USER, p.getProperty("user"));
        assertEquals(PASSWORD, p.getProperty("password"));
    }

    @Test
    void pathEncodeLeavesUnreservedCharactersAlone() {
        assertEquals("AZaz09-._~", CloneView.pathEncode("AZaz09-._~"));
    }
}
