package dev.tollgate.control.watch;

import dev.tollgate.core.snapshot.MeshSnapshot;

import java.util.Map;
import java.util.Objects;

/**
 * A snapshot the watch published.
 *
 * @param version          counts up by one with every snapshot this replica publishes; replicas count on their own,
 *                         so {@code resourceVersions} is what says which cluster state two snapshots came from
 * @param resourceVersions every object it was built from ({@code cluster:KIND/NS/NAME}) and the resourceVersion that
 *                         counted, the last accepted one for an object whose newer version was refused
 * @param objects          the same objects, each as the JSON the loader read it from (by the same keys): what the
 *                         config push sends a proxy, so that the proxy loads exactly what this snapshot was built of
 */
public record WatchedSnapshot(long version, Map<String, String> resourceVersions, Map<String, String> objects,
                              MeshSnapshot snapshot) {
    public WatchedSnapshot {
        resourceVersions = Map.copyOf(resourceVersions);
        objects = Map.copyOf(objects);
        Objects.requireNonNull(snapshot, "snapshot");
    }
}
