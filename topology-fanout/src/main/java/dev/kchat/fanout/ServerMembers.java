package dev.kchat.fanout;

import java.util.Set;
import java.util.TreeSet;

/**
 * The value of {@link FanoutApp#SERVER_MEMBERS_STORE}: a member's role ids, comma-separated, in id order
 * ({@code ""}: only {@code @everyone}). Role ids ({@code <server id>:r<n>}) contain no comma.
 */
final class ServerMembers {

    private ServerMembers() {
    }

    static Set<String> roles(String value) {
        Set<String> out = new TreeSet<>();
        if (value != null && !value.isEmpty()) {
            for (String id : value.split(",")) {
                out.add(id);
            }
        }
        return out;
    }

    static String withRole(String value, String roleId) {
        Set<String> roles = roles(value);
        roles.add(roleId);
        return String.join(",", roles);
    }

    static String withoutRole(String value, String roleId) {
        Set<String> roles = roles(value);
        roles.remove(roleId);
        return String.join(",", roles);
    }
}
