package dev.kopi.client.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading migration scripts for a key: directories and jars on the class path, the file system, and what changes a key. */
class MigrationScriptsTest {
    @TempDir
    Path tmp;

    private Path dirWith(String name, String... files) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(name));
        Path migration = Files.createDirectories(root.resolve("db/migration"));
        for (int i = 0; i < files.length; i += 2) {
            Files.writeString(migration.resolve(files[i]), files[i + 1]);
        }
        return root;
    }

    private Path jarWith(String name, String... files) throws IOException {
        Path jar = tmp.resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("db/"));
            out.putNextEntry(new JarEntry("db/migration/"));
            for (int i = 0; i < files.length; i += 2) {
                out.putNextEntry(new JarEntry("db/migration/" + files[i]));
                out.write(files[i + 1].getBytes(StandardCharsets.UTF_8));
            }
        }
        return jar;
    }

    private static ClassLoader loader(Path... entries) throws IOException {
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) {
            urls[i] = entries[i].toUri().toURL();
        }
        return new URLClassLoader(urls, null);
    }

    private static String key(List<String> locations, ClassLoader loader) {
        return MigrationScripts.key("flyway", MigrationScripts.read(locations, loader));
    }

    @Test
    void aDirectoryAndAJarWithTheSameScriptsGiveTheSameKey() throws Exception {
        String[] scripts = {"V1__init.sql", "create table t (id int);", "V2__more.sql", "alter table t add c int;"};
        ClassLoader fromDir = loader(dirWith("d", scripts));
        ClassLoader fromJar = loader(jarWith("j", scripts));

        List<MigrationScripts.Script> read = MigrationScripts.read(List.of("classpath:db/migration"), fromDir);
        assertEquals(List.of("classpath:db/migration:V1__init.sql", "classpath:db/migration:V2__more.sql"),
                read.stream().map(MigrationScripts.Script::name).toList());
        assertEquals(key(List.of("classpath:db/migration"), fromDir), key(List.of("classpath:db/migration"), fromJar));
        assertEquals(key(List.of("classpath:db/migration"), fromDir), key(List.of("db/migration/"), fromDir),
                "the prefix and slashes are Flyway's notation, not part of the content");
    }

    @Test
    void aChangedAddedOrRenamedScriptChangesTheKey() throws Exception {
        String base = key(List.of("classpath:db/migration"), loader(dirWith("a", "V1__init.sql", "create table t (id int);")));

        assertNotEquals(base, key(List.of("classpath:db/migration"),
                loader(dirWith("b", "V1__init.sql", "create table t (id bigint);"))));
        assertNotEquals(base, key(List.of("classpath:db/migration"),
                loader(dirWith("c", "V1__init.sql", "create table t (id int);", "V2__x.sql", "select 1;"))));
        assertNotEquals(base, key(List.of("classpath:db/migration"),
                loader(dirWith("d", "V1__start.sql", "create table t (id int);"))));
        assertNotEquals(base, MigrationScripts.key("liquibase", MigrationScripts.read(List.of("classpath:db/migration"),
                loader(dirWith("e", "V1__init.sql", "create table t (id int);")))), "another tool, another key");
    }

    @Test
    void scriptsOnSeveralClassPathEntriesAreAllRead() throws Exception {
        ClassLoader both = loader(dirWith("a", "V1__a.sql", "a"), jarWith("b", "V2__b.sql", "b"));

        assertEquals(2, MigrationScripts.read(List.of("classpath:db/migration"), both).size());
    }

    @Test
    void aFilesystemLocationIsRead() throws Exception {
        Path root = dirWith("fs", "V1__init.sql", "create table t (id int);");
        String location = "filesystem:" + root.resolve("db/migration");

        List<MigrationScripts.Script> read = MigrationScripts.read(List.of(location), loader());
        assertEquals(1, read.size());
        assertEquals(location + ":V1__init.sql", read.get(0).name());
    }

    @Test
    void aLocationWithNoScriptsIsRefusedNamingIt() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MigrationScripts.read(List.of("classpath:db/migrations"), loader(dirWith("x", "V1__a.sql", "a"))));
        assertTrue(e.getMessage().contains("classpath:db/migrations"), e.getMessage());
    }

    @Test
    void aKeyIsAPreparedSnapshotKey() throws Exception {
        String k = key(List.of("classpath:db/migration"), loader(dirWith("k", "V1__a.sql", "a")));
        assertTrue(k.matches("[a-f0-9]{32}"), k);
        assertEquals(k, key(List.of("classpath:db/migration"), loader(dirWith("k2", "V1__a.sql", "a"))));
    }
}
