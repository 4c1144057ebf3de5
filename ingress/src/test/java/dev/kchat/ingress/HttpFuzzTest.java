package dev.kchat.ingress;

import static dev.kchat.store.TestEvents.created;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.api.auth.TokenMinter;
import dev.kchat.api.fuzz.FuzzInputs;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based tests of the HTTP API (issue 15) on a real ingress and broker: random and mutated JSON,
 * random bytes, huge and deeply nested bodies, random Unicode, to the command endpoints and in path and
 * query parameters. Never a 5xx; every refusal a 4xx with a machine code; nothing produced for a refused
 * request (the commands on the fuzzed conversation are exactly the accepted ones, then the marker); the
 * ingress stays ready. Tries are few (each is a real HTTP round trip): a sample, not a proof.
 */
class HttpFuzzTest {

    private static final String GROUP = "g-fuzz";
    private static final List<String> VALID = List.of(
            "{\"client_msg_id\":\"m-1\",\"body\":\"hi\",\"mentions\":[\"bob\"],\"reply_to_seq\":3}",
            "{\"client_msg_id\":\"m-2\",\"attachments\":[{\"url\":\"https://cdn.example/a.jpg\",\"mime_type\":\"image/jpeg\",\"size_bytes\":10}]}",
            "{\"user_ids\":[\"dave\"]}", "{\"seq\":1}", "{\"kind\":\"group\",\"name\":\"team\",\"members\":[\"bob\"]}",
            "{\"name\":\"crew\",\"permissions\":1024,\"position\":2,\"mentionable\":true}", "{\"max_uses\":3,\"max_age_seconds\":600}",
            "{\"name\":\"news\",\"type\":\"announcement\",\"category_id\":\"" + "sv:00000000-0000-4000-8000-00000000f022:c1\"}");
    /** alice's server (stored), whose routes are fuzzed too. */
    private static final String SERVER = "sv:00000000-0000-4000-8000-00000000f022";
    /** Requests that produce to chat.commands under GROUP, and the accepted ones among them. */
    private static final AtomicInteger ACCEPTED_ON_GROUP = new AtomicInteger();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = new TokenMinter(TestIngress.SECRET, null).mint("alice", Duration.ofHours(1));

    private static TestIngress ingress;
    private static ApiClient api;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeContainer
    static void start() {
        Map<String, String> settings = new HashMap<>();
        for (String limit : List.of("send", "create_conversation", "member_change", "presence_subscribe")) {
            settings.put("limits.rate." + limit + ".user", "off");
            settings.put("limits.rate." + limit + ".address", "off");
        }
        ingress = TestIngress.start("ingress_fuzz", settings);
        api = new ApiClient(TestIngress.SECRET, ingress::port);
        ingress.store(created(GROUP, ConversationKind.GROUP, "alice", "bob"));
        ingress.storeServer(dev.kchat.events.chat.ConversationEvent.newBuilder().setConversationId(SERVER).setSeq(1).setEventId("e-1")
                .setActorId("alice").setOccurredAt(java.time.Instant.parse("2026-11-26T10:00:00Z"))
                .setPayload(dev.kchat.events.chat.ServerCreated.newBuilder().setName("fuzz").setOwnerId("alice")
                        .setEveryoneRole(dev.kchat.events.common.ServerRole.newBuilder().setRoleId(SERVER).setName("@everyone")
                                .setPermissions(dev.kchat.servers.permissions.Permission.DEFAULT_EVERYONE).setPosition(0).build())
                        .setDefaultChannel(dev.kchat.events.common.ServerChannel.newBuilder().setChannelId(SERVER + ":c1").setName("general")
                                .setType(dev.kchat.events.common.ChannelType.TEXT).build()).build()).build());
    }

