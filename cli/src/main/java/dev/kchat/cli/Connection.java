package dev.kchat.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every command shares: where the API is, the token, the device, where the profile is
 * kept and whether to print JSON. Each is taken from its option, else its environment variable,
 * else the profile {@code kchat login} saved, else its default.
 */
public final class Connection {

    static final String DEFAULT_API = "http://127.0.0.1:8080";
    static final String DEFAULT_DEVICE = "cli";

    @Option(names = "--api", paramLabel = "URL", defaultValue = "${env:KCHAT_API_URL}",
            description = "the HTTP API (env KCHAT_API_URL; else the profile's; else " + DEFAULT_API + ")")
    String api;

    @Option(names = "--token", paramLabel = "JWT", defaultValue = "${env:KCHAT_TOKEN}",
            description = "the bearer token (env KCHAT_TOKEN; else the profile's)")
    String token;

    @Option(names = "--device", paramLabel = "ID", defaultValue = "${env:KCHAT_DEVICE}",
            description = "this device's id: its SyncKey is kept apart from the user's other devices (env KCHAT_DEVICE; else the profile's; else "
                    + DEFAULT_DEVICE + ")")
    String device;

    @Option(names = "--home", paramLabel = "DIR", defaultValue = "${env:KCHAT_CLI_HOME:-${sys:user.home}/.kchat}",
            description = "where the profile is kept (env KCHAT_CLI_HOME; default ~/.kchat)")
    Path home;

    @Option(names = "--json", description = "print JSON (one object per line) instead of text")
    boolean json;

    private Profile profile;

    Profile profile() {
        if (profile == null) {
            profile = Profile.in(home);
        }
        return profile;
    }

    String apiUrl() {
        return api != null ? api : profile().apiUrl().orElse(DEFAULT_API);
    }

    String deviceId() {
        return device != null ? device : profile().device().orElse(DEFAULT_DEVICE);
    }

    /** The token, or a {@link Failure} saying how to give one. */
    String tokenOrFail() {
        String t = token != null ? token : profile().token().orElse(null);
        if (t == null || t.isBlank()) {
            throw new Failure(ExitCode.UNAUTHORIZED, "no token: run kchat login --token <jwt>, or set KCHAT_TOKEN");
        }
        return t.trim();
    }

    String user() {
        return Profile.userOf(tokenOrFail())
                .orElseThrow(() -> new Failure(ExitCode.UNAUTHORIZED, "the token is not a JWT with a subject"));
    }

    Api api() {
        return new Api(apiUrl(), tokenOrFail());
    }
}
