package dev.kopi.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kopid's CA certificate on the client's side. A TLS clone's connection strings name the CA
 * file as {@code sslrootcert}; that path is on kopid's host, so a client elsewhere writes the
 * certificate kopid sent to a file of its own and points the strings there.
 */
public final class CaCertificate {
    private static final Pattern ROOT_CERT = Pattern.compile("([?&]sslrootcert=)[^&]*");

    private CaCertificate() {
    }

    /**
     * Writes {@code pem} to {@code ~/.kopi/ca/SHA.crt} (the directory 0700, the user's own) unless
     * it is there already, and returns the file. The name is the certificate's digest: one file
     * per CA, never another CA's.
     */
    public static Path store(String pem) {
        Path dir = Path.of(System.getProperty("user.home"), ".kopi", "ca");
        Path file = dir.resolve(digest(pem) + ".crt");
        try {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.readString(file).equals(pem)) {
                return file;
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            write(file, pem);
            return file;
        } catch (IOException e) {
            throw new KopiClientException(KopiClientException.Kind.INVALID_ARGUMENT, "cannot keep kopid's CA certificate in "
                    + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code pem} to {@code file} (replacing it), for a user who wants it in a place of their choice. */
    public static Path write(Path file, String pem) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, ".kopi-ca", ".tmp");
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new KopiClientException(KopiClientException.Kind.INVALID_ARGUMENT, "cannot write kopid's CA certificate to "
                    + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code url} with its {@code sslrootcert} parameter naming {@code file}; unchanged if it has none. */
    public static String pointTo(String url, Path file) {
        Matcher m = ROOT_CERT.matcher(url);
        return m.find() ? m.replaceFirst(Matcher.quoteReplacement(m.group(1) + file.toAbsolutePath())) : url;
    }

    private static String digest(String pem) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(pem.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
