package dev.tollgate.control.push;

import dev.tollgate.api.config.v1.Resource;
import dev.tollgate.control.watch.WatchedSnapshot;
import dev.tollgate.core.model.ProxyRef;
import dev.tollgate.core.model.WorkloadRef;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one proxy is sent: the objects its decisions can depend on, as the core says
 * ({@link dev.tollgate.core.snapshot.MeshSnapshot#dependencies}), plus the {@code istio} ConfigMap, which tells the
 * proxy's loader the mesh settings and root namespace even when it sets nothing a decision reads.
 *
 * @param version   a hash of the resources' sources and JSON: replicas that see the same objects send the same
 *                  version, and a proxy whose view did not change gets no new one
 * @param resources sorted by source
 */
public record ProxyView(String version, List<Resource> resources) {
    /** The sources of the mesh ConfigMap; the watch reads only the {@code istio} one, in the root namespace. */
    static final String CONFIG_MAP_PREFIX = "cluster:ConfigMap/";

    public ProxyView {
        resources = List.copyOf(resources);
    }

    public static ProxyView of(WatchedSnapshot snapshot, ProxyRef.Kind kind, WorkloadRef proxy) {
        Set<String> wanted = snapshot.snapshot().dependencies(kind, proxy);
        List<Resource> out = new ArrayList<>();
        MessageDigest digest = sha256();
        // objects() is sorted by source, so the resources and the hash come out in one order
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(snapshot.objects()).entrySet()) {
            String source = e.getKey();
            if (!wanted.contains(source) && !source.startsWith(CONFIG_MAP_PREFIX)) {
                continue;
            }
            out.add(Resource.newBuilder().setSource(source).setJson(e.getValue())
                    .setResourceVersion(snapshot.resourceVersions().getOrDefault(source, "")).build());
            // lengths first, so that no two different views can write the same bytes
            update(digest, source);
            update(digest, e.getValue());
        }
        return new ProxyView(HexFormat.of().formatHex(digest.digest(), 0, 16), out);
    }

    private static void update(MessageDigest digest, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        digest.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }
}
