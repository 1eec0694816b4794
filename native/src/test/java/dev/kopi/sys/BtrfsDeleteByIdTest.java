package dev.kopi.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Deleting a volume that its owner filled with subvolumes, by subvolume id: the owner cannot
 * redirect the deletion by swapping a directory for a link to another subvolume.
 */
class BtrfsDeleteByIdTest {
    @Test
    void aTreeOfSubvolumesGoesWholeAndALinkedNeighbourStays() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "loop devices and mounts need root");
        try (LoopBtrfs fs = LoopBtrfs.create(256L << 20)) {
            Path a = fs.mnt.resolve("a");
            Path b = fs.mnt.resolve("b");
            Btrfs.createSubvolume(a);
            Btrfs.createSubvolume(b);
            Files.writeString(b.resolve("keep"), "another clone's data");
            Files.createDirectories(a.resolve("x"));
            Btrfs.createSubvolume(a.resolve("x/n1"));
            Btrfs.createSubvolume(a.resolve("x/n1/n2"));
            Btrfs.createSubvolume(a.resolve("n3"));
            long id = BtrfsQuota.subvolumeId(a);
            assertEquals(2, Btrfs.childSubvolumes(fs.mnt, id).size(), "x/n1 and n3 are a's children");
            // the owner swaps the directory holding the nested ones for a link to b
            Files.move(a.resolve("x"), a.resolve("moved"));
            Files.createSymbolicLink(a.resolve("x"), b);

            Btrfs.deleteTreeById(fs.mnt, id);

            assertFalse(Files.exists(a, LinkOption.NOFOLLOW_LINKS), "a and all below it are gone");
            assertTrue(Files.exists(b.resolve("keep")), "b, which the link pointed at, is untouched");
            assertEquals(List.of(), Btrfs.childSubvolumes(fs.mnt, BtrfsQuota.subvolumeId(b)));
        }
    }
}
