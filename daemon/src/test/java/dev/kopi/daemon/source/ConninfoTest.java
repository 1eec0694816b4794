package dev.kopi.daemon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;

/**
 * libpq connection strings as described in the PostgreSQL manual ("Connection Strings",
 * libpq-connect.html#LIBPQ-CONNSTRING), and the promise that a password never shows.
 */
class ConninfoTest {
    private static final String SECRET = "s3cretPw";
    private static final List<String> KEYS = List.of("host", "hostaddr", "port", "dbname", "user", "password",
            "passfile", "sslmode", "application_name", "options", "connect_timeout", "target_session_attrs");

    private static Map<String, String> params(Conninfo c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : KEYS) {
            if (c.get(k) != null) {
                out.put(k, c.get(k));
            }
        }
        return out;
    }

    private static KopiException refused(String text) {
        KopiException e = assertThrows(KopiException.class, () -> Conninfo.parse(text), text);
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        return e;
    }

    private static void assertHidden(String shown) {
        assertFalse(shown.contains(SECRET), () -> "password shown in: " + shown);
        assertFalse(shown.contains("s3cret"), () -> "part of the password shown in: " + shown);
        assertFalse(shown.contains("retPw"), () -> "part of the password shown in: " + shown);
    }

    // ---- keyword = value

    @Test
    void theSameParametersInEitherFormAreEqualAndADifferentPasswordIsNot() {
        Conninfo keywords = Conninfo.parse("host=db1 port=5433 user=kopi password=s3cret dbname=app");
        Conninfo uri = Conninfo.parse("postgresql://kopi:s3cret@db1:5433/app");
        assertEquals(keywords, uri);
        assertEquals(keywords.hashCode(), uri.hashCode());
        assertNotEquals(keywords, Conninfo.parse("host=db1 port=5433 user=kopi password=other dbname=app"));
        assertNotEquals(keywords, Conninfo.unreadable("bad"));
        assertEquals(Conninfo.unreadable("bad"), Conninfo.unreadable("bad"));
    }

    @Test
    void keywordValuePairsSeparatedByWhitespace() {
        Conninfo c = Conninfo.parse("host=db1 port=5433  user=kopi\tdbname=app");
        assertEquals(Map.of("host", "db1", "port", "5433", "user", "kopi", "dbname", "app"), params(c));
        assertNull(c.password());
    }

    @Test
    void whitespaceAroundTheEqualSignIsAllowed() {
        Conninfo c = Conninfo.parse("  host = db1   port= 5433 user =kopi  ");
        assertEquals(Map.of("host", "db1", "port", "5433", "user", "kopi"), params(c));
    }

    @Test
    void singleQuotedValuesHoldSpacesAndEscapedQuotesAndBackslashes() {
        Conninfo c = Conninfo.parse("password='a b\\'c\\\\d' options='-c search_path=x' host=''");
        assertEquals("a b'c\\d", c.password());
        assertEquals("-c search_path=x", c.get("options"));
        assertEquals("", c.get("host"));
    }

    @Test
    void backslashEscapesOutsideQuotes() {
        Conninfo c = Conninfo.parse("password=a\\ b\\'c dbname=x");
        assertEquals("a b'c", c.password());
        assertEquals("x", c.get("dbname"));
    }

    @Test
    void aQuotedValueNeedNotBeFollowedBySpace() {
        Conninfo c = Conninfo.parse("host='db1'port=5432");
        assertEquals(Map.of("host", "db1", "port", "5432"), params(c));
    }

    @Test
    void afterTheEqualSignWhitespaceIsSkippedSoAnEmptyValueMustBeQuoted() {
        // libpq: "host= port=5" sets host to "port=5"
        assertEquals(Map.of("host", "port=5"), params(Conninfo.parse("host= port=5")));
        assertEquals(Map.of("host", "", "port", "5"), params(Conninfo.parse("host='' port=5")));
    }

    @Test
    void aLaterKeywordReplacesAnEarlierOne() {
        assertEquals("db2", Conninfo.parse("host=db1 host=db2").get("host"));
    }

    @Test
    void anUnquotedValueMayContainEqualSignsAndQuotes() {
        Conninfo c = Conninfo.parse("options=-csearch_path=x application_name=it's");
        assertEquals("-csearch_path=x", c.get("options"));
        assertEquals("it's", c.get("application_name"));
    }

    @Test
    void aPasswordKeywordInCapitalsIsStillAPassword() {
        Conninfo c = Conninfo.parse("host=db PASSWORD=" + SECRET);
        assertEquals(SECRET, c.password());
        assertHidden(c.masked());
        assertHidden(c.withoutPassword());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mydb", "host", "host db1", "=value", "host=db1 port", "host=db1 = x",
            "password='unterminated", "host='a b"})
    void malformedKeywordFormIsInvalidArgument(String text) {
        refused(text);
    }

    @Test
    void emptyOrBlankIsInvalidArgument() {
        refused(null);
        refused("");
        refused("   \t ");
    }

    @Test
    void aTrailingBackslashOutsideQuotesIsDroppedAsLibpqDoes() {
        // libpq's conninfo_parse skips a backslash and copies the next character, if any
        assertEquals("abc", Conninfo.parse("password=abc\\").password());
    }

    // ---- masking

    @Test
    void maskedReplacesThePasswordAndWithoutPasswordDropsIt() {
        Conninfo c = Conninfo.parse("host=db1 password=" + SECRET + " user=kopi");
        assertEquals("host=db1 password=" + Conninfo.MASK + " user=kopi", c.masked());
        assertEquals("host=db1 user=kopi", c.withoutPassword());
        assertEquals(c.masked(), c.toString());
        assertEquals(SECRET, c.password());
    }

    @Test
    void withoutAPasswordMaskedShowsNoMask() {
        Conninfo c = Conninfo.parse("host=db1");
        assertEquals("host=db1", c.masked());
        assertEquals("host=db1", c.withoutPassword());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "host=db1 password=" + SECRET,
            "password='" + SECRET + " with spaces' host=db1",
            "host=db1 password = " + SECRET,
            "postgresql://kopi:" + SECRET + "@db1/app",
            "postgres://kopi:" + SECRET + "@db1:5432,db2/app?sslmode=require",
            "postgresql://db1/app?password=" + SECRET,
            "postgresql://db1/app?sslmode=require&password=" + SECRET + "&application_name=x",
    })
    void thePasswordNeverShows(String text) {
        Conninfo c = Conninfo.parse(text);
        assertTrue(c.password().startsWith(SECRET), c.password());
        assertHidden(c.masked());
        assertHidden(c.withoutPassword());
        assertHidden(c.toString());
        assertHidden(Conninfo.maskText(text));
        assertTrue(c.masked().contains(Conninfo.MASK), c.masked());
        assertFalse(c.withoutPassword().contains("password"), c.withoutPassword());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "junk password=" + SECRET,
            "host=db1 password='" + SECRET + " never closed",
            "host=db1 password='" + SECRET,
            "host=db1 password='s3c retPw",
            "junk password=s3c\\ retPw",
            "host=db1 password=" + SECRET + " trailing",
            "postgresql://kopi:" + SECRET + "@db1:port/app",
            "postgresql://kopi:" + SECRET + "%zz@db1/app",
            "postgresql://kopi:" + SECRET + "%@db1/app",
            "postgresql://db1/app?password=" + SECRET + "%zz",
            "postgresql://kopi:" + SECRET + "@[::1/app",
            "postgresql://kopi:" + SECRET + "@db1/app?sslmode",
            "postgresql://kopi:s3cret/Pw@db1/app",
            "postgresql://kopi:s3cret?Pw@db1:x/app",
            "postgresql://kopi:s3c@retPw@db1:x/app",
    })
    void thePasswordIsNotInErrorsNorInMaskedTextOfMalformedStrings(String text) {
        KopiException e = assertThrows(KopiException.class, () -> Conninfo.parse(text), text);
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertHidden(e.getMessage());
        assertHidden(Conninfo.maskText(text));
    }

    @Test
    void maskTextOfNullIsEmpty() {
        assertEquals("", Conninfo.maskText(null));
    }

    @Test
    void maskTextOfAValidStringIsItsMaskedForm() {
        String text = "postgresql://kopi:" + SECRET + "@db1/app";
        assertEquals(Conninfo.parse(text).masked(), Conninfo.maskText(text));
    }

    // ---- round trips

    @ParameterizedTest
    @ValueSource(strings = {"plain", "with space", "it's", "back\\slash", "trailing\\", "'", "\\", "''", "a=b",
            "tab\there", "new\nline", "ünïcødé", " leading", "trailing ", "-c search_path=a,b"})
    void valuesSurviveRenderingAndParsing(String value) {
        Conninfo c = Conninfo.parse("host=db1").withDatabase(value).withPassword(SECRET);
        Conninfo back = Conninfo.parse(c.withoutPassword());
        assertEquals(value, back.get("dbname"));
        assertEquals("db1", back.get("host"));
        assertNull(back.password());
    }

    @Test
    void anEmptyValueSurvivesRenderingAndParsing() {
        Conninfo back = Conninfo.parse(Conninfo.parse("host='' dbname=x").withoutPassword());
        assertEquals("", back.get("host"));
        assertEquals("x", back.get("dbname"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "host=db1 port=5432 user=kopi password=" + SECRET + " dbname=app sslmode=require",
            "password='a b\\'c' host='/var/run/postgresql' options='-c x=y' application_name=''",
            "postgresql://kopi:" + SECRET + "@db1:5433,db2:5434/my%20app?sslmode=verify-full&application_name=k%20p",
            "postgresql://%2Fvar%2Frun%2Fpostgresql/app",
            "postgresql://[2001:db8::1]:5433/app?password=" + SECRET,
            "postgres://u%27ser@db1/app",
    })
    void parsingWithoutPasswordKeepsEveryOtherParameter(String text) {
        Conninfo c = Conninfo.parse(text);
        Map<String, String> expected = params(c);
        expected.remove("password");
        Conninfo back = Conninfo.parse(c.withoutPassword());
        assertEquals(expected, params(back));
        assertNull(back.password());
        assertEquals(c.withoutPassword(), back.withoutPassword(), "rendering is stable");
    }

    @Test
    void withPasswordSetsAndRemoves() {
        Conninfo c = Conninfo.parse("host=db1");
        Conninfo with = c.withPassword(SECRET);
        assertEquals(SECRET, with.password());
        assertNull(c.password(), "the original is unchanged");
        assertNull(with.withPassword(null).password());
        assertEquals("host=db1", with.withPassword(null).masked());
    }

    @Test
    void withDatabaseReplacesOrAddsTheDatabase() {
        Conninfo c = Conninfo.parse("host=db1 dbname=app");
        assertEquals("postgres", c.withDatabase("postgres").get("dbname"));
        assertEquals("app", c.get("dbname"));
        assertEquals("x", Conninfo.parse("host=db1").withDatabase("x").get("dbname"));
    }

    // ---- URIs

    @Test
    void fullUri() {
        Conninfo c = Conninfo.parse("postgresql://kopi:" + SECRET + "@db1.example.com:5433/app"
                + "?sslmode=require&application_name=kopid");
        assertEquals(Map.of("user", "kopi", "password", SECRET, "host", "db1.example.com", "port", "5433",
                "dbname", "app", "sslmode", "require", "application_name", "kopid"), params(c));
    }

    @Test
    void bothSchemesAreAccepted() {
        assertEquals("db1", Conninfo.parse("postgres://db1").get("host"));
        assertEquals("db1", Conninfo.parse("postgresql://db1").get("host"));
    }

    @Test
    void everyPartOfAUriIsOptional() {
        assertEquals(Map.of(), params(Conninfo.parse("postgresql://")));
        assertEquals(Map.of("host", "localhost"), params(Conninfo.parse("postgresql://localhost")));
        assertEquals(Map.of("host", "localhost", "port", "5433"), params(Conninfo.parse("postgresql://localhost:5433")));
        assertEquals(Map.of("host", "localhost", "dbname", "mydb"), params(Conninfo.parse("postgresql://localhost/mydb")));
        assertEquals(Map.of("user", "user", "host", "localhost"), params(Conninfo.parse("postgresql://user@localhost")));
        assertEquals(Map.of("dbname", "mydb", "host", "/var/run/postgresql"),
                params(Conninfo.parse("postgresql:///mydb?host=/var/run/postgresql")));
    }

    @Test
    void userWithoutPassword() {
        Conninfo c = Conninfo.parse("postgresql://kopi@db1/app");
        assertEquals("kopi", c.get("user"));
        assertNull(c.password());
    }

    @Test
    void anEmptyPasswordInAUriIsNoPasswordAsInLibpq() {
        // libpq stores user and password only when non-empty ("postgresql://kopi:@db1")
        Conninfo c = Conninfo.parse("postgresql://kopi:@db1/app");
        assertEquals("kopi", c.get("user"));
        assertNull(c.password());
        assertNull(Conninfo.parse("postgresql://:@db1/app").get("user"));
    }

    @Test
    void percentEncodingIsDecodedEverywhereAndPlusIsLiteral() {
        Conninfo c = Conninfo.parse("postgresql://us%40er:p%3Aw%2Fd%3F%40@%2Fvar%2Frun%2Fpostgresql/my%20db"
                + "?application_name=a+b%26c&options=-c%20x%3Dy");
        assertEquals("us@er", c.get("user"));
        assertEquals("p:w/d?@", c.password());
        assertEquals("/var/run/postgresql", c.get("host"));
        assertEquals("my db", c.get("dbname"));
        assertEquals("a+b&c", c.get("application_name"));
        assertEquals("-c x=y", c.get("options"));
    }

    @Test
    void multipleHostsWithAndWithoutPorts() {
        Conninfo c = Conninfo.parse("postgresql://h1:5432,h2:5433,h3/app");
        assertEquals("h1,h2,h3", c.get("host"));
        assertEquals("5432,5433,", c.get("port"));
        Conninfo noPorts = Conninfo.parse("postgresql://h1,h2/app");
        assertEquals("h1,h2", noPorts.get("host"));
        assertNull(noPorts.get("port"));
    }

    @Test
    void ipv6Literals() {
        Conninfo c = Conninfo.parse("postgresql://[2001:db8::1]:5433,[::1]/app");
        assertEquals("2001:db8::1,::1", c.get("host"));
        assertEquals("5433,", c.get("port"));
        assertEquals("::1", Conninfo.parse("postgresql://[::1]").get("host"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://db1:port/app", "postgresql://db1:54a/app", "postgresql://db1:123456/app",
            "postgresql://[::1/app", "postgresql://db1/app?sslmode", "postgresql://db1/app?=require",
            "postgresql://db1/a%zzpp", "postgresql://db1/app%", "postgresql://db1/app?sslmode=req%2"})
    void malformedUrisAreInvalidArgument(String uri) {
        refused(uri);
    }

    @Test
    void somethingAfterAnIpv6LiteralOtherThanAPortIsRefusedAsInLibpq() {
        refused("postgresql://[::1]x/app");
        refused("postgresql://[::1]x:5432/app");
    }

    @Test
    void percentEncodedNulIsRefusedAsInLibpq() {
        refused("postgresql://db1/ap%00p");
        refused("postgresql://kopi:pw%00@db1/app");
    }

    @Test
    void aQuestionMarkInTheUserInfoIsPartOfThePasswordAsInLibpq() {
        // libpq looks for the user info up to the first '/', so '?' need not be percent-encoded there
        Conninfo c = Conninfo.parse("postgresql://kopi:pa?ss@db1/app?sslmode=require");
        assertEquals("kopi", c.get("user"));
        assertEquals("pa?ss", c.password());
        assertEquals("db1", c.get("host"));
        assertEquals("app", c.get("dbname"));
        assertEquals("require", c.get("sslmode"));
    }

    @Test
    void anUnencodedAtSignInThePasswordIsToleratedTheLastOneEndsTheUserInfo() {
        // libpq would end the user info at the first '@'; Kopi takes the last one before the path
        Conninfo c = Conninfo.parse("postgresql://kopi:p@ss@db1/app");
        assertEquals("p@ss", c.password());
        assertEquals("db1", c.get("host"));
    }

    @Test
    void jdbcStyleSslTrueBecomesSslmodeRequireAsInLibpq() {
        Conninfo c = Conninfo.parse("postgresql://db1/app?ssl=true");
        assertEquals("require", c.get("sslmode"));
        assertNull(c.get("ssl"));
    }

    @Test
    void aUriRendersAsTheKeywordForm() {
        Conninfo c = Conninfo.parse("postgresql://kopi:" + SECRET + "@db1:5433/my%20app");
        assertEquals("user=kopi password=" + Conninfo.MASK + " host=db1 port=5433 dbname='my app'", c.masked());
        assertEquals("user=kopi host=db1 port=5433 dbname='my app'", c.withoutPassword());
    }

    @Test
    void leadingAndTrailingWhitespaceAroundAUriIsIgnored() {
        assertEquals("db1", Conninfo.parse("  postgresql://db1/app \n").get("host"));
        assertEquals("app", Conninfo.parse("  postgresql://db1/app \n").get("dbname"));
    }
}
