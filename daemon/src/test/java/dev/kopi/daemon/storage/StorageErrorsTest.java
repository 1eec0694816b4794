package dev.kopi.daemon.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kopi.daemon.core.KopiException;
import dev.kopi.sys.Errno;
import dev.kopi.sys.SysException;

class StorageErrorsTest {
    private static SysException sys(int errno, String reason) {
        return new SysException("ioctl(BTRFS_IOC_SNAP_CREATE_V2)", "/pool/clones/a", errno, reason);
    }

    @Test
    void enospcIsResourceExhaustedWithAdvice() {
        KopiException e = StorageErrors.wrap("clone prod", sys(Errno.ENOSPC, "No space left on device"));
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains("pool is full while trying to clone prod"), e.getMessage());
        assertTrue(e.getMessage().contains("errno 28"), e.getMessage());
    }

    @Test
    void noSpaceErrnoCountsEvenWithAnUnusualReason() {
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, StorageErrors.wrap("x", sys(Errno.ENOSPC, "odd")).kind());
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, StorageErrors.wrap("x", sys(Errno.EDQUOT, "odd")).kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"write failed: No space left on device", "cannot create 'tank/x': out of space",
            "NO SPACE LEFT ON DEVICE", "Disk quota exceeded"})
    void noSpaceMessagesFromToolsAreResourceExhausted(String message) {
        KopiException e = StorageErrors.wrap("snapshot", new IOException(message));
        assertEquals(KopiException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void eexistIsAlreadyExists() {
        KopiException e = StorageErrors.wrap("create clones/a", sys(Errno.EEXIST, "File exists"));
        assertEquals(KopiException.Kind.ALREADY_EXISTS, e.kind());
        assertTrue(e.getMessage().startsWith("cannot create clones/a: "), e.getMessage());
    }

    @Test
    void otherSystemErrorsAreInternalAndKeepTheCause() {
        SysException cause = sys(Errno.EIO, "Input/output error");
        KopiException e = StorageErrors.wrap("destroy clones/a", cause);
        assertEquals(KopiException.Kind.INTERNAL, e.kind());
        assertSame(cause, e.getCause());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
    }

    @Test
    void plainIoErrorsAreInternal() {
        assertEquals(KopiException.Kind.INTERNAL, StorageErrors.wrap("x", new IOException("Permission denied")).kind());
        assertEquals(KopiException.Kind.INTERNAL, StorageErrors.wrap("x", new IOException((String) null)).kind());
    }

    @Test
    void isNoSpaceMessageToleratesNullAndIgnoresOthers() {
        assertFalse(StorageErrors.isNoSpaceMessage(null));
        assertFalse(StorageErrors.isNoSpaceMessage("dataset is busy"));
        assertTrue(StorageErrors.isNoSpaceMessage("ERROR: could not extend file: No space left on device"));
    }
}
