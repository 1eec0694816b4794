package dev.kopi.daemon.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The import rules of docs/ARCHITECTURE.md, checked on kopid's compiled main classes: a rule
 * broken by a change fails the build, not a review.
 */
class PackageRulesTest {
    private static final String DAEMON = "dev.kopi.daemon";
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(DAEMON);
    }

    @Test
    void theRootPackageHoldsOnlyKopidAndTheWiring() {
        classes().that().resideInAPackage(DAEMON).and().areTopLevelClasses().should().haveSimpleNameStartingWith("Kopi")
                .because("the root package is Kopid (the command) and Kopi (the wiring), nothing else")
                .check(main);
    }

    @Test
    void noSubpackageImportsTheRoot() {
        noClasses().that().resideInAPackage(DAEMON + ".(*)..").should().dependOnClassesThat()
                .resideInAPackage(DAEMON).check(main);
    }

    @Test
    void coreImportsNothingElseOfTheDaemon() {
        noClasses().that().resideInAPackage(DAEMON + ".core..").should().dependOnClassesThat()
                .resideInAnyPackage(DAEMON, DAEMON + ".catalog..", DAEMON + ".clone..", DAEMON + ".config..",
                        DAEMON + ".postgres..", DAEMON + ".process..", DAEMON + ".reconcile..", DAEMON + ".rpc..",
                        DAEMON + ".snapshot..", DAEMON + ".source..", DAEMON + ".status..", DAEMON + ".storage..",
                        DAEMON + ".logging..", DAEMON + ".metrics..")
                .check(main);
    }

    @Test
    void loggingImportsNothingElseOfTheDaemon() {
        noClasses().that().resideInAPackage(DAEMON + ".logging..").should().dependOnClassesThat(
                        resideInAPackage(DAEMON + "..").and(resideOutsideOfPackage(DAEMON + ".logging..")))
                .because("every package logs through it, so it stands below them all, like core")
                .check(main);
    }

    @Test
    void onlyTheWiringUsesTheMetrics() {
        noClasses().that().resideOutsideOfPackages(DAEMON, DAEMON + ".metrics..").should().dependOnClassesThat()
                .resideInAPackage(DAEMON + ".metrics..")
                .because("metrics watch the services from outside (events, state read at scrape time); "
                        + "no service counts for them")
                .check(main);
    }

    @Test
    void catalogImportsOnlyCore() {
        noClasses().that().resideInAPackage(DAEMON + ".catalog..").should().dependOnClassesThat()
                .resideInAnyPackage(DAEMON, DAEMON + ".clone..", DAEMON + ".config..", DAEMON + ".postgres..",
                        DAEMON + ".process..", DAEMON + ".reconcile..", DAEMON + ".rpc..", DAEMON + ".snapshot..",
                        DAEMON + ".source..", DAEMON + ".status..", DAEMON + ".storage..", DAEMON + ".metrics..")
                .check(main);
    }

    @Test
    void onlyRpcTouchesTheProtocol() {
        noClasses().that().resideOutsideOfPackage(DAEMON + ".rpc..").should().dependOnClassesThat()
                .resideInAPackage("dev.kopi.proto..").check(main);
    }

    @Test
    void onlyTheWiringReadsTheConfig() {
        noClasses().that().resideOutsideOfPackages(DAEMON, DAEMON + ".config..").should().dependOnClassesThat()
                .resideInAPackage(DAEMON + ".config..")
                .because("services get typed settings from the wiring; the config file format stays in config")
                .check(main);
    }

    @Test
    void instancesAreStartedAndReachedOnlyThroughTheSeam() {
        noClasses().that().resideOutsideOfPackages(DAEMON, DAEMON + ".postgres..").should().dependOnClassesThat()
                .haveFullyQualifiedName(DAEMON + ".postgres.Postmaster")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(DAEMON + ".postgres.RuntimeDirs")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(DAEMON + ".postgres.AdminConnection")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(DAEMON + ".postgres.Hba")
                .because("postgres.Instances is the one place that starts, stops and talks to an instance")
                .check(main);
    }

    @Test
    void storageAndPostgresKnowNothingOfTheServices() {
        noClasses().that().resideInAnyPackage(DAEMON + ".storage..", DAEMON + ".postgres..", DAEMON + ".process..")
                .should().dependOnClassesThat().resideInAnyPackage(DAEMON + ".catalog..", DAEMON + ".clone..",
                        DAEMON + ".snapshot..", DAEMON + ".source..", DAEMON + ".reconcile..", DAEMON + ".status..",
                        DAEMON + ".rpc..")
                .check(main);
    }

    @Test
    void thePackagesFormNoCycle() {
        slices().matching(DAEMON + ".(*)..").should().beFreeOfCycles().check(main);
    }
}
