package dev.kopi.cli;

import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.kopi.client.CaCertificate;
import dev.kopi.proto.v1.GetCertificateAuthorityRequest;

/** kopictl ca: kopid's CA certificate, what clients of its TLS API and TLS clones pin. */
@Command(name = "ca", description = {"Print kopid's CA certificate (PEM), for clients to pin with --ca or $KOPI_CA.",
        "Hand it out over a channel you trust: it is what proves kopid is kopid."})
final class CaCommand extends Base {
    @Option(names = "--out", paramLabel = "FILE", description = "write it to FILE instead of printing it")
    Path file;

    @Override
    void run(Connection c) {
        String pem = c.status().getCertificateAuthority(GetCertificateAuthorityRequest.getDefaultInstance()).getPem();
        if (pem.isEmpty()) {
            throw new CliException("kopid has no CA: it makes one when api.listen is set (without api.tls.cert) "
                    + "or clones listen beyond loopback");
        }
        if (file != null) {
            CaCertificate.write(file, pem);
            err().println("wrote kopid's CA certificate to " + file);
        } else {
            out().print(pem);
        }
    }
}
