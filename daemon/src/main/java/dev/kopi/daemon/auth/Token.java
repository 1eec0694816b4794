package dev.kopi.daemon.auth;

import java.time.Instant;

/**
 * An API token as kopid keeps it: never the secret, only its SHA-256. A token is 256 random bits,
 * so a plain hash is as good as a slow one: there is nothing to guess from it.
 *
 * @param name    recorded as the owner of the clones made with it
 * @param role    what it may do
 * @param hash    {@code sha256:} and the hex digest of the secret
 * @param created when it was made
 */
public record Token(String name, Role role, String hash, Instant created) {
}
