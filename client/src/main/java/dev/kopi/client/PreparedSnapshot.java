package dev.kopi.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

import dev.kopi.proto.v1.PrepareSnapshotRequest;
import dev.kopi.proto.v1.PrepareSnapshotResponse;

/**
 * A snapshot built once per key on top of a base snapshot, such as "production data plus this
 * branch's migrations". Start with {@link KopiClient#prepared(String)}:
 *
 * <pre>{@code
 * SnapshotInfo migrated = kopi.prepared("prod")
 *         .key(PreparedSnapshot.keyOf(migrationScripts))
 *         .build(clone -> flyway(clone.jdbcUrl()).migrate());
 * Clone db = kopi.clone(migrated.name());
 * }</pre>
 *
 * <p>The first caller for a key gets a clone of the base's current snapshot, runs the setup on it,
 * and kopid publishes it as {@code BASE.KEY@TAG}; every later caller with the same key (from any
 * JVM) gets that snapshot at once, while the base stays the same snapshot. Callers that ask while
 * it is being built wait for that build (up to {@link #timeout(Duration)}) instead of building it
 * again; if the build fails, its clone is destroyed and the next caller builds. A new base
 * snapshot (a refresh) makes the key build again. Snapshots prepared by admins (kopid's socket,
 * admin tokens) are shared among admins; a user token's are that user's only.
 */
public final class PreparedSnapshot {
    /** What makes the prepared state on a clone of the base: migrations, fixtures. */
    @FunctionalInterface
    public interface Setup {
        /** Brings {@code clone} into the state to snapshot. The clone is kopid's to finish: do not close it. */
        void apply(Clone clone) throws Exception;
    }

    /** How long one call to kopid waits for another caller's build before asking again. */
    private static final Duration POLL = Duration.ofSeconds(30);

    private final KopiClient client;
    private final String base;
    private String key;
    private Duration timeout = Duration.ofMinutes(10);
    private Duration builderTtl = Duration.ofMinutes(30);

    PreparedSnapshot(KopiClient client, String base) {
        this.client = client;
        this.base = base;
    }

    /**
     * The key: 6-40 characters from a-z and 0-9, the same for the same setup and different for a
     * different one (see {@link #keyOf(List)}).
     */
    public PreparedSnapshot key(String k) {
        this.key = Objects.requireNonNull(k, "key");
        return this;
    }

    /** How long to wait for another caller's build of the same key (default 10 minutes). */
    public PreparedSnapshot timeout(Duration t) {
        this.timeout = Objects.requireNonNull(t, "timeout");
        return this;
    }

    /** The lifetime of the clone the setup runs on, the backstop if this JVM dies midway (default 30 minutes). */
    public PreparedSnapshot builderTtl(Duration t) {
        this.builderTtl = Objects.requireNonNull(t, "builderTtl");
        return this;
    }

    /**
     * A key for content: the first 32 hex digits of the SHA-256 of the parts, each length-prefixed
     * so that ("ab", "c") and ("a", "bc") differ. Give the parts in a stable order.
     */
    public static String keyOf(List<byte[]> parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                sha.update((part.length + ":").getBytes(StandardCharsets.US_ASCII));
                sha.update(part);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * The prepared snapshot: made before, or built now by running {@code setup} on a clone of the
     * base, or built by another caller meanwhile. A setup that throws abandons the build (its
     * clone is destroyed) and this throws {@link KopiClientException} with the setup's failure as cause.
     */
    public SnapshotInfo build(Setup setup) {
        Objects.requireNonNull(setup, "setup");
        if (key == null) {
            throw new IllegalStateException("give the prepared snapshot a key first (key(...))");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long asked = System.nanoTime();
            long left = Math.max(0, deadline - asked);
            PrepareSnapshotResponse r = client.prepare(PrepareSnapshotRequest.newBuilder().setBase(base).setKey(key)
                    .setWaitSeconds((int) Math.min(POLL.toSeconds(), Duration.ofNanos(left).toSeconds()))
                    .setTtl(builderTtl.toSeconds() + "s").build());
            switch (r.getResultCase()) {
                case SNAPSHOT:
                    return SnapshotInfo.of(r.getSnapshot());
                case BUILD:
                    return run(new Clone(client, r.getBuild()), setup);
                default:
                    // kopid answers at once when too many callers wait already: ask again in a moment.
                    pause(Duration.ofSeconds(1).minusNanos(System.nanoTime() - asked));
                    if (System.nanoTime() >= deadline) {
                        throw new KopiClientException(KopiClientException.Kind.DEADLINE_EXCEEDED, "the snapshot "
                                + "prepared from " + base + " under key " + key + " is still being built"
                                + (r.getWaitingFor().isEmpty() ? "" : " on clone " + r.getWaitingFor()) + " after "
                                + timeout + "; wait longer (timeout(...)) or check that clone", null);
                    }
            }
        }
    }

    private static void pause(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KopiClientException(KopiClientException.Kind.CANCELLED, "interrupted while waiting for a "
                    + "prepared snapshot", e);
        }
    }

    private SnapshotInfo run(Clone builder, Setup setup) {
        try {
            setup.apply(builder);
        } catch (Exception | Error e) {
            try {
                client.abandonPrepared(builder.name());
            } catch (KopiClientException cleanup) {
                e.addSuppressed(cleanup); // its TTL ends it; the setup's failure is what matters
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new KopiClientException(KopiClientException.Kind.FAILED_PRECONDITION, "preparing a snapshot of "
                    + base + " under key " + key + " failed on clone " + builder.name() + ": " + e, e);
        }
        return SnapshotInfo.of(client.finishPrepared(builder.name()));
    }
}
