package dev.kopi.client;

import java.time.Instant;

/**
 * Something that happened in kopid, from {@link KopiClient#watchEvents}.
 *
 * @param seq     increasing within one kopid run
 * @param at      when
 * @param kind    {@code clone.created}, {@code clone.reset}, {@code clone.destroyed}, {@code snapshot.created},
 *                {@code snapshot.deleted}, {@code refresh.ok}, {@code refresh.failed}
 * @param name    the clone, snapshot or source it is about
 * @param reason  why (for clone.destroyed: {@code user}, {@code ttl}, {@code idle}, ...); may be empty
 * @param message more detail; may be empty
 */
public record KopiEvent(long seq, Instant at, String kind, String name, String reason, String message) {
    static KopiEvent of(dev.kopi.proto.v1.Event e) {
        return new KopiEvent(e.getSeq(), Timestamps.parse(e.getAt()), e.getKind(), e.getName(), e.getReason(),
                e.getMessage());
    }
}
