package dev.kopi.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import jnr.ffi.Pointer;

/**
 * Loop devices through {@code /dev/loop-control} and {@code LOOP_CONFIGURE}
 * (falling back to {@code LOOP_SET_FD} + {@code LOOP_SET_STATUS64} on kernels before 5.8).
 */
public final class LoopDevices {
    private static final long LOOP_SET_FD = 0x4C00;
    private static final long LOOP_CLR_FD = 0x4C01;
    private static final long LOOP_SET_STATUS64 = 0x4C04;
    private static final long LOOP_CONFIGURE = 0x4C0A;
    private static final long LOOP_CTL_GET_FREE = 0x4C82;

    /** Detach automatically when the last user (a mount, an open fd) goes away. */
    private static final int LO_FLAGS_AUTOCLEAR = 4;

    /** struct loop_info64 is 232 bytes; lo_flags at 52, lo_file_name[64] at 56. */
    private static final int INFO64_SIZE = 232;
    private static final int INFO64_FLAGS = 52;
    private static final int INFO64_FILE_NAME = 56;
    /** struct loop_config: u32 fd, u32 block_size, loop_info64 info, u64 reserved[8]. */
    private static final int CONFIG_SIZE = 8 + INFO64_SIZE + 64;

    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private LoopDevices() {
    }

    /**
     * A loop device bound to a backing file, with autoclear set. The device stays bound while
     * this handle is open; once something else holds it (a mount), closing the handle is safe and
     * the kernel detaches the device when that mount goes away. Closing it before anything else
     * uses the device detaches it at once, so a failed setup leaks nothing.
     */
    public static final class Attached implements AutoCloseable {
        private final Fd fd;
        private final Path device;

        private Attached(Fd fd, Path device) {
            this.fd = fd;
            this.device = device;
        }

        public Path device() {
            return device;
        }

        @Override
        public void close() {
            fd.close();
        }
    }

    /** Binds {@code image} to a free loop device. */
    public static Attached attach(Path image) throws SysException {
        SysException last = null;
        try (Fd control = Fd.open(Path.of("/dev/loop-control"), LibC.O_RDWR)) {
            for (int attempt = 0; attempt < 16; attempt++) {
                int n = (int) Native.check("ioctl(LOOP_CTL_GET_FREE)", "/dev/loop-control",
                        () -> Native.LIBC.ioctl(control.fd, LOOP_CTL_GET_FREE, 0L));
                Path device = Path.of("/dev/loop" + n);
                waitForNode(device);
                Fd loop = Fd.open(device, LibC.O_RDWR);
                try (Fd file = Fd.open(image, LibC.O_RDWR)) {
                    configure(loop, file, image);
                    return new Attached(loop, device);
                } catch (SysException e) {
                    loop.close();
                    if (e.errno() != Errno.EBUSY) {
                        throw e;
                    }
                    // Another process took this device between GET_FREE and CONFIGURE: ask again.
                    last = e;
                }
            }
        }
        throw last;
    }

    private static void configure(Fd loop, Fd file, Path image) throws SysException {
        Pointer config = Native.allocate(CONFIG_SIZE);
        config.putInt(0, file.fd);
        fillInfo(config, 8, image);
        try {
            Native.check("ioctl(LOOP_CONFIGURE)", loop.path, () -> Native.LIBC.ioctl(loop.fd, LOOP_CONFIGURE, config));
        } catch (SysException e) {
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOTTY) {
                throw e;
            }
            Native.check("ioctl(LOOP_SET_FD)", loop.path, () -> Native.LIBC.ioctl(loop.fd, LOOP_SET_FD, file.fd));
            Pointer info = Native.allocate(INFO64_SIZE);
            fillInfo(info, 0, image);
            try {
                Native.check("ioctl(LOOP_SET_STATUS64)", loop.path,
                        () -> Native.LIBC.ioctl(loop.fd, LOOP_SET_STATUS64, info));
            } catch (SysException statusFailed) {
                Native.LIBC.ioctl(loop.fd, LOOP_CLR_FD, 0L);
                throw statusFailed;
            }
        }
    }

    private static void fillInfo(Pointer p, int offset, Path image) {
        p.putInt(offset + INFO64_FLAGS, LO_FLAGS_AUTOCLEAR);
        byte[] name = image.toString().getBytes(StandardCharsets.UTF_8);
        p.put(offset + INFO64_FILE_NAME, name, 0, Math.min(name.length, 63));
    }

    /** devtmpfs creates /dev/loopN asynchronously after LOOP_CTL_GET_FREE adds a device. */
    private static void waitForNode(Path device) {
        for (int i = 0; i < 100 && !Files.exists(device); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Unbinds {@code device} (or, while it is mounted, marks it to unbind at unmount). */
    public static void detach(Path device) throws SysException {
        try (Fd loop = Fd.open(device, LibC.O_RDWR)) {
            Native.check("ioctl(LOOP_CLR_FD)", device.toString(), () -> Native.LIBC.ioctl(loop.fd, LOOP_CLR_FD, 0L));
        }
    }

    /** The loop device currently backed by {@code image}, if any. */
    public static Optional<Path> findByBackingFile(Path image) throws IOException {
        Path wanted = image.toAbsolutePath().normalize();
        try {
            wanted = image.toRealPath();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(SYS_BLOCK, "loop*")) {
            for (Path dir : dirs) {
                Path backing = dir.resolve("loop/backing_file");
                String text;
                try {
                    text = Files.readString(backing).strip();
                } catch (NoSuchFileException e) {
                    continue; // not bound
                }
                if (Path.of(text).equals(wanted)) {
                    return Optional.of(Path.of("/dev").resolve(dir.getFileName().toString()));
                }
            }
        }
        return Optional.empty();
    }
}
