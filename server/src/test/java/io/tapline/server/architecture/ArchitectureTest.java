package io.tapline.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** Rules of the server's structure that matter enough to be tests. */
class ArchitectureTest {

  private static final JavaClasses SERVER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tapline.server");

  @Test
  void onlyStatementsMakesJdbcStatements() {
    // Statements turns off the driver's escape processing, which rewrote bound values.
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName("io.tapline.server.storage.clickhouse.Statements")
        .should()
        .callMethod(Connection.class, "prepareStatement", String.class)
        .orShould()
        .callMethod(Connection.class, "createStatement")
        .because("statements made elsewhere would let the JDBC driver rewrite stored values")
        .check(SERVER);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.tapline.server.(**)").should().beFreeOfCycles().check(SERVER);
  }

  @Test
  void storageKnowsNothingOfTheApi() {
    noClasses()
        .that()
        .resideInAPackage("io.tapline.server.storage..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.grpc..", "com.linecorp.armeria..", "io.tapline.proto..")
        .because("storage serves every protocol; what a request looks like is the services' part")
        .check(SERVER);
  }

  @Test
  void featuresDoNotReachIntoEachOther() {
    slices()
        .matching("io.tapline.server.(ingest|query|admin|alert|replay)..")
        .should()
        .notDependOnEachOther()
        .because("what features share lives in api or storage")
        .check(SERVER);
  }

  @Test
  void featuresUseStorageThroughItsInterfaces() {
    noClasses()
        .that()
        .resideInAnyPackage(FEATURES)
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tapline.server.storage.clickhouse..")
        .because("the application package chooses the store; features see storage's interfaces")
        .check(SERVER);
  }

  @Test
  void onlyTheApplicationKnowsTheApplication() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.tapline.server.app..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.tapline.server.app..")
        .because("the application package builds the object graph; nothing else may depend on it")
        .check(SERVER);
  }

  private static final String[] FEATURES = {
    "io.tapline.server.ingest..",
    "io.tapline.server.query..",
    "io.tapline.server.admin..",
    "io.tapline.server.alert..",
    "io.tapline.server.replay.."
  };
}
