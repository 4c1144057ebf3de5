package dev.kchat.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of a benchmark main: {@code --name value} pairs, each declared with its
 * default and meaning so {@code --help} lists them. Durations take {@code ms}, {@code s}, {@code m}
 * suffixes; an undeclared option is refused rather than ignored (a typo would silently change a run).
 */
public final class Args {

    private final String usage;
    private final Map<String, String[]> declared = new LinkedHashMap<>();
    private final Map<String, String> given = new HashMap<>();
    private boolean help;

    private Args(String usage) {
        this.usage = usage;
    }

    /** Starts declaring the options of a main; {@code usage} is the first line of {@code --help}. */
    public static Args describe(String usage) {
        return new Args(usage);
    }

    /** Declares an option with its default value (as text) and meaning. */
    public Args option(String name, String defaultValue, String meaning) {
        declared.put(name, new String[] {defaultValue, meaning});
        return this;
    }

    /** Parses {@code --name value} pairs; {@code --help} or {@code -h} sets {@link #helpRequested()}. */
    public Args parse(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --option, got '" + a + "'\n" + help());
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < argv.length) {
                value = argv[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!declared.containsKey(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "\n" + help());
            }
            given.put(name, value);
        }
        return this;
    }

    public boolean helpRequested() {
        return help;
    }

    public String help() {
        StringBuilder out = new StringBuilder(usage).append("\n\nOptions:\n");
        declared.forEach((name, d) -> out.append(String.format("  --%-24s default %-14s %s%n", name, d[0].isEmpty() ? "(none)" : d[0], d[1])));
        return out.toString();
    }

    public String string(String name) {
        String[] d = declared.get(name);
        if (d == null) {
            throw new IllegalStateException("option --" + name + " was not declared");
        }
        return given.getOrDefault(name, d[0]);
    }

    public int integer(String name) {
        try {
            return Integer.parseInt(string(name).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, was '" + string(name) + "'", e);
        }
    }

    public double decimal(String name) {
        try {
            return Double.parseDouble(string(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, was '" + string(name) + "'", e);
        }
    }

    public Duration duration(String name) {
        return parseDuration(name, string(name));
    }

    /** Comma-separated values; empty for an empty option. */
    public List<String> list(String name) {
        List<String> out = new ArrayList<>();
        for (String s : string(name).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** Comma-separated {@code key=value} pairs (e.g. {@code --set}), in order. */
    public Map<String, String> keyValues(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : list(name)) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--" + name + " wants key=value pairs, got '" + kv + "'");
            }
            out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return out;
    }

    /** Sets a declared option as if given on the command line (a scenario adding to {@code --set}). */
    public Args with(String name, String value) {
        if (!declared.containsKey(name)) {
            throw new IllegalArgumentException("unknown option --" + name);
        }
        given.put(name, value);
        return this;
    }

    /** Every declared option with its effective value, for the run's JSON line. */
    public Map<String, String> effective() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : declared.keySet()) {
            out.put(name, string(name));
        }
        return out;
    }

    Set<String> givenNames() {
        return given.keySet();
    }

    static Duration parseDuration(String name, String text) {
        String t = text.trim();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a duration such as 500ms, 30s or 2m, was '" + text + "'", e);
        }
    }
}
