package dev.kopi.client.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives tests a clone of a snapshot, made by kopid in milliseconds and destroyed afterwards:
 *
 * <pre>{@code
 * @Kopi(snapshot = "prod-nightly")
 * class OrderRepositoryTest {
 *     @Test
 *     void cancelsOrders(Connection db) throws SQLException { ... }
 * }
 * }</pre>
 *
 * <p>On a class it applies to every test in it (and in its {@code @Nested} classes); on a
 * method it applies to that test and overrides the class's. Tests get the clone as a parameter
 * (of test, lifecycle and constructor methods) or in non-static fields annotated
 * {@link KopiDatabase}, typed {@link dev.kopi.client.Clone} (connection details),
 * {@link javax.sql.DataSource} or {@link java.sql.Connection} (one per test, opened when first
 * asked for, closed after the test; needs a PostgreSQL JDBC driver on the test classpath).
 *
 * <p>Clones are destroyed after the test (or class), whether it passed or not. Should the JVM
 * die first, kopid destroys them when their {@link #ttl()} runs out.
 *
 * <p>{@link #snapshot()}, {@link #ttl()} and {@link #socket()} may use {@code ${name}} or
 * {@code ${name:default}}, read from JUnit configuration parameters (which include system
 * properties), e.g. {@code @Kopi(snapshot = "${test.snapshot:demo}")}.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KopiExtension.class)
public @interface Kopi {
    /** The snapshot to clone: {@code SOURCE} for its newest snapshot, or {@code SOURCE@TAG}. */
    String snapshot();

    /**
     * Flyway locations ({@code classpath:db/migration}, {@code filesystem:/path}) to migrate the
     * snapshot with before tests clone it: the migrated snapshot is prepared once per content of
     * the scripts (by whichever JVM asks first; the others wait for it) and every test gets a clone
     * of it. Needs {@code flyway-core} and {@code flyway-database-postgresql} on the test class path.
     */
    String[] migrations() default {};

    /**
     * A Liquibase changelog ({@code classpath:db/changelog/db.changelog-master.yaml}) to migrate
     * the snapshot with, likewise; the key covers every file in the changelog's directory and
     * below. Needs {@code liquibase-core} on the test class path.
     */
    String changelog() default "";

    /** A clone per test method (default) or one for the whole class. */
    Scope scope() default Scope.METHOD;

    /**
     * How long kopid keeps the clone at most, in kopid's notation ({@code 30s}, {@code 15m},
     * {@code 2h}, {@code 1h30m}): the backstop that destroys clones of a test JVM that died
     * before cleaning up. Empty means kopid's default, {@code 0} never (not advisable).
     */
    String ttl() default "30m";

    /**
     * How long the clone may go without sessions before kopid destroys it, in the same notation
     * ({@code 10m}); empty for kopid's default, {@code 0} for never. A shorter backstop than the
     * TTL for class-scoped clones of a JVM that died.
     */
    String idle() default "";

    /**
     * kopid's socket. By default the configuration parameter (or system property)
     * {@value KopiExtension#SOCKET_PARAMETER}, else {@code $KOPI_SOCKET}, else
     * {@code /run/kopi/kopi.sock}.
     */
    String socket() default "";

    /** How long a clone lives. */
    enum Scope {
        /** A fresh clone for every test method (and every invocation of a parameterized or repeated test). */
        METHOD,
        /**
         * One clone for the whole class, made before its first test and destroyed after its
         * last; tests share its data (and see each other's changes). Only valid on a class.
         */
        CLASS
    }
}
