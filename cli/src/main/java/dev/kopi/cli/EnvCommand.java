package dev.kopi.cli;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import dev.kopi.proto.v1.Clone;
import dev.kopi.proto.v1.GetCloneRequest;

/**
 * kopictl env CLONE: libpq's environment variables as sh export lines, for
 * {@code eval "$(kopictl env CLONE)"}. Every value is single-quoted, so nothing in it (a password
 * with $, `, " or ;) is expanded or run by the shell.
 */
@Command(name = "env", description = "Print PGHOST, PGPORT, ... as export lines for eval in sh.")
final class EnvCommand extends Base {
    @Mixin
    CaFileOption ca = new CaFileOption();

    @Parameters(paramLabel = "CLONE")
    String name;

    @Override
    void run(Connection c) {
        Clone clone = ca.local(c.clones().getClone(GetCloneRequest.newBuilder().setName(name).build()));
        Map<String, String> vars = variables(clone);
        if (root().json()) {
            Output.json(out(), vars);
            return;
        }
        for (Map.Entry<String, String> v : vars.entrySet()) {
            out().println("export " + v.getKey() + "=" + shellQuote(v.getValue()));
        }
    }

    private static final Pattern ROOT_CERT = Pattern.compile("[?&]sslrootcert=([^&]*)");

    /** What libpq needs to connect to the clone, in the order people read them. */
    static Map<String, String> variables(Clone clone) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PGHOST", clone.getHost());
        m.put("PGPORT", Integer.toString(clone.getPort()));
        m.put("PGUSER", clone.getUser());
        m.put("PGPASSWORD", clone.getPassword());
        m.put("PGDATABASE", clone.getDatabase());
        Matcher ca = ROOT_CERT.matcher(clone.getUri());
        if (ca.find()) {
            // a TLS clone: verify it as its connection strings do
            m.put("PGSSLMODE", "verify-full");
            m.put("PGSSLROOTCERT", URLDecoder.decode(ca.group(1), StandardCharsets.UTF_8));
        }
        return m;
    }

    /** 'it'\''s': inside single quotes sh takes everything literally except ', which ends the quote. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
