package dev.kchat.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.EdgeDirectory;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/edge}'s answer, the same at the ingress and the edges. */
class EdgeAnswerTest {

    @Test
    void shouldNameTheUserThePartitionAndTheEdge() throws Exception {
        var location = new EdgeDirectory.Location("alice", 3, Optional.of("ws://10.0.0.7:8090/v1/ws"));
        try (OneHandlerServer server = new OneHandlerServer(ex -> EdgeAnswer.send(ex, location))) {
            HttpResponse<String> r = server.get("/v1/edge");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(r.body()).isEqualTo("{\"user_id\":\"alice\",\"partition\":3,\"edge\":\"ws://10.0.0.7:8090/v1/ws\"}");
        }
    }

    @Test
    void shouldAnswer503NoEdgeWhileNoEdgeOwnsThePartition() throws Exception {
        var location = new EdgeDirectory.Location("alice", 3, Optional.empty());
        try (OneHandlerServer server = new OneHandlerServer(ex -> EdgeAnswer.send(ex, location))) {
            HttpResponse<String> r = server.get("/v1/edge");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"error\":{\"code\":\"no_edge\",\"message\":\"no edge serves partition 3 right now; retry shortly\"}}");
        }
    }
}
