/**
 * {@code jdbc:kopi:} URLs: {@link dev.kopi.client.jdbc.KopiDriver}, a {@link java.sql.Driver}
 * that connects to clones it makes, for tools that take only a JDBC URL.
 */
package dev.kopi.client.jdbc;
