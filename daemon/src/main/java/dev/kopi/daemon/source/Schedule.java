package dev.kopi.daemon.source;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import dev.kopi.daemon.core.KopiException;

/**
 * A source's refresh schedule: a cron expression, parsed and evaluated by cron-utils (a kept
 * library rather than a hand-written parser). Five fields are Unix cron (minute hour day month
 * weekday); six put seconds first (Spring style), which tests use to fire every few seconds. The
 * nicknames {@code @hourly @daily @midnight @weekly @monthly @yearly @annually} are accepted.
 * Times are in kopid's time zone, as with cron.
 */
public final class Schedule {
    private static final Map<String, String> NICKNAMES = Map.of(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser SECONDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

    private final String expression;
    private final Cron cron;
    private final ExecutionTime times;

    private Schedule(String expression, Cron cron) {
        this.expression = expression;
        this.cron = cron;
        this.times = ExecutionTime.forCron(cron);
    }

    /** INVALID_ARGUMENT with cron-utils' reason when {@code expression} is not one. */
    public static Schedule parse(String expression) {
        String e = expression == null ? "" : expression.strip();
        String expanded = NICKNAMES.getOrDefault(e.toLowerCase(Locale.ROOT), e);
        int fields = expanded.isEmpty() ? 0 : expanded.split("\\s+").length;
        if (fields != 5 && fields != 6) {
            throw KopiException.invalid("schedule '" + e + "' is not a cron expression: give 5 fields (minute hour "
                    + "day-of-month month day-of-week, e.g. '0 3 * * *' for 03:00 daily), 6 with seconds first, or "
                    + "a nickname such as @daily");
        }
        try {
            Cron c = (fields == 6 ? SECONDS : UNIX).parse(expanded);
            c.validate();
            return new Schedule(e, c);
        } catch (IllegalArgumentException ex) {
            throw KopiException.invalid("schedule '" + e + "' is not a valid cron expression: " + ex.getMessage());
        }
    }

    public String expression() {
        return expression;
    }

    /** The first run strictly after {@code after}, in {@code zone}; empty if it never runs again. */
    public Optional<Instant> next(Instant after, ZoneId zone) {
        return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
    }

    /** e.g. "at 03:00", for people. */
    public String describe() {
        try {
            return CronDescriptor.instance(Locale.UK).describe(cron);
        } catch (RuntimeException e) {
            return expression; // the descriptor does not know every combination; the expression is exact
        }
    }

    @Override
    public String toString() {
        return expression;
    }
}
