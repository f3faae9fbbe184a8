package dev.tollgate.core.snapshot;

import dev.tollgate.core.authz.Authorizer;
import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.registry.Registry;
import dev.tollgate.core.routing.Routing;

/** Compiles one consistent {@link ConfigSet} into an immutable, indexed {@link MeshSnapshot}. */
public final class SnapshotCompiler {
    private SnapshotCompiler() {
    }

    public static MeshSnapshot compile(ConfigSet config) {
        return new CompiledMeshSnapshot(config, Registry.compile(config), Routing.compile(config),
                Authorizer.compile(config));
    }
}
