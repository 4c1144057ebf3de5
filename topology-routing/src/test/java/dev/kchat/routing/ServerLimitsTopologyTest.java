package dev.kchat.routing;

import static dev.kchat.servers.permissions.Permission.ADD_REACTIONS;
import static dev.kchat.servers.permissions.Permission.mask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.schemas.Ids;
import org.junit.jupiter.api.Test;

/**
 * What one server may hold is bounded (channels, roles, a channel's overwrites), since decisions
 * scan them and one task serves many servers.
 */
class ServerLimitsTopologyTest extends ServerTopologyFixture {

    @Test
    void shouldRefuseChannelsRolesAndOverwritesBeyondTheirLimits() {
        // Given
        accepted(ServerCommands.createServer(SERVER, OWNER, "Hikers"));

        // When / Then: roles up to the limit, @everyone counted
        for (int i = 1; i < ServerStructureRules.MAX_ROLES; i++) {
            accepted(ServerCommands.createRole(SERVER, OWNER, "role " + i, 0, 1, false));
        }
        rejected(ServerCommands.createRole(SERVER, OWNER, "one too many", 0, 1, false), CommandRules.INVALID_COMMAND);

        // channels up to the limit, the default one counted
        for (int i = 1; i < ServerStructureRules.MAX_CHANNELS; i++) {
            accepted(ServerCommands.createChannel(SERVER, OWNER, "channel " + i, ChannelType.TEXT, null));
        }
        rejected(ServerCommands.createChannel(SERVER, OWNER, "one too many", ChannelType.TEXT, null), CommandRules.INVALID_COMMAND);

        // a channel's overwrites up to the limit; replacing one stays possible
        for (int i = 1; i <= ServerStructureRules.MAX_OVERWRITES; i++) {
            overwrite(GENERAL, OverwriteTarget.ROLE, Ids.serverRole(SERVER, i), 0, mask(ADD_REACTIONS));
        }
        rejected(ServerCommands.overwrite(SERVER, OWNER, GENERAL, OverwriteTarget.ROLE, Ids.serverRole(SERVER, 200), 0, mask(ADD_REACTIONS)),
                CommandRules.INVALID_COMMAND);
        accepted(ServerCommands.overwrite(SERVER, OWNER, GENERAL, OverwriteTarget.ROLE, Ids.serverRole(SERVER, 1), mask(ADD_REACTIONS), 0));
        accepted(ServerCommands.deleteChannel(SERVER, OWNER, Ids.serverChannel(SERVER, 2)));
        accepted(ServerCommands.createChannel(SERVER, OWNER, "room again", ChannelType.TEXT, null));
        assertThat(this.<dev.kchat.routing.state.ServerMeta>store(RoutingApp.SERVERS_STORE).get(SERVER).getNextChannel())
                .as("ids are never reused").isEqualTo(ServerStructureRules.MAX_CHANNELS + 2);
        assertNoMoreRecords();
    }
}
