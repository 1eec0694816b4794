package dev.kopi.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.CreateTokenRequest;
import dev.kopi.proto.v1.CreateTokenResponse;
import dev.kopi.proto.v1.ListTokensRequest;
import dev.kopi.proto.v1.RevokeTokenRequest;
import dev.kopi.proto.v1.Token;

/** kopictl token create|list|revoke: the TCP API's bearer tokens (admins only). */
@Command(name = "token", description = "Create, list or revoke API tokens (for kopid's TCP API).",
        subcommands = {TokenCommand.Create.class, TokenCommand.List_.class, TokenCommand.Revoke.class})
final class TokenCommand {
    private TokenCommand() {
    }

    /** kopictl token create NAME --role user|admin: prints the secret, once. */
    @Command(name = "create", description = {"Create a token and print its secret: this once, never again.",
            "Give it to its holder as $KOPI_TOKEN or in a file for --token-file; kopid keeps only its hash."})
    static final class Create extends Base {
        @Parameters(paramLabel = "NAME", description = "the token's name, recorded as the owner of clones made with it")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", defaultValue = "user",
                description = "user (its own clones; reads snapshots, sources, status) or admin (everything); "
                        + "default: ${DEFAULT-VALUE}")
        String role;

        @Override
        void run(Connection c) {
            CreateTokenResponse r = c.tokens().createToken(CreateTokenRequest.newBuilder().setName(name).setRole(role)
                    .build());
            if (root().json()) {
                Map<String, Object> m = view(r.getToken());
                m.put("secret", r.getSecret());
                Output.json(out(), m);
                return;
            }
            out().println(r.getSecret());
            err().println("token " + name + " (" + r.getToken().getRole() + ") created; its secret is shown only now");
        }
    }

    /** kopictl token list: names, roles, when made; never a secret (kopid has none to give). */
    @Command(name = "list", description = "List tokens: name, role, when made (never their secrets).")
    static final class List_ extends Base {
        @Override
        void run(Connection c) {
            List<Token> tokens = c.tokens().listTokens(ListTokensRequest.getDefaultInstance()).getTokensList();
            if (root().json()) {
                Output.json(out(), tokens.stream().map(TokenCommand::view).toList());
                return;
            }
            List<List<String>> rows = new ArrayList<>();
            for (Token t : tokens) {
                rows.add(List.of(t.getName(), t.getRole(), t.getCreatedAt()));
            }
            Output.table(out(), List.of("name", "role", "created"), rows);
        }
    }

    /** kopictl token revoke NAME: calls with it fail from now on. */
    @Command(name = "revoke", description = "Revoke a token: calls with it fail from this moment.")
    static final class Revoke extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        void run(Connection c) {
            c.tokens().revokeToken(RevokeTokenRequest.newBuilder().setName(name).build());
            err().println("token " + name + " revoked");
        }
    }

    static Map<String, Object> view(Token t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.getName());
        m.put("role", t.getRole());
        m.put("createdAt", t.getCreatedAt());
        return m;
    }
}
