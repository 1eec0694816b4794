/**
 * A JUnit 5 extension giving tests their own PostgreSQL clone: annotate a test class or method
 * with {@link dev.kopi.client.junit.Kopi} and ask for a {@link dev.kopi.client.Clone},
 * {@link javax.sql.DataSource} or {@link java.sql.Connection} as a parameter or in a field
 * annotated {@link dev.kopi.client.junit.KopiDatabase}.
 */
package dev.kopi.client.junit;

