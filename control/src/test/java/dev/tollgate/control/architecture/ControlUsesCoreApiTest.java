package dev.tollgate.control.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The control plane is an outer module like config and proxy (cli's OuterModulesUseCoreApiTest, which cannot see
 * this module): it uses core only through core.model and core.snapshot.
 */
class ControlUsesCoreApiTest {
    private static final JavaClasses CONTROL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tollgate.control");

    @Test
    void usesOnlySnapshotAndModel() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("dev.tollgate.core.registry..", "dev.tollgate.core.authz..",
                        "dev.tollgate.core.routing..", "dev.tollgate.core.analysis..")
                .check(CONTROL);
    }
}
