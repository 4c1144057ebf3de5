package dev.kchat.service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Configuration of a component, looked up by dotted key (e.g. {@code kafka.bootstrap.servers}).
 *
 * <p>Precedence, highest first: JVM system property ({@code -Dkafka.bootstrap.servers=...}),
 * environment variable ({@code KCHAT_KAFKA_BOOTSTRAP_SERVERS}: prefix {@code KCHAT_}, upper
 * case, dots and dashes as underscores), the properties file named by {@code KCHAT_CONFIG} or
 * {@code -Dkchat.config}, then the default the caller documents at the call site.
 *
 * <p>Immutable; components read it once at start into their typed config records.
 */
public final class Settings {

    /** Environment variable prefix of every setting. */
    public static final String ENV_PREFIX = "KCHAT_";
    /** Setting that names an optional properties file. */
    public static final String CONFIG_FILE_KEY = "kchat.config";

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** Settings from this process: system properties, environment, optional properties file. */
    public static Settings fromEnvironment() {
        return layered(System.getenv(), System.getProperties());
    }

    /** Settings from explicit sources, for tests and embedding. Same precedence as {@link #fromEnvironment()}. */
    public static Settings layered(Map<String, String> env, Properties systemProperties) {
        Map<String, String> merged = new HashMap<>();
        String file = Optional.ofNullable(systemProperties.getProperty(CONFIG_FILE_KEY))
                .orElse(env.get(envName(CONFIG_FILE_KEY)));
        if (file != null) {
            merged.putAll(readFile(Path.of(file)));
        }
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                merged.put(keyOf(name), value);
            }
        });
        systemProperties.stringPropertyNames().forEach(k -> merged.put(k, systemProperties.getProperty(k)));
        return new Settings(merged);
    }

    /** Settings holding exactly these dotted keys. */
    public static Settings of(Map<String, String> values) {
        return new Settings(values);
    }

    /** A copy with these keys set on top. */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        merged.putAll(overrides);
        return new Settings(merged);
    }

    /** The environment variable that sets a dotted key. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String keyOf(String envName) {
        return envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public Optional<String> find(String key) {
        String value = values.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String string(String key, String defaultValue) {
        return find(key).orElse(defaultValue);
    }

    public String required(String key) {
        return find(key).orElseThrow(() -> new ConfigException(
                key, "is required (set " + envName(key) + " or -D" + key + ")"));
    }

    public int integer(String key, int defaultValue) {
        return find(key).map(v -> parse(key, v, Integer::parseInt)).orElse(defaultValue);
    }

    public long longValue(String key, long defaultValue) {
        return find(key).map(v -> parse(key, v, Long::parseLong)).orElse(defaultValue);
    }

    public boolean bool(String key, boolean defaultValue) {
        return find(key).map(v -> parse(key, v, s -> {
            if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(s);
            }
            throw new IllegalArgumentException("expected true or false");
        })).orElse(defaultValue);
    }

    /** A duration as ISO-8601 ({@code PT30S}) or a number with unit: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}. */
    public Duration duration(String key, Duration defaultValue) {
        return find(key).map(v -> parse(key, v, Settings::parseDuration)).orElse(defaultValue);
    }

    /** All keys under a prefix, with the prefix removed (e.g. {@code kafka.producer.} for client overrides). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    static Duration parseDuration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        }
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expected a number with unit ms, s, m, h or d");
        }
        long n = Long.parseLong(s.substring(0, i));
        return switch (s.substring(i)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("unknown unit '" + s.substring(i) + "', expected ms, s, m, h or d");
        };
    }

    private static <T> T parse(String key, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new ConfigException(key, "has invalid value '" + value + "': " + e.getMessage());
        }
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new ConfigException(CONFIG_FILE_KEY, "cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    /** A setting is missing or malformed; the message names the key and how to set it. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String key, String problem) {
            super("setting " + key + " " + problem);
        }
    }
}
