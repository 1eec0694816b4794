package dev.kopi.daemon.rpc;

import io.grpc.stub.StreamObserver;

import dev.kopi.daemon.auth.Role;
import dev.kopi.daemon.auth.Token;
import dev.kopi.daemon.auth.Tokens;
import dev.kopi.proto.v1.CreateTokenRequest;
import dev.kopi.proto.v1.CreateTokenResponse;
import dev.kopi.proto.v1.ListTokensRequest;
import dev.kopi.proto.v1.ListTokensResponse;
import dev.kopi.proto.v1.RevokeTokenRequest;
import dev.kopi.proto.v1.RevokeTokenResponse;
import dev.kopi.proto.v1.TokenServiceGrpc;

/** kopi.v1.TokenService (admins only, by {@link Access}): translates, nothing more. */
public final class TokenRpc extends TokenServiceGrpc.TokenServiceImplBase {
    private final Tokens tokens;

    public TokenRpc(Tokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public void createToken(CreateTokenRequest req, StreamObserver<CreateTokenResponse> out) {
        Rpc.unary(out, () -> {
            String secret = tokens.create(req.getName(), Role.of(req.getRole()));
            Token made = tokens.list().stream().filter(t -> t.name().equals(req.getName())).findFirst().orElseThrow();
            return CreateTokenResponse.newBuilder().setToken(token(made)).setSecret(secret).build();
        });
    }

    @Override
    public void listTokens(ListTokensRequest req, StreamObserver<ListTokensResponse> out) {
        Rpc.unary(out, () -> {
            ListTokensResponse.Builder b = ListTokensResponse.newBuilder();
            tokens.list().forEach(t -> b.addTokens(token(t)));
            return b.build();
        });
    }

    @Override
    public void revokeToken(RevokeTokenRequest req, StreamObserver<RevokeTokenResponse> out) {
        Rpc.unary(out, () -> {
            tokens.revoke(req.getName());
            return RevokeTokenResponse.newBuilder().setName(req.getName()).build();
        });
    }

    private static dev.kopi.proto.v1.Token token(Token t) {
        return dev.kopi.proto.v1.Token.newBuilder().setName(t.name()).setRole(t.role().word())
                .setCreatedAt(t.created() == null ? "" : t.created().toString()).build();
    }
}
