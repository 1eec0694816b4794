package dev.kopi.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a Spring Boot test's application on a Kopi clone: its {@code JdbcConnectionDetails} (and
 * so its {@code DataSource}, Flyway and Liquibase) point at a clone of {@link #snapshot()}, made
 * when the test's application context starts and destroyed when it closes.
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureKopi(snapshot = "prod", migrations = "classpath:db/migration", reset = Reset.AFTER_EACH_METHOD)
 * class OrderRepositoryTest { ... }
 * }</pre>
 *
 * <p>Spring caches contexts between test classes, and a clone lives as long as its context. Each
 * test can still start from the snapshot's data: {@link #reset()} puts the clone back after each
 * method or class, at the cost of {@code kopictl reset} (milliseconds), not of a context restart.
 * The clone is also a bean ({@link dev.kopi.client.Clone}). Attributes may use {@code ${...}}
 * placeholders of the test's environment. kopid is found at the socket the property
 * {@code kopi.socket} names, else as {@link dev.kopi.client.KopiClient#connect()} finds it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface AutoConfigureKopi {
    /** The snapshot to clone: {@code SOURCE} for its newest snapshot, or {@code SOURCE@TAG}. */
    String snapshot();

    /**
     * Flyway locations whose scripts are applied once per content on a prepared snapshot of
     * {@link #snapshot()}, which the clone is then made from (Boot's own Flyway finds nothing left to do).
     */
    String[] migrations() default {};

    /** A Liquibase changelog applied likewise. */
    String changelog() default "";

    /** The clone's TTL: the backstop should the test JVM die. */
    String ttl() default "30m";

    /** When the clone is put back to its snapshot's data. */
    Reset reset() default Reset.NONE;

    /** When {@link AutoConfigureKopi} resets the clone. */
    enum Reset {
        /** Never: tests see each other's changes, as with one shared database. */
        NONE,
        /** After every test method. */
        AFTER_EACH_METHOD,
        /** After every test class (contexts are shared between classes). */
        AFTER_EACH_CLASS
    }
}
