package dev.kopi.daemon.rpc;

import java.util.function.Supplier;

import io.grpc.stub.StreamObserver;

/** Runs a unary call's body and answers with its result or its mapped error. */
final class Rpc {
    private Rpc() {
    }

    static <T> void unary(StreamObserver<T> response, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (Throwable t) {
            response.onError(Errors.toStatus(t));
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
