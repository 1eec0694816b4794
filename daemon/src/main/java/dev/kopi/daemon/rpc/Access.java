package dev.kopi.daemon.rpc;

import java.util.Set;

import io.grpc.Context;

import dev.kopi.daemon.auth.Caller;
import dev.kopi.daemon.clone.CloneView;
import dev.kopi.daemon.clone.Clones;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.SchemaServiceGrpc;
import dev.kopi.proto.v1.SnapshotServiceGrpc;
import dev.kopi.proto.v1.SourceServiceGrpc;
import dev.kopi.proto.v1.StatusServiceGrpc;

/**
 * Who may call what. Two layers: by method, before a call runs (a method not listed for users
 * needs an admin, so a method added later is closed until someone opens it here); then by
 * object inside the calls a user may make, where a clone is theirs or not theirs.
 */
final class Access {
    /** The caller of the current call, set by {@link Authentication}. */
    static final Context.Key<Caller> CALLER = Context.key("kopi.caller");

    /** What a user token may call; everything else needs an admin. */
    static final Set<String> USER_METHODS = Set.of(
            CloneServiceGrpc.getCreateCloneMethod().getFullMethodName(),
            CloneServiceGrpc.getGetCloneMethod().getFullMethodName(),
            CloneServiceGrpc.getListClonesMethod().getFullMethodName(),
            CloneServiceGrpc.getDestroyCloneMethod().getFullMethodName(),
            CloneServiceGrpc.getResetCloneMethod().getFullMethodName(),
            CloneServiceGrpc.getExtendCloneMethod().getFullMethodName(),
            SchemaServiceGrpc.getDiffCloneMethod().getFullMethodName(),
            SnapshotServiceGrpc.getListSnapshotsMethod().getFullMethodName(),
            SnapshotServiceGrpc.getCreateSnapshotMethod().getFullMethodName(),
            SnapshotServiceGrpc.getPrepareSnapshotMethod().getFullMethodName(),
            SnapshotServiceGrpc.getFinishPreparedSnapshotMethod().getFullMethodName(),
            SnapshotServiceGrpc.getAbandonPreparedSnapshotMethod().getFullMethodName(),
            SourceServiceGrpc.getListSourcesMethod().getFullMethodName(),
            StatusServiceGrpc.getGetStatusMethod().getFullMethodName(),
            StatusServiceGrpc.getGetCertificateAuthorityMethod().getFullMethodName());

    private Access() {
    }

    /**
     * The current caller. Outside a call made through {@link Authentication} (in-process tests of
     * the services) it is kopid itself: every server kopid runs installs one.
     */
    static Caller caller() {
        Caller c = CALLER.get();
        return c == null ? Caller.SYSTEM : c;
    }

    /** Refuses a method the caller's role does not open (checked before the call runs). */
    static void requireMethod(Caller c, String fullMethodName) {
        if (!c.admin() && !USER_METHODS.contains(fullMethodName)) {
            throw KopiException.denied("token '" + c.name() + "' has role " + c.role().word() + "; "
                    + shortName(fullMethodName) + " needs an admin token");
        }
    }

    /** {@code clone}, if the caller may act on it. */
    static CloneView own(CloneView clone) {
        Caller c = caller();
        if (!c.mayUse(clone.record().owner())) {
            throw KopiException.denied("clone '" + clone.record().name() + "' is not yours (token '" + c.name() + "')");
        }
        return clone;
    }

    /**
     * Refuses a user's call on clone {@code name} unless it is theirs. Admins pass without a
     * lookup, so their calls meet the same checks, in the same order, as before owners existed.
     */
    static void requireOwn(Clones clones, String name) {
        Caller c = caller();
        if (!c.admin() && !c.mayUse(clones.owner(name).orElse(null))) {
            throw KopiException.denied("clone '" + name + "' is not yours (token '" + c.name() + "')");
        }
    }

    /** Refuses what only admins may ask for within a call users may make. */
    static void requireAdmin(String what) {
        Caller c = caller();
        if (!c.admin()) {
            throw KopiException.denied(what + " needs an admin token (token '" + c.name() + "' is a user's)");
        }
    }

    private static String shortName(String fullMethodName) {
        return fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
    }
}
