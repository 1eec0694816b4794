package dev.kopi.daemon.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.sys.Posix;

/**
 * The API's bearer tokens, kept hashed in a YAML file (root only, 0600) that kopid writes
 * atomically on every change. A revoked token stops working at once; a file edited by hand is
 * read again on the next call after its modification time changes.
 */
public final class Tokens {
    private static final Logger LOG = Logger.getLogger(Tokens.class.getName());
    /** What every secret starts with, so a leaked one is recognizable (and secret scanners can find it). */
    public static final String PREFIX = "kopi_";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    /** The file's shape: plain words, so a person can read and edit it. */
    record File(List<Entry> tokens) {
    }

    /** One token in the file. */
    record Entry(String name, String role, String hash, String created) {
        static Entry of(Token t) {
            return new Entry(t.name(), t.role().word(), t.hash(), t.created() == null ? null : t.created().toString());
        }

        Token token() {
            Names.require("token", name);
            if (hash == null || !hash.matches("sha256:[0-9a-f]{64}")) {
                throw KopiException.invalid("token " + name + " needs a hash sha256:HEX");
            }
            try {
                return new Token(name, Role.of(role), hash, created == null ? null : Instant.parse(created));
            } catch (DateTimeParseException e) {
                throw KopiException.invalid("token " + name + ": created '" + created + "' is not a time");
            }
        }
    }

    private final Path file;
    private final Clock clock;
    private List<Token> tokens = List.of();
    private FileTime loadedMtime;

    public Tokens(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        reloadIfChanged();
    }

    /** The file the tokens are kept in. */
    public Path file() {
        return file;
    }

    /**
     * Makes a token and returns its secret, which is shown this once and never kept.
     *
     * @throws KopiException ALREADY_EXISTS when {@code name} is taken, INVALID_ARGUMENT for a bad name
     */
    public synchronized String create(String name, Role role) {
        Names.require("token", name);
        reloadIfChanged();
        if (tokens.stream().anyMatch(t -> t.name().equals(name))) {
            throw KopiException.exists("token '" + name + "' exists: revoke it first (kopictl token revoke " + name + ")");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        List<Token> next = new ArrayList<>(tokens);
        next.add(new Token(name, role, hash(secret), clock.instant()));
        save(next);
        LOG.info("token " + name + " (" + role.word() + ") created");
        return secret;
    }

    /** Revokes token {@code name}: calls with it fail from now on. */
    public synchronized void revoke(String name) {
        Names.require("token", name);
        reloadIfChanged();
        List<Token> next = new ArrayList<>(tokens);
        if (!next.removeIf(t -> t.name().equals(name))) {
            throw KopiException.notFound("no token named '" + name + "' (kopictl token list shows them)");
        }
        save(next);
        LOG.info("token " + name + " revoked");
    }

    /** The tokens, without secrets (there are none to show). */
    public synchronized List<Token> list() {
        reloadIfChanged();
        return tokens;
    }

    /**
     * The caller a presented secret belongs to. Every kept hash is compared, each in constant
     * time, so the time taken says nothing about how close a guess came or which token matched.
     */
    public Optional<Caller> authenticate(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 200) {
            return Optional.empty();
        }
        List<Token> current;
        synchronized (this) {
            reloadIfChanged();
            current = tokens;
        }
        byte[] presented = hash(secret).getBytes(StandardCharsets.US_ASCII);
        Token match = null;
        for (Token t : current) {
            if (MessageDigest.isEqual(presented, t.hash().getBytes(StandardCharsets.US_ASCII))) {
                match = t;
            }
        }
        return match == null ? Optional.empty() : Optional.of(new Caller(match.name(), match.role()));
    }

    static String hash(String secret) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private void reloadIfChanged() {
        FileTime mtime;
        try {
            mtime = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            tokens = List.of();
            loadedMtime = null;
            return;
        } catch (IOException e) {
            throw KopiException.unavailable("cannot read the tokens file " + file + ": " + e.getMessage());
        }
        if (mtime.equals(loadedMtime)) {
            return;
        }
        try {
            File f = YAML.readValue(file.toFile(), File.class);
            List<Token> read = new ArrayList<>();
            for (Entry e : f == null || f.tokens() == null ? List.<Entry>of() : f.tokens()) {
                read.add(e.token());
            }
            tokens = List.copyOf(read);
            loadedMtime = mtime;
        } catch (IOException | KopiException e) {
            // Keep what was loaded: a half-edited file must not lock everyone out, nor let anyone in.
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            LOG.warning("tokens file " + file + " is not valid, keeping the " + tokens.size() + " tokens read before: "
                    + why);
            loadedMtime = mtime;
        }
    }

    private void save(List<Token> next) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, "# API tokens of kopid, hashed. Managed with kopictl token create|list|revoke.\n"
                    + YAML.writeValueAsString(new File(next.stream().map(Entry::of).toList())));
            Posix.chmod(tmp, 0600);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tokens = List.copyOf(next);
            loadedMtime = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw KopiException.internal("cannot write the tokens file " + file + ": " + e.getMessage(), e);
        }
    }
}
