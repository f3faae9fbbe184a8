package dev.tollgate.core.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** DESIGN.md: "the core is pure Java, with no Netty and no I/O". */
class CoreIsPureTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tollgate.core");

    @Test
    void coreDependsOnNoNetworkingLibrary() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("io.netty..", "io.fabric8.kubernetes.client..", "okhttp3..", "io.vertx..",
                        "java.net.http..", "javax.net..")
                .check(CORE);
    }

    @Test
    void coreDoesNoSocketOrFileIo() {
        noClasses().should().dependOnClassesThat()
                .haveFullyQualifiedName("java.net.Socket")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.ServerSocket")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.InetAddress")
                .orShould().dependOnClassesThat().resideInAnyPackage("java.nio.channels..", "java.nio.file..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
                .check(CORE);
    }

    @Test
    void coreDoesNotDependOnOuterModules() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("dev.tollgate.config..", "dev.tollgate.proxy..", "dev.tollgate.cli..",
                        "dev.tollgate.identity..")
                .check(CORE);
    }
}
