package io.pushgate;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure of README "Code layout", checked on the compiled classes (so
 * fully-qualified names count too): the packages in the order of the data flow, each depending
 * only on packages further down the list, hence no cycle.
 */
class ArchitectureTest {
    /** Top to bottom; a package may use only the packages below it. */
    private static final List<String> LAYERS = List.of(
            "node", "admin", "server", "http", "auth", "sse", "topics", "hub", "broker", "wire", "model", "config", "loops",
            "metrics");

    private static final JavaClasses GATEWAY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.pushgate");

    @Test
    void noPackageCycle() {
        slices().matching("io.pushgate.(**)").should().beFreeOfCycles().check(GATEWAY);
    }

    @Test
    void hubKnowsNeitherBrokerNorStreamsNorHttpNorConfig() {
        noClasses().that().resideInAPackage("io.pushgate.hub..")
                .should().dependOnClassesThat().resideInAnyPackage("io.pushgate.broker..", "io.pushgate.sse..",
                        "io.pushgate.http..", "io.pushgate.config..")
                .check(GATEWAY);
    }

    @Test
    void modelAndWireDependOnModelOnly() {
        noClasses().that().resideInAnyPackage("io.pushgate.model..", "io.pushgate.wire..")
                .should().dependOnClassesThat().resideInAnyPackage(pushgateBut("model", "wire"))
                .check(GATEWAY);
        noClasses().that().resideInAPackage("io.pushgate.model..")
                .should().dependOnClassesThat().resideInAPackage("io.pushgate.wire..")
                .check(GATEWAY);
    }

    @Test
    void onlyMainAndNodeUseTheServer() {
        noClasses().that().resideOutsideOfPackages("io.pushgate.server..", "io.pushgate.node..")
                .and().doNotHaveFullyQualifiedName(Main.class.getName())
                .should().dependOnClassesThat().resideInAPackage("io.pushgate.server..")
                .check(GATEWAY);
    }

    @Test
    void dependenciesPointDownTheLayers() {
        for (int i = 0; i < LAYERS.size(); i++) {
            String[] above = LAYERS.subList(0, i).stream().map(p -> "io.pushgate." + p + "..").toArray(String[]::new);
            if (above.length == 0) {
                continue;
            }
            ArchRule rule = noClasses().that().resideInAPackage("io.pushgate." + LAYERS.get(i) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .because(LAYERS.get(i) + " lies below " + String.join(", ", LAYERS.subList(0, i)));
            rule.check(GATEWAY);
        }
        noClasses().that().resideInAPackage("io.pushgate..").and().doNotHaveFullyQualifiedName(Main.class.getName())
                .should().dependOnClassesThat().haveFullyQualifiedName(Main.class.getName())
                .check(GATEWAY);
    }

    /** Every pushgate package but the named ones. */
    private static String[] pushgateBut(String... allowed) {
        List<String> allowedList = List.of(allowed);
        return LAYERS.stream().filter(p -> !allowedList.contains(p)).map(p -> "io.pushgate." + p + "..")
                .toArray(String[]::new);
    }
}
