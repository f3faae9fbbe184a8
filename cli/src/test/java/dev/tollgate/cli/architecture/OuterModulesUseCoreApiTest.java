package dev.tollgate.cli.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Config loading, the proxies and the CLI reach the core only through its API: {@code snapshot} (compile and
 * decide) and {@code model} (the shared value types). Registry, authorizer, routing and analysis stay the core's
 * own, so a decision can only be made the one way the snapshot makes it.
 */
class OuterModulesUseCoreApiTest {
    private static final JavaClasses OUTER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tollgate.config", "dev.tollgate.proxy", "dev.tollgate.cli", "dev.tollgate.identity");

    @Test
    void outerModulesUseOnlySnapshotAndModel() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("dev.tollgate.core.registry..", "dev.tollgate.core.authz..",
                        "dev.tollgate.core.routing..", "dev.tollgate.core.analysis..")
                .check(OUTER);
    }
}
