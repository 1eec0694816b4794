/**
 * Kopi's Java client: make PostgreSQL clones of snapshots through kopid and connect to them.
 *
 * <p>Start with {@link dev.kopi.client.KopiClient#connect()}; {@link dev.kopi.client.Clone}
 * is a clone with its connection details, destroyed by {@code close()}. Errors are
 * {@link dev.kopi.client.KopiClientException}. For JUnit 5 tests see
 * {@link dev.kopi.client.junit.Kopi}.
 */
package dev.kopi.client;

