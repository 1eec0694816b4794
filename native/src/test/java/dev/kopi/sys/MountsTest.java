package dev.kopi.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MountsTest {
    @Test
    void unescapesOctalSequencesFromMountinfo() {
        assertEquals("/mnt/with space", Mounts.unescape("/mnt/with\\040space"));
        assertEquals("/a\\b", Mounts.unescape("/a\\134b"));
        assertEquals("/plain", Mounts.unescape("/plain"));
        assertEquals("/trailing\\04", Mounts.unescape("/trailing\\04"));
    }

    @Test
    void listsTheRootMount() throws Exception {
        assertTrue(Mounts.list().stream().anyMatch(m -> m.mountPoint().toString().equals("/")));
    }

    @Test
    void ioctlNumbersMatchTheKernelHeaders() {
        assertEquals(0x50009417L, Btrfs.IOC_SNAP_CREATE_V2);
        assertEquals(0x5000940EL, Btrfs.IOC_SUBVOL_CREATE);
        assertEquals(0x5000940FL, Btrfs.IOC_SNAP_DESTROY);
        assertEquals(0x5000943FL, Btrfs.IOC_SNAP_DESTROY_V2);
        assertEquals(0x80089419L, Btrfs.IOC_SUBVOL_GETFLAGS);
        assertEquals(0x4008941AL, Btrfs.IOC_SUBVOL_SETFLAGS);
    }
}
