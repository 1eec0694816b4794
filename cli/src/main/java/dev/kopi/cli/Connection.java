package dev.kopi.cli;

import dev.kopi.client.KopiChannel;
import dev.kopi.client.KopiClient;
import dev.kopi.client.KopiTarget;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.EventServiceGrpc;
import dev.kopi.proto.v1.SchemaServiceGrpc;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;
import dev.kopi.proto.v1.TokenServiceGrpc;

/** The stubs kopictl calls, on a {@link KopiChannel} to kopid's Unix socket or TCP API. */
final class Connection implements AutoCloseable {
    private final KopiChannel kopid;

    Connection(KopiTarget target) {
        this.kopid = KopiChannel.open(target, target.remote() ? "use --host or $" + KopiTarget.HOST_ENV
                : "use --socket or $" + KopiChannel.SOCKET_ENV);
    }

    /** The Java client over this connection, for what it does beyond single calls (prepared snapshots). */
    KopiClient client() {
        return KopiClient.forChannel(kopid.channel());
    }

    CloneServiceGrpc.CloneServiceBlockingStub clones() {
        return KopiChannel.withDeadline(CloneServiceGrpc.newBlockingStub(kopid.channel()));
    }

    SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshots() {
        return KopiChannel.withDeadline(SnapshotServiceGrpc.newBlockingStub(kopid.channel()));
    }

    /** No deadline: a refresh of a large source takes as long as it takes, and streams progress. */
    SourceServiceGrpc.SourceServiceBlockingStub sources() {
        return SourceServiceGrpc.newBlockingStub(kopid.channel());
    }

    SchemaServiceGrpc.SchemaServiceBlockingStub schemas() {
        return KopiChannel.withDeadline(SchemaServiceGrpc.newBlockingStub(kopid.channel()));
    }

    StatusServiceGrpc.StatusServiceBlockingStub status() {
        return KopiChannel.withDeadline(StatusServiceGrpc.newBlockingStub(kopid.channel()));
    }

    TokenServiceGrpc.TokenServiceBlockingStub tokens() {
        return KopiChannel.withDeadline(TokenServiceGrpc.newBlockingStub(kopid.channel()));
    }

    /** No deadline: watching events is meant to run until kopid ends the stream or the user stops it. */
    EventServiceGrpc.EventServiceBlockingStub events() {
        return EventServiceGrpc.newBlockingStub(kopid.channel());
    }

    @Override
    public void close() {
        kopid.close();
    }
}
