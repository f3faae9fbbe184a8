package dev.tollgate.core.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The core's packages run one way: shared value types ({@code model}), then the service registry and the
 * authorizer, then routing (which reads registry hosts), then analysis (which reads all three compiled), and
 * last {@code snapshot}, the only API the proxies and the CLI call besides {@code model}.
 */
class CoreLayersTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tollgate.core");

    @Test
    void layersRunOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("model").definedBy("dev.tollgate.core.model..")
                .layer("registry").definedBy("dev.tollgate.core.registry..")
                .layer("authz").definedBy("dev.tollgate.core.authz..")
                .layer("routing").definedBy("dev.tollgate.core.routing..")
                .layer("analysis").definedBy("dev.tollgate.core.analysis..")
                .layer("snapshot").definedBy("dev.tollgate.core.snapshot..")
                .whereLayer("snapshot").mayNotBeAccessedByAnyLayer()
                .whereLayer("analysis").mayOnlyBeAccessedByLayers("snapshot")
                .whereLayer("routing").mayOnlyBeAccessedByLayers("analysis", "snapshot")
                .whereLayer("registry").mayOnlyBeAccessedByLayers("routing", "analysis", "snapshot")
                .whereLayer("authz").mayOnlyBeAccessedByLayers("analysis", "snapshot")
                .whereLayer("model").mayOnlyBeAccessedByLayers("registry", "authz", "routing", "analysis", "snapshot")
                .check(CORE);
    }

    @Test
    void corePackagesHaveNoCycles() {
        slices().matching("dev.tollgate.core.(*)..").should().beFreeOfCycles().check(CORE);
    }
}
