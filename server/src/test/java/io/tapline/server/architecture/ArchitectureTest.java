package io.tapline.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
}
