package dev.tollgate.config.gatewayapi;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One accepted parent of a route: Istio's {@code routeParentReference} after {@code filteredReferences}.
 *
 * @param internalName {@code mesh}, or the Istio Gateway made of the listener
 * @param meshHosts    for a mesh parent, the hosts its VirtualServices are for (the ServiceEntry's hosts, or the
 *                     Service's name)
 * @param port         the parentRef's {@code port}, for mesh parents a port match
 * @param listener     for a Gateway parent, its listener
 * @param banned       other listeners' hostnames on the same port and protocol ({@code BannedHostnames})
 * @param refPath      the parentRef's field path, for origins
 */
record Attachment(String internalName, List<String> meshHosts, Optional<Integer> port,
                  Optional<ListenerParent> listener, Set<String> banned, String refPath) {

    static final String MESH = "mesh";

    boolean mesh() {
        return internalName.equals(MESH);
    }
}
