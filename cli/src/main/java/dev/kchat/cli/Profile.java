package dev.kchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;

/**
 * What {@code kchat login} keeps between runs, in {@code <home>/profile.json} (readable by its owner
 * only: it holds the token): the API's URL, the token, the device name, and the SyncKey (newest
 * inbox seq seen) per user and device, so {@code tail} resumes where the last run stopped.
 */
public final class Profile {

    static final String FILE = "profile.json";

    private final Path file;
    private final ObjectNode json;

    private Profile(Path file, ObjectNode json) {
        this.file = file;
        this.json = json;
    }

    /** The profile in a folder (an empty one if there is none yet). */
    public static Profile in(Path home) {
        Path file = home.resolve(FILE);
        try {
            if (Files.exists(file)) {
                JsonNode read = Api.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
                if (read instanceof ObjectNode object) {
                    return new Profile(file, object);
                }
                throw new IllegalStateException(file + " is not a JSON object: remove it and log in again");
            }
            return new Profile(file, Api.JSON.createObjectNode());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public Optional<String> apiUrl() {
        return text("api_url");
    }

    public Optional<String> token() {
        return text("token");
    }

    public Optional<String> device() {
        return text("device");
    }

    public void login(String apiUrl, String token, String device) {
        json.put("api_url", apiUrl).put("token", token).put("device", device);
    }

    public long syncKey(String user, String device) {
        return json.path("sync_keys").path(user + "/" + device).asLong(0);
    }

    public synchronized void syncKey(String user, String device, long inboxSeq) {
        JsonNode keys = json.get("sync_keys");
        ObjectNode object = keys instanceof ObjectNode o ? o : json.putObject("sync_keys");
        object.put(user + "/" + device, inboxSeq);
    }

    /**
     * Where a connection keeps its device's SyncKey: each new one is noted at once and written at
     * most once a second (so a Ctrl-C loses at most a second of it: those entries come again, and
     * a device is made to take repeats), and by {@link #save()} at the end.
     */
    public java.util.function.LongConsumer syncKeyKeeper(String user, String device) {
        long[] lastWrite = {0};
        return seq -> {
            synchronized (this) {
                syncKey(user, device, seq);
                long now = System.nanoTime();
                if (now - lastWrite[0] > 1_000_000_000L) {
                    lastWrite[0] = now;
                    save();
                }
            }
        };
    }

    /** Writes the profile (atomically: a crash leaves the old one or the new one). */
    public synchronized void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), FILE, ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system (Windows): its default ACL applies
            }
            Files.writeString(tmp, Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private Optional<String> text(String field) {
        JsonNode v = json.get(field);
        return v == null || !v.isTextual() || v.asText().isEmpty() ? Optional.empty() : Optional.of(v.asText());
    }

    /** The user a token is for (its {@code sub}), read without checking the signature (the platform checks it). */
    public static Optional<String> userOf(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode claims = Api.JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            String sub = claims.path("sub").asText("");
            return sub.isEmpty() ? Optional.empty() : Optional.of(sub);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
