package dev.kopi.daemon.storage.zfs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.kopi.daemon.process.ProcessRunner;

/**
 * Just enough of the zfs command, in memory: datasets with properties, snapshots (in the order
 * they were taken), clones, and promotion of a clone over the dataset it came from.
 */
final class FakeZfs implements ProcessRunner {
    final Map<String, Map<String, String>> datasets = new TreeMap<>();
    final TreeSet<String> snapshots = new TreeSet<>();
    final List<List<String>> calls = new ArrayList<>();
    private final Map<String, Deque<ProcessRunner.Result>> failures = new HashMap<>();
    private final Map<List<String>, ProcessRunner.Result> canned = new HashMap<>();
    private final Map<List<String>, Deque<ProcessRunner.Result>> cannedOnce = new HashMap<>();
    /** When each snapshot was taken (a counter): promotion moves the origin's older snapshots. */
    private final Map<String, Long> taken = new HashMap<>();
    private long clock;
    private boolean broken;

    FakeZfs(String... existing) {
        for (String d : existing) {
            add(d, null);
        }
    }

    void add(String dataset, String origin) {
        Map<String, String> props = new HashMap<>();
        props.put("mountpoint", "/" + dataset);
        if (origin != null) {
            props.put("origin", origin);
        }
        datasets.put(dataset, props);
    }

    /** The next {@code times} calls of subcommand {@code verb} fail with {@code stderr}. */
    void fail(String verb, int times, String stderr) {
        Deque<ProcessRunner.Result> q = failures.computeIfAbsent(verb, k -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            q.add(new Result(List.of("zfs", verb), 1, "", stderr));
        }
    }

    /** Every call of exactly {@code argv} (without the leading "zfs") answers {@code stdout}. */
    void respond(String stdout, String... argv) {
        List<String> full = new ArrayList<>(List.of("zfs"));
        full.addAll(List.of(argv));
        canned.put(full, new Result(full, 0, stdout, ""));
    }

    /** The next call of exactly {@code argv} (without the leading "zfs") answers {@code stdout}. */
    void respondOnce(String stdout, String... argv) {
        List<String> full = new ArrayList<>(List.of("zfs"));
        full.addAll(List.of(argv));
        cannedOnce.computeIfAbsent(full, k -> new ArrayDeque<>()).add(new Result(full, 0, stdout, ""));
    }

    /** Takes a snapshot directly, as something other than Kopi (or an earlier step) would. */
    void snapshot(String name) {
        snapshots.add(name);
        taken.put(name, ++clock);
    }

    /** The datasets cloned from {@code snapshot}. */
    List<String> clonesOf(String snapshot) {
        return datasets.entrySet().stream().filter(e -> snapshot.equals(e.getValue().get("origin")))
                .map(Map.Entry::getKey).toList();
    }

    /** The snapshots of {@code dataset} itself. */
    List<String> snapshotsOf(String dataset) {
        return snapshots.stream().filter(s -> s.startsWith(dataset + "@")).toList();
    }

    /** Every call throws IOException, as if zfs were not installed. */
    void breakBinary() {
        broken = true;
    }

    List<List<String>> callsOf(String verb) {
        return calls.stream().filter(c -> c.get(1).equals(verb)).toList();
    }

    @Override
    public Result run(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) throws IOException {
        calls.add(List.copyOf(argv));
        if (broken) {
            throw new IOException("Cannot run program \"zfs\": error=2, No such file or directory");
        }
        if (!argv.get(0).equals("zfs")) {
            throw new AssertionError("not a zfs command: " + argv);
        }
        Deque<Result> q = failures.get(argv.get(1));
        if (q != null && !q.isEmpty()) {
            return q.poll();
        }
        Deque<Result> once = cannedOnce.get(argv);
        if (once != null && !once.isEmpty()) {
            return once.poll();
        }
        Result answer = canned.get(argv);
        if (answer != null) {
            return answer;
        }
        List<String> a = argv.subList(1, argv.size());
        String last = a.get(a.size() - 1);
        return switch (a.get(0)) {
            case "list" -> list(a, last);
            case "create" -> {
                for (String d = last; d.contains("/"); d = d.substring(0, d.lastIndexOf('/'))) {
                    datasets.computeIfAbsent(d, k -> new HashMap<>(Map.of("mountpoint", "/" + k)));
                }
                yield ok("");
            }
            case "get" -> get(a, last);
            case "snapshot" -> {
                if (!datasets.containsKey(last.substring(0, last.indexOf('@')))) {
                    yield err("dataset does not exist");
                }
                if (snapshots.contains(last)) {
                    yield err("cannot create snapshot '" + last + "': dataset already exists");
                }
                snapshot(last);
                yield ok("");
            }
            case "set" -> {
                String[] kv = a.get(1).split("=");
                datasets.get(last).put(kv[0], kv[1]);
                yield ok("");
            }
            case "rename" -> rename(a.get(a.size() - 2), last);
            case "unmount", "mount" -> {
                if (!datasets.containsKey(last)) {
                    yield err("dataset does not exist");
                }
                datasets.get(last).put("mounted", a.get(0).equals("mount") ? "yes" : "no");
                yield ok("");
            }
            case "clone" -> {
                if (!snapshots.contains(a.get(1))) {
                    yield err("could not find any snapshots to clone");
                }
                add(last, a.get(1));
                yield ok("");
            }
            case "destroy" -> destroy(last, a.contains("-r"));
            case "promote" -> promote(last);
            default -> throw new AssertionError("unexpected zfs command " + argv);
        };
    }

