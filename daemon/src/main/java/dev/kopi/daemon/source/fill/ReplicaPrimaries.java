package dev.kopi.daemon.source.fill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.core.Names;
import dev.kopi.daemon.process.ProcessRunner;
import dev.kopi.daemon.source.Conninfo;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.storage.VolumeId;
import dev.kopi.sys.Posix;

/**
 * What kopid remembers of the primary of each seeded replica source that has a slot: its
 * connection string without the password, and the slot's name, one file per source in a
 * directory of the state directory that is root's alone. A source removed from the configuration
 * file is simply not there at kopid's next start, and its volumes go; but its slot would stay on
 * the primary, keeping WAL there until the primary's disk fills. So at start, before those
 * volumes go, kopid stops the standby of every remembered source that is no longer a source and
 * drops its slot, reaching the primary with the password file the standby used (still in the
 * source's archive volume). A primary that cannot be reached is logged with the statement to run
 * there.
 */
public final class ReplicaPrimaries {
    private static final Logger LOG = Logger.getLogger(ReplicaPrimaries.class.getName());
    /** How long a dropped standby's wal sender may keep the slot active. */
    private static final int DROP_TRIES = 40;

    private final Path dir;
    private final Staging staging;

    /** @param dir where the records are kept (made root's, 0700, when first needed) */
    ReplicaPrimaries(Path dir, Staging staging) {
        this.dir = dir;
        this.staging = staging;
    }

    /** A source's primary as remembered: the slot and the connection string without its password. */
    record Primary(String slot, String conninfo) {
    }

    /** Remembers the primary of a seeded replica source (nothing for one without a slot). */
    void remember(Source source) {
        String slot = source.settings().slot();
        if (slot == null || slot.isEmpty()) {
            forget(source.name());
            return;
        }
        // psql needs a database; a replication connection string often names none (as SourceServer)
        Conninfo c = source.conninfo().get("dbname") == null ? source.conninfo().withDatabase("postgres")
                : source.conninfo();
        String text = slot + "\n" + c.withoutPassword() + "\n";
        Path file = dir.resolve(source.name());
        try {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.readString(file).equals(text)) {
                return;
            }
            Files.createDirectories(dir);
            Posix.chmod(dir, 0700);
            // Whole or not at all: written aside, then renamed over the old one.
            Path tmp = dir.resolve("." + source.name() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warning("cannot remember the primary of " + source.name() + " (if the source is taken out of the "
                    + "configuration, its slot " + slot + " stays on the primary): " + e.getMessage());
        }
    }

    /** Forgets a source's primary: its slot was dropped or deliberately left. */
    void forget(String source) {
        try {
            Files.deleteIfExists(dir.resolve(source));
        } catch (IOException e) {
            LOG.warning("cannot forget the primary of " + source + ": " + e.getMessage());
        }
    }

    /** The remembered primary of {@code source}, if any. */
    Optional<Primary> recalled(String source) {
        Path file = dir.resolve(source);
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.size() < 2 ? Optional.empty() : Optional.of(new Primary(lines.get(0), lines.get(1)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * For every remembered replica source that {@code isSource} no longer knows: stops its
     * standby and drops its slot on the primary, then forgets it. Returns how many slots were
     * dropped. Call at start, before orphaned volumes are removed.
     */
    public int dropSlotsOfRemoved(Predicate<String> isSource) {
        List<String> names;
        try (Stream<Path> files = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList();
        } catch (IOException e) {
            LOG.warning("cannot read " + dir + ": " + e.getMessage());
            return 0;
        }
        int dropped = 0;
        for (String name : names) {
            if (isSource.test(name)) {
                continue;
            }
            try {
                Names.require("source", name);
            } catch (KopiException e) {
                forget(name);
                continue;
            }
            Optional<Primary> p = recalled(name);
            if (p.isPresent() && drop(name, p.get())) {
                dropped++;
            }
            forget(name);
        }
        return dropped;
    }

    private boolean drop(String source, Primary p) {
        Path standby = staging.backend.path(VolumeId.replica(source, Standby.DATA));
        Path passfile = staging.backend.path(VolumeId.replica(source, Standby.WAL)).resolve("primary.pass");
        String statement = "SELECT pg_drop_replication_slot('" + p.slot() + "')";
        try {
            if (Files.isDirectory(standby, LinkOption.NOFOLLOW_LINKS)) {
                staging.instances.stop(standby); // its wal sender lets the slot go a moment later
            }
            String sql = "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                    + p.slot() + "' AND NOT active; SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                    + p.slot() + "'";
            ProcessRunner.Result r = null;
            for (int i = 0; i < DROP_TRIES; i++) {
                r = staging.tools.run(staging.tools.binaries().newest(), "psql", List.of("-X", "-q", "-A", "-t",
                        "-v", "ON_ERROR_STOP=1", "-d", p.conninfo() + " passfile='" + passfile + "' connect_timeout=10",
                        "-c", sql), Map.of(), Duration.ofSeconds(30));
                if (r.ok() && r.stdout().strip().endsWith("0")) {
                    LOG.info("source " + source + " is no longer configured: dropped its replication slot " + p.slot()
                            + " on the primary");
                    return true;
                }
                if (!r.ok()) {
                    break; // unreachable, or the password file is gone: retrying changes nothing
                }
                Thread.sleep(250);
            }
            LOG.warning("source " + source + " is no longer configured, and its replication slot " + p.slot()
                    + " could not be dropped on the primary (" + (r == null ? "" : r.describe()) + "): it keeps WAL "
                    + "there until dropped; run " + statement + " on the primary");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warning("source " + source + " is no longer configured, and its replication slot " + p.slot()
                    + " could not be dropped (" + e.getMessage() + "); run " + statement + " on the primary");
        }
        return false;
    }
}
