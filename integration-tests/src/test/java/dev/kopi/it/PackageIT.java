package dev.kopi.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

/**
 * The Debian package on this machine, end to end: {@code scripts/package} makes it from the jars
 * the build made, {@code dpkg -i} installs it, kopid runs exactly as its unit's ExecStart says
 * (these machines have no systemd as PID 1) on a test configuration written to
 * /etc/kopi/kopid.yaml, the installed kopictl makes a clone that answers over JDBC, and
 * {@code dpkg -r}, then {@code dpkg -P}, remove every file of the package and its configuration
 * but no data: the clone keeps running, and a new kopid adopts it from the state and pool left
 * behind. An /etc/kopi that was there before is put aside and restored, the group kopi removed
 * only if this test made it.
 */
class PackageIT {
    private static final Path ETC = Path.of("/etc/kopi");
    private static final Path CONFIG = ETC.resolve("kopid.yaml");
    private static final Path UNIT = Path.of("/lib/systemd/system/kopid.service");
    private static final Path KOPICTL = Path.of("/usr/bin/kopictl");

    @Test
    void installsRunsAndRemovesKeepingTheData() throws Exception {
        assertFalse(installed(), "the kopi package is installed on this machine; this test installs and purges it: "
                + "remove it first (dpkg -P kopi)");
        RunDir run = null;
        SourceCluster demo = null;
        Pool pool = null;
        Kopid kopid = null;
        boolean groupBefore = group().ok();
        Path etcAside = null;
        try {
            run = RunDir.create();
            if (Files.exists(ETC)) {
                etcAside = Path.of(ETC + ".aside-" + RunDir.PREFIX + run.id);
                Files.move(ETC, etcAside);
            }
            demo = SourceCluster.demo(run);
            pool = new BtrfsPool(run);
            int portFirst = 61000 + ThreadLocalRandom.current().nextInt(0, 100) * 10;
            kopid = new Kopid(run, pool, portFirst, portFirst + 9, "socket_group: kopi\n");

            String[] packaged = Sh.ok(Kopid.repo().resolve("scripts/package").toString(), "--no-build", "--out",
                    run.resolve("deb").toString()).strip().split("\n");
            Path deb = Path.of(packaged[packaged.length - 1]);
            assertTrue(Files.isRegularFile(deb) && deb.getFileName().toString().matches("kopi_.*_all\\.deb"), deb.toString());

            dpkg("-i", deb.toString());
            List<Path> files = Arrays.stream(Sh.ok("dpkg-query", "-L", "kopi").split("\n")).map(String::strip)
                    .filter(l -> l.startsWith("/")).map(Path::of).filter(Files::isRegularFile).toList();
            for (String f : List.of("/usr/bin/kopid", "/usr/bin/kopictl", "/opt/kopi/kopid.jar", "/opt/kopi/kopictl.jar",
                    UNIT.toString(), CONFIG.toString())) {
                assertTrue(files.contains(Path.of(f)), f + " is in the package: " + files);
            }
            assertTrue(Files.isRegularFile(Path.of("/opt/kopi/kopictl.jsa")), "postinst made kopictl's class archive");
            assertTrue(group().ok(), "postinst made the group kopi");
            assertEquals("config ok", Sh.ok("/usr/bin/kopid", "--config", CONFIG.toString(), "--check").strip(),
                    "the installed configuration is valid");
            assertTrue(Sh.ok(KOPICTL.toString(), "--version").startsWith("kopictl "));

            List<String> unit = Files.readAllLines(UNIT);
            assertTrue(unit.contains("KillMode=process"), "stopping kopid leaves its clones running: " + unit);
            assertTrue(unit.contains("Restart=on-failure"), unit.toString());
            assertTrue(unit.stream().anyMatch(l -> l.startsWith("After=") && l.contains("local-fs.target")), unit.toString());
            List<String> execStart = unit.stream().filter(l -> l.startsWith("ExecStart=")).map(l -> l.substring(10))
                    .flatMap(l -> Arrays.stream(l.strip().split("\\s+"))).toList();
            assertEquals(List.of("/usr/bin/kopid", "--config", CONFIG.toString()), execStart);

            // the test's configuration where the unit reads it, and kopid as the unit starts it
            Files.copy(kopid.config, CONFIG, StandardCopyOption.REPLACE_EXISTING);
            kopid.start(execStart);
            int kopiGid = Integer.parseInt(group().out().split(":")[2]);
            assertEquals(kopiGid, Files.getAttribute(kopid.socket, "unix:gid"), "the socket is the group kopi's");
            String socket = kopid.socket.toString();
            kopictl("--socket", socket, "source", "add", "demo", "--datadir", demo.dataDir.toString());
            kopictl("--socket", socket, "refresh", "demo");
            String uri = kopictl("--socket", socket, "clone", "demo", "--name", "pkg").strip();
            assertTrue(uri.startsWith("postgresql://"), uri);
            assertTrue(kopictl("--socket", socket, "clones").contains("pkg"));
            // a member of the group kopi may use the socket, anyone else may not
            String nobody = "--reuid=65534";
            assertTrue(Sh.run("setpriv", nobody, "--regid=65534", "--groups=" + kopiGid, "--", KOPICTL.toString(),
                    "--socket", socket, "clones").out().contains("pkg"), "a member of kopi lists the clones");
            Sh.Result stranger = Sh.run("setpriv", nobody, "--regid=65534", "--clear-groups", "--", KOPICTL.toString(),
                    "--socket", socket, "clones");
            assertNotEquals(0, stranger.code(), "a user outside kopi is refused: " + stranger.out());
            String jdbc = kopictl("--socket", socket, "url", "pkg", "--jdbc").strip();
            assertEquals(1000, customers(jdbc), "the clone answers");

            // stop, remove, purge: the package goes, the data stays
            kopid.stop();
            Path state = kopid.state;
            Path clone = pool.path("clones/pkg");
            String removed = dpkg("-r", "kopi");
            for (Path f : files) {
                assertEquals(f.equals(CONFIG), Files.exists(f), f + " after dpkg -r (the conffile stays until purge)");
            }
            assertFalse(Files.exists(Path.of("/opt/kopi")), "/opt/kopi is gone (with the class archive): " + removed);
            assertEquals(1000, customers(jdbc), "removing the package stops no clone");
            String purged = dpkg("-P", "kopi");
            assertFalse(installed());
            assertFalse(Files.exists(ETC), "purge removes the configuration");
            assertTrue(purged.contains("data is kept"), "purge says the data is kept: " + purged);
            for (Path dir : List.of(Path.of("/usr/share/doc/kopi"), Path.of("/etc/systemd/system/multi-user.target.wants/kopid.service"),
                    Path.of("/var/lib/systemd/deb-systemd-helper-enabled/kopid.service.dsh-also"))) {
                assertFalse(Files.exists(dir), dir + " is gone");
            }
            assertTrue(Files.isRegularFile(state.resolve("catalog.json")), "kopid's state is kept");
            assertTrue(pool.exists("clones/pkg") && Files.isDirectory(clone), "the clone's volume is kept");
            assertEquals(1000, customers(jdbc), "purging stops no clone");

            // the state and pool left behind are whole: a kopid from the build adopts the clone
            kopid.start();
            assertTrue(kopid.cli("clones").out().contains("pkg"), "the clone is adopted");
            assertEquals(0, kopid.cli("destroy", "pkg").code());
        } finally {
            Path aside = etcAside;
            boolean madeGroup = !groupBefore;
            RunDir r = run;
            Kopid k = kopid;
            Pool p = pool;
            SourceCluster d = demo;
            new Teardown()
                    .step("package", () -> {
                        if (installed()) {
                            dpkg("-P", "kopi");
                        }
                    })
                    .step("kopid, clones, pool, run directory", () -> Teardown.everything(r, k, p, d))
                    .step("group kopi", () -> {
                        if (madeGroup && group().ok()) {
                            Sh.ok("groupdel", "kopi");
                        }
                    })
                    .step("/etc/kopi", () -> {
                        if (aside != null) {
                            if (Files.exists(ETC)) {
                                Sh.ok("rm", "-rf", ETC.toString());
                            }
                            Files.move(aside, ETC);
                        }
                    })
                    .done();
        }
    }

    private static boolean installed() {
        Sh.Result r = Sh.run("dpkg-query", "-W", "-f=${Status}", "kopi");
        return r.ok() && r.out().contains("installed") && !r.out().contains("not-installed");
    }

    private static Sh.Result group() {
        return Sh.run("getent", "group", "kopi");
    }

    /** The installed kopictl, which must succeed; its output. */
    private static String kopictl(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = KOPICTL.toString();
        System.arraycopy(args, 0, argv, 1, args.length);
        return Sh.ok(argv);
    }

    /** dpkg, which must succeed (waiting out another dpkg or apt holding its lock); its output. */
    private static String dpkg(String... args) throws InterruptedException {
        String[] argv = new String[args.length + 1];
        argv[0] = "dpkg";
        System.arraycopy(args, 0, argv, 1, args.length);
        for (int attempt = 0; ; attempt++) {
            Sh.Result r = Sh.run(argv);
            if (r.ok()) {
                return r.out();
            }
            if (!r.out().contains("lock") || attempt >= 60) {
                throw new AssertionError(String.join(" ", argv) + " exited " + r.code() + ": " + r.out());
            }
            Thread.sleep(1000);
        }
    }

    private static int customers(String jdbc) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM customers")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