    private Result list(List<String> a, String target) {
        if (a.contains("snapshot")) {
            if (!datasets.containsKey(target)) {
                return err("cannot open '" + target + "': dataset does not exist");
            }
            boolean withClones = a.contains("name,clones");
            List<String> lines = snapshots.stream().filter(s -> s.startsWith(target + "@") || s.startsWith(target + "/"))
                    .sorted(Comparator.comparing(taken::get))
                    .map(s -> withClones ? s + "\t" + (clonesOf(s).isEmpty() ? "-" : String.join(",", clonesOf(s))) : s)
                    .toList();
            return ok(lines.stream().map(l -> l + "\n").collect(Collectors.joining()));
        }
        if (!a.contains("-r")) {
            return datasets.containsKey(target) ? ok(target + "\n") : err("cannot open '" + target + "': dataset does not exist");
        }
        boolean withMountpoint = a.contains("name,mountpoint");
        boolean withOrigin = a.contains("name,origin");
        return ok(datasets.keySet().stream().filter(d -> d.equals(target) || d.startsWith(target + "/"))
                .map(d -> withMountpoint ? d + "\t" + datasets.get(d).get("mountpoint")
                        : withOrigin ? d + "\t" + datasets.get(d).getOrDefault("origin", "-") : d)
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private Result get(List<String> a, String dataset) {
        if (!datasets.containsKey(dataset)) {
            return err("cannot open '" + dataset + "': dataset does not exist");
        }
        if (a.get(1).equals("-Hp")) {
            return ok("1000\n3000\n");
        }
        return ok(datasets.get(dataset).getOrDefault(a.get(a.size() - 2), "-") + "\n");
    }

    private Result rename(String from, String to) {
        if (from.contains("@")) {
            if (!snapshots.contains(from)) {
                return err("could not find any snapshots to rename");
            }
            if (snapshots.contains(to)) {
                return err("cannot rename to '" + to + "': dataset already exists");
            }
            moveSnapshot(from, to);
            return ok("");
        }
        Map<String, String> found = datasets.get(from);
        if (found == null) {
            return err("dataset does not exist");
        }
        if (!"no".equals(found.get("mounted"))) {
            // zfs-fuse refuses to rename a mounted filesystem
            return err("cannot rename '" + from + "': dataset is busy");
        }
        Map<String, String> props = datasets.remove(from);
        datasets.put(to, props);
        props.put("mountpoint", "/" + to);
        for (String s : new ArrayList<>(snapshots)) {
            if (s.startsWith(from + "@")) {
                moveSnapshot(s, to + s.substring(from.length()));
            }
        }
        return ok("");
    }

    /** A snapshot gets another name; its clones follow it. */
    private void moveSnapshot(String from, String to) {
        snapshots.remove(from);
        snapshots.add(to);
        taken.put(to, taken.remove(from));
        for (Map<String, String> props : datasets.values()) {
            if (from.equals(props.get("origin"))) {
                props.put("origin", to);
            }
        }
    }

    /**
     * zfs promote: the snapshots of the clone's origin dataset up to and including its origin
     * snapshot move to the clone, which takes over the origin's own origin; the origin dataset
     * becomes a clone of the moved origin snapshot. Refused when a moved name is taken.
     */
    private Result promote(String clone) {
        Map<String, String> props = datasets.get(clone);
        if (props == null) {
            return err("cannot open '" + clone + "': dataset does not exist");
        }
        String origin = props.get("origin");
        if (origin == null) {
            return err("cannot promote '" + clone + "': not a cloned filesystem");
        }
        String from = origin.substring(0, origin.indexOf('@'));
        long upTo = taken.get(origin);
        List<String> moving = snapshotsOf(from).stream().filter(s -> taken.get(s) <= upTo).toList();
        for (String s : moving) {
            String name = clone + s.substring(from.length());
            if (snapshots.contains(name)) {
                return err("cannot promote '" + clone + "': snapshot name '" + s.substring(from.length() + 1)
                        + "' from origin conflicts with '" + name + "' from target");
            }
        }
        String originsOrigin = datasets.get(from).get("origin");
        for (String s : moving) {
            moveSnapshot(s, clone + s.substring(from.length()));
        }
        if (originsOrigin == null) {
            props.remove("origin");
        } else {
            props.put("origin", originsOrigin);
        }
        datasets.get(from).put("origin", clone + origin.substring(from.length()));
        return ok("");
    }

    private Result destroy(String target, boolean recursive) {
        if (target.contains("@")) {
            if (datasets.values().stream().anyMatch(p -> target.equals(p.get("origin")))) {
                return err("cannot destroy '" + target + "': snapshot has dependent clones");
            }
            taken.remove(target);
            return snapshots.remove(target) ? ok("") : err("could not find any snapshots to destroy");
        }
        if (!datasets.containsKey(target)) {
            return err("dataset does not exist");
        }
        for (String s : snapshots) {
            if (s.startsWith(target + "@") && datasets.values().stream().anyMatch(p -> s.equals(p.get("origin")))) {
                return err("cannot destroy '" + target + "': filesystem has dependent clones");
            }
        }
        if (!recursive && (snapshots.stream().anyMatch(s -> s.startsWith(target + "@"))
                || datasets.keySet().stream().anyMatch(d -> d.startsWith(target + "/")))) {
            return err("filesystem has children");
        }
        snapshots.removeIf(s -> s.startsWith(target + "@"));
        datasets.keySet().removeIf(d -> d.equals(target) || d.startsWith(target + "/"));
        return ok("");
    }

    Path mountpoint(String dataset) {
        return Path.of(datasets.get(dataset).get("mountpoint"));
    }

    private static Result ok(String out) {
        return new Result(List.of("zfs"), 0, out, "");
    }

    private static Result err(String message) {
        return new Result(List.of("zfs"), 1, "", message);
    }

    @Override
    public Process spawn(List<String> argv, Path log) {
        throw new AssertionError("zfs is never spawned");
    }
}
