package dev.kopi.daemon.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.logging.Logger;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Posix;

/**
 * kopid's own certificate authority, made on first use in {@code STATE/tls}: {@code ca.key}
 * (root's, 0600) and {@code ca.crt} (0644, what clients pin). It issues the API's server
 * certificate (unless one is configured) and each TLS clone's. Keys are EC P-256: quick to make
 * (a clone gets its own in about a millisecond) and read by everything involved.
 */
public final class CertificateAuthority {
    private static final Logger LOG = Logger.getLogger(CertificateAuthority.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Clocks of clients may be behind kopid's. */
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final Issued ca;
    private final Path caFile;
    private final Clock clock;

    private CertificateAuthority(Issued ca, Path caFile, Clock clock) {
        this.ca = ca;
        this.caFile = caFile;
        this.clock = clock;
    }

    /**
     * The CA in {@code dir}, made there if it has none yet. A key without its certificate (kopid
     * killed between the two writes) is made again: nothing was issued with it.
     */
    public static CertificateAuthority open(Path dir, Clock clock) {
        Path key = dir.resolve("ca.key");
        Path crt = dir.resolve("ca.crt");
        try {
            if (Files.isSymbolicLink(dir)) {
                throw KopiException.precondition(dir + " is a symbolic link; kopid keeps its CA only in a directory of its own");
            }
            Files.createDirectories(dir);
            Posix.chown(dir, 0, 0);
            Posix.chmod(dir, 0755);
            if (Files.isRegularFile(key, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(crt, LinkOption.NOFOLLOW_LINKS)) {
                PrivateKey k = Pem.readPrivateKey(key);
                X509Certificate c = Pem.certificates(Files.readString(crt), crt.toString()).get(0);
                return new CertificateAuthority(new Issued(k, List.of(c)), crt, clock);
            }
            Issued made = makeCa(clock.instant());
            write(key, made.keyPem(), 0600);
            write(crt, made.chainPem(), 0644);
            LOG.info("made a certificate authority for TLS; clients pin its certificate " + crt);
            return new CertificateAuthority(made, crt, clock);
        } catch (IOException e) {
            throw KopiException.internal("cannot set up the certificate authority in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Where the CA certificate is, for clients on this host. */
    public Path certificateFile() {
        return caFile;
    }

    /** The CA certificate as PEM, what a client pins. */
    public String certificatePem() {
        return Pem.certificate(ca.chain().get(0));
    }

    /**
     * A server certificate for {@code names} (host names or IP addresses; the first is also its
     * common name), valid for {@code validity}, with a new key.
     */
    public Issued issue(List<String> names, Duration validity) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a certificate names at least one host");
        }
        try {
            KeyPair pair = newKeyPair();
            Instant now = clock.instant();
            X509Certificate caCert = ca.chain().get(0);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)), name("kopi " + names.get(0)), pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, alternativeNames(names));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            return new Issued(pair.getPrivate(), List.of(sign(b, ca.key()), caCert));
        } catch (GeneralSecurityException | CertIOException e) {
            throw KopiException.internal("cannot issue a certificate for " + names + ": " + e.getMessage(), e);
        }
    }

    /** The names a server certificate of this host should carry: {@code wanted} first, then this host's own. */
    public static List<String> hostNames(List<String> wanted) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String w : wanted) {
            if (w != null && !w.isBlank() && !isWildcard(w)) {
                names.add(w.strip());
            }
        }
        try {
            InetAddress local = InetAddress.getLocalHost();
            names.add(local.getHostName());
            names.add(local.getCanonicalHostName());
        } catch (IOException e) {
            LOG.fine("no host name: " + e.getMessage());
        }
        names.add("localhost");
        names.add("127.0.0.1");
        names.add("::1");
        return new ArrayList<>(names);
    }

    private static boolean isWildcard(String host) {
        return host.equals("*") || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static Issued makeCa(Instant now) throws IOException {
        try {
            KeyPair pair = newKeyPair();
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
            X500Name subject = name("Kopi CA " + host + " " + Long.toHexString(RANDOM.nextLong() & 0xffffffffL));
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            // pathlen 0: it signs servers, never another CA
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new Issued(pair.getPrivate(), List.of(sign(b, pair.getPrivate())));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a CA key: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey by) throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(by);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static GeneralNames alternativeNames(List<String> names) {
        List<GeneralName> out = new ArrayList<>();
        for (String n : names) {
            String bare = n.startsWith("[") && n.endsWith("]") ? n.substring(1, n.length() - 1) : n;
            out.add(isAddress(bare) ? new GeneralName(GeneralName.iPAddress, bare) : new GeneralName(GeneralName.dNSName, bare));
        }
        return new GeneralNames(out.toArray(GeneralName[]::new));
    }

    private static boolean isAddress(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9A-Fa-f:.]+"));
    }

    private static X500Name name(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).addRDN(BCStyle.O, "Kopi").build();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static void write(Path file, String content, int mode) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        // Born 0600 (a key is never readable by others, not even for a moment), then opened up if meant to be.
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content);
        Posix.chmod(tmp, mode);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
