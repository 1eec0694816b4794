package dev.kopi.client.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a non-static field of a {@link Kopi} test to receive its clone before each test: a
 * {@link dev.kopi.client.Clone}, a {@link javax.sql.DataSource} or a
 * {@link java.sql.Connection} (one per test, closed after it).
 *
 * <pre>{@code
 * @Kopi(snapshot = "prod-nightly")
 * class ReportTest {
 *     @KopiDatabase DataSource db;
 *     ...
 * }
 * }</pre>
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface KopiDatabase {
}
