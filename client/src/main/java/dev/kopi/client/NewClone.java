package dev.kopi.client;

import java.time.Duration;
import java.util.Objects;

import dev.kopi.proto.v1.CreateCloneRequest;

/**
 * A clone about to be made, from {@link KopiClient#newClone(String)}:
 *
 * <pre>{@code
 * Clone db = kopi.newClone("prod").ttl(Duration.ofMinutes(30)).create();
 * }</pre>
 *
 * Options left unset take kopid's defaults ({@code clones.ttl}, {@code clones.idle_timeout} in
 * its config). Not thread-safe; use one per clone.
 */
public final class NewClone {
    private final KopiClient client;
    private final CreateCloneRequest.Builder request;

    NewClone(KopiClient client, String snapshot) {
        this.client = client;
        this.request = CreateCloneRequest.newBuilder().setSnapshot(snapshot);
    }

    /**
     * The clone's name: 1-63 characters from {@code a-z 0-9 . _ -}, starting with a letter or
     * digit. By default kopid generates one from the source's name.
     */
    public NewClone name(String name) {
        request.setName(Objects.requireNonNull(name, "name"));
        return this;
    }

    /** The database connections use; by default the snapshot's main database. */
    public NewClone database(String database) {
        request.setDatabase(Objects.requireNonNull(database, "database"));
        return this;
    }

    /**
     * How long the clone may live: kopid destroys it after that even if nobody does.
     * {@link Duration#ZERO} means never.
     */
    public NewClone ttl(Duration ttl) {
        request.setTtl(Durations.format(Objects.requireNonNull(ttl, "ttl")));
        return this;
    }

    /**
     * The TTL in kopid's notation, e.g. {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d},
     * {@code 1h30m}; {@code 0} for never; empty for kopid's default. kopid checks it.
     */
    public NewClone ttl(String ttl) {
        request.setTtl(Objects.requireNonNull(ttl, "ttl").strip());
        return this;
    }

    /** Time without client sessions after which kopid destroys the clone; {@link Duration#ZERO} means never. */
    public NewClone idleTimeout(Duration idleTimeout) {
        request.setIdleTimeout(Durations.format(Objects.requireNonNull(idleTimeout, "idleTimeout")));
        return this;
    }

    /** The idle timeout in kopid's notation ({@code 10m}); {@code 0} for never; empty for kopid's default. */
    public NewClone idleTimeout(String idleTimeout) {
        request.setIdleTimeout(Objects.requireNonNull(idleTimeout, "idleTimeout").strip());
        return this;
    }

    /** Exempts the clone from TTL expiry and idle reaping (it lives until destroyed). */
    public NewClone protect(boolean protect) {
        request.setProtect(protect);
        return this;
    }

    /** Makes the clone; returns once its Postgres answers queries. */
    public Clone create() {
        return client.create(request.build());
    }

    /** The request as it would be sent (for tests). */
    CreateCloneRequest request() {
        return request.build();
    }
}
