package dev.kchat.api;

/**
 * Request bodies of the servers API ({@code /v1/servers}, JSON, snake_case). Validation lives in
 * {@link ServerCommandFactory}. A field left out of an update is left as it is.
 */
public final class ServerRequests {

    private ServerRequests() {
    }

    /** {@code POST /v1/servers}. */
    public record CreateServer(String name) {
    }

    /** {@code POST /v1/servers/{id}/channels}; {@code type} is text (default), announcement or category. */
    public record CreateChannel(String name, String type, String categoryId, Integer position, String topic) {
    }

    /** {@code PATCH /v1/servers/{id}/channels/{channel}}: rename, move (category, position) or re-topic. */
    public record UpdateChannel(String name, String categoryId, Integer position, String topic) {
    }

    /** {@code POST /v1/servers/{id}/roles}. */
    public record CreateRole(String name, Long permissions, Integer position, Boolean mentionable) {
    }

    /** {@code PATCH /v1/servers/{id}/roles/{role}}. */
    public record UpdateRole(String name, Long permissions, Integer position, Boolean mentionable) {
    }

    /** {@code PUT /v1/servers/{id}/channels/{channel}/overwrites/{kind}/{target}}: bits allowed and denied. */
    public record Overwrite(Long allow, Long deny) {
    }

    /** {@code POST /v1/servers/{id}/invites}: no limit and no expiry when left out. */
    public record CreateInvite(Integer maxUses, Long maxAgeSeconds) {
    }

    /** {@code POST /v1/servers/{id}/kicks/{user}} and {@code PUT /v1/servers/{id}/bans/{user}}. */
    public record Reason(String reason) {
    }
}
