package dev.kopi.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** mount(2), umount2(2) and the mount table from {@code /proc/self/mountinfo}. */
public final class Mounts {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOATIME = 1024;
    /** Lazy unmount: detach now, clean up when no longer busy. */
    public static final int MNT_DETACH = 2;

    private Mounts() {
    }

    /** One line of the mount table. */
    public record Mount(Path mountPoint, String fsType, String source, String options) {
    }

    public static void mount(String source, Path target, String fsType, long flags, String data) throws SysException {
        String t = target.toString();
        Native.check("mount(" + source + ", " + fsType + ")", t, () -> Native.LIBC.mount(source, t, fsType, flags, data));
    }

    public static void unmount(Path target, int flags) throws SysException {
        String t = target.toString();
        Native.check("umount2", t, () -> Native.LIBC.umount2(t, flags));
    }

    public static List<Mount> list() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            mounts.add(new Mount(Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2]), f[5]));
        }
        return mounts;
    }

    /** The mount whose mount point is exactly {@code path} (the topmost one if stacked). */
    public static Optional<Mount> at(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        Mount found = null;
        for (Mount m : list()) {
            if (m.mountPoint().equals(p)) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
