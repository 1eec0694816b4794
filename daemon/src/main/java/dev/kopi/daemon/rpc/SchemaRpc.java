package dev.kopi.daemon.rpc;

import java.util.List;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.schema.SchemaChanges;
import dev.kopi.daemon.schema.SchemaDiffs;
import dev.kopi.proto.v1.DiffCloneRequest;
import dev.kopi.proto.v1.SchemaChange;
import dev.kopi.proto.v1.SchemaDiff;
import dev.kopi.proto.v1.SchemaServiceGrpc;

/** kopi.v1.SchemaService: schema diffs of clones; a user diffs their own clones only ({@link Access}). */
public final class SchemaRpc extends SchemaServiceGrpc.SchemaServiceImplBase {
    private final SchemaDiffs diffs;
    private final Clones clones;

    public SchemaRpc(SchemaDiffs diffs, Clones clones) {
        this.diffs = diffs;
        this.clones = clones;
    }

    @Override
    public void diffClone(DiffCloneRequest req, StreamObserver<SchemaDiff> out) {
        Rpc.unary(out, () -> {
            Access.requireOwn(clones, req.getName());
            return diff(diffs.diff(req.getName(), Requests.snapshot(req.getAgainst()),
                    Requests.blankToNull(req.getDatabase())));
        });
    }

    static SchemaDiff diff(SchemaDiffs.Result r) {
        return SchemaDiff.newBuilder().setClone(r.cloneName()).setAgainst(r.against()).setDatabase(r.database())
                .addAllAdded(changes(r.changes().added())).addAllRemoved(changes(r.changes().removed()))
                .addAllChanged(changes(r.changes().changed())).setText(r.text()).setTruncated(r.truncated())
                .setCached(r.cached()).setObjectsBefore(r.objectsBefore()).setObjectsAfter(r.objectsAfter())
                .setTookMs(r.tookMs()).build();
    }

    private static List<SchemaChange> changes(List<SchemaChanges.Change> list) {
        return list.stream().map(c -> SchemaChange.newBuilder().setKind(c.kind()).setName(c.name())
                .setBefore(c.before() == null ? "" : c.before()).setAfter(c.after() == null ? "" : c.after()).build())
                .toList();
    }
}
