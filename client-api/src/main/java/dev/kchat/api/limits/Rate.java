package dev.kchat.api.limits;

import java.time.Duration;
import java.util.Locale;

/**
 * A token bucket's size: up to {@code burst} actions at once, refilled evenly at {@code burst}
 * per {@code period}. Written {@code <burst>/<period>} in settings ({@code 30/10s}, {@code 600/1m}),
 * or {@code off} for no limit.
 *
 * @param burst  the bucket's capacity; 0 means no limit ({@link #OFF})
 * @param period the time to refill an empty bucket completely
 */
public record Rate(long burst, Duration period) {

    public static final Rate OFF = new Rate(0, Duration.ZERO);

    public Rate {
        if (burst < 0 || period == null || period.isNegative() || (burst > 0 && period.isZero())) {
            throw new IllegalArgumentException("a rate is a burst of 1 or more per a positive period, or off");
        }
    }

    public boolean off() {
        return burst == 0;
    }

    /** Parses {@code <burst>/<period>} ({@code 30/10s}, {@code 600/1m}, {@code 5/500ms}) or {@code off}. */
    public static Rate parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("off")) {
            return OFF;
        }
        int slash = t.indexOf('/');
        if (slash < 1) {
            throw new IllegalArgumentException("'" + text + "' is not <burst>/<period> (e.g. 30/10s) or off");
        }
        long burst;
        try {
            burst = Long.parseLong(t.substring(0, slash).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the burst is not a whole number", e);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("'" + text + "': the burst must be 1 or more (or the rate off)");
        }
        return new Rate(burst, period(text, t.substring(slash + 1).trim()));
    }

    private static Duration period(String text, String p) {
        String[][] units = {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}};
        for (String[] unit : units) {
            if (p.endsWith(unit[0])) {
                String digits = p.substring(0, p.length() - unit[0].length());
                try {
                    long n = Long.parseLong(digits);
                    if (n > 0) {
                        return Duration.ofMillis(Math.multiplyExact(n, Long.parseLong(unit[1])));
                    }
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new IllegalArgumentException("'" + text + "': the period is not <n>ms|s|m|h", e);
                }
            }
        }
        throw new IllegalArgumentException("'" + text + "': the period is not a positive <n>ms|s|m|h");
    }

    @Override
    public String toString() {
        return off() ? "off" : burst + "/" + period.toMillis() + "ms";
    }
}