    @AfterContainer
    static void stop() throws Exception {
        if (ingress == null) {
            return; // start() failed, and jqwik reports why
        }
        try {
            // Nothing refused was produced: before the marker, the group's commands are the accepted ones
            api.call("alice", "POST", "/v1/conversations/" + GROUP + "/messages", "{\"client_msg_id\":\"marker\",\"body\":\"end\"}", 202);
            List<ChatCommand> commands = ingress.recordsUpTo(ingress.topics().commands(), GROUP,
                    c -> c.getPayload() instanceof SendMessage s && s.getClientMsgId().equals("marker"));
            assertThat(commands).hasSize(ACCEPTED_ON_GROUP.get() + 1);
            // And the ingress is still ready
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ingress.adminPort() + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
        } finally {
            ingress.close();
        }
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.oneOf(FuzzInputs.texts(VALID, 70_000).map(FuzzInputs::utf8), FuzzInputs.bytes(500));
    }

    @Provide
    Arbitrary<String> commandPaths() {
        return Arbitraries.of("/v1/conversations/" + GROUP + "/messages", "/v1/conversations/" + GROUP + "/members",
                "/v1/conversations", "/v1/conversations/" + GROUP + "/read", "/v1/servers", "/v1/servers/" + SERVER + "/channels",
                "/v1/servers/" + SERVER + "/roles", "/v1/servers/" + SERVER + "/invites", "/v1/servers/" + SERVER + "/channels/" + SERVER
                        + ":c1/read", "/v1/conversations/" + SERVER + ":c1/messages");
    }

    private HttpResponse<String> send(String method, String pathAndQuery, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingress.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertAnsweredWithoutServerError(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isLessThan(500);
        if (r.statusCode() >= 400) {
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).as(r.body()).isNotBlank();
        }
    }

    @Property(tries = 120)
    void shouldAnswerAnyBodyToACommandEndpointWithoutA5xx(@ForAll("commandPaths") String path, @ForAll("bodies") byte[] body)
            throws Exception {
        HttpResponse<String> r = send("POST", path, body);
        assertAnsweredWithoutServerError(r);
        // Only the group's own command paths produce under GROUP (the server channel's /messages does not)
        boolean producesUnderGroup = path.startsWith("/v1/conversations/" + GROUP + "/")
                && (path.endsWith("/messages") || path.endsWith("/members"));
        if (producesUnderGroup && r.statusCode() / 100 == 2) {
            ACCEPTED_ON_GROUP.incrementAndGet();
        }
    }

    @Property(tries = 80)
    void shouldAnswerAnyPathSegmentOrQueryValueWithoutA5xx(@ForAll("segments") String segment,
            @ForAll("readTemplates") String template) throws Exception {
        String encoded = URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
        HttpResponse<String> r = send("GET", template.replace("{}", encoded), new byte[0]);
        assertAnsweredWithoutServerError(r);
    }

    @Provide
    Arbitrary<String> segments() {
        return Arbitraries.oneOf(FuzzInputs.unicode(60), Arbitraries.of("-1", "0", "9223372036854775808", "1e3", "%", "..", "g-fuzz",
                "null", " ", "\u0000"), Arbitraries.strings().withCharRange('0', '9').ofMinLength(15).ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> readTemplates() {
        return Arbitraries.of("/v1/conversations/{}/messages", "/v1/conversations/" + GROUP + "/messages?before={}",
                "/v1/conversations/" + GROUP + "/messages?after={}&limit={}", "/v1/conversations/" + GROUP + "/messages/{}",
                "/v1/conversations/" + GROUP + "/messages/{}/receipts", "/v1/sync?since={}", "/v1/conversations/{}/members",
                "/v1/conversations?limit={}", "/v1/servers/{}", "/v1/servers/{}/channels", "/v1/servers/" + SERVER + "/members?offset={}&limit={}",
                "/v1/servers/" + SERVER + "/channels/{}/messages", "/v1/servers/" + SERVER + "/channels/" + SERVER + ":c1/messages?before={}",
                "/v1/servers/" + SERVER + "/invites", "/v1/servers/" + SERVER + "/bans");
    }

    @Example
    void shouldStillAnswerAValidSendAfterTheFuzz() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/conversations/" + GROUP + "/messages",
                FuzzInputs.utf8("{\"client_msg_id\":\"after-fuzz\",\"body\":\"still here\"}"));
        assertThat(r.statusCode()).isEqualTo(202);
        ACCEPTED_ON_GROUP.incrementAndGet();
    }
}
