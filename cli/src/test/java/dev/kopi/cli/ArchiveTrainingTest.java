package dev.kopi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The training run of kopictl's class-data archive: every command it runs works against its
 * stand-in kopid, so the archive holds what those commands load (a command that fails there,
 * say after a change to kopictl, would leave its classes out and that command slower to start).
 */
class ArchiveTrainingTest {
    @Test
    void everyTrainingCommandSucceeds() throws Exception {
        assertEquals(List.of(), ArchiveTraining.train());
    }
}
