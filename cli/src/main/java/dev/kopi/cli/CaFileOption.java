package dev.kopi.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

import dev.kopi.client.CaCertificate;
import dev.kopi.proto.v1.Clone;

/**
 * --ca-file, for commands that print a clone's connection details: where kopid's CA goes when
 * the clone serves TLS. The strings kopid gives name the CA file on its own host; kopictl writes
 * the certificate kopid sent to a file here and names that instead.
 */
final class CaFileOption {
    @Option(names = "--ca-file", paramLabel = "FILE",
            description = "for a TLS clone: write kopid's CA certificate here and name it as sslrootcert "
                    + "(default: ~/.kopi/ca/SHA.crt)")
    Path caFile;

    /** {@code c} with connection strings that work on this machine. */
    Clone local(Clone c) {
        String pem = c.getCaCertificate();
        if (pem.isEmpty()) {
            return c;
        }
        Path file = caFile != null ? CaCertificate.write(caFile, pem) : CaCertificate.store(pem);
        return c.toBuilder().setUri(CaCertificate.pointTo(c.getUri(), file))
                .setJdbcUrl(CaCertificate.pointTo(c.getJdbcUrl(), file)).build();
    }
}
