package dev.kchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile kept between runs: the login, a SyncKey per user and device, readable by its owner only. */
class ProfileTest {

    @TempDir
    Path home;

    @Test
    void shouldKeepTheLoginAndOneSyncKeyPerUserAndDeviceAcrossRuns() throws Exception {
        // Given a login and SyncKeys of two users on the same device name, and of another device
        Profile p = Profile.in(home);
        p.login("http://api.test:8080", "t.o.k", "laptop");
        p.syncKey("alice", "cli", 7);
        p.syncKey("bob", "cli", 2);
        p.syncKey("alice", "phone", 40);
        p.save();

        // When the next run reads it
        Profile next = Profile.in(home);

        // Then each has its own, a device never seen starts at 0, and only the owner can read the file
        assertThat(next.apiUrl()).contains("http://api.test:8080");
        assertThat(next.token()).contains("t.o.k");
        assertThat(next.device()).contains("laptop");
        assertThat(next.syncKey("alice", "cli")).isEqualTo(7);
        assertThat(next.syncKey("bob", "cli")).isEqualTo(2);
        assertThat(next.syncKey("alice", "phone")).isEqualTo(40);
        assertThat(next.syncKey("carol", "cli")).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(Profile.FILE)))).isEqualTo("rw-------");
    }

    @Test
    void shouldReadTheUserFromATokensSubjectAndRefuseWhatIsNotAJwt() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString("{\"sub\":\"alice\"}".getBytes(StandardCharsets.UTF_8)) + ".sig";

        assertThat(Profile.userOf(token)).contains("alice");
        assertThat(Profile.userOf("not-a-token")).isEmpty();
        assertThat(Profile.userOf("a.%%%.c")).isEmpty();
    }
}
