package io.tally;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms of the code and what each may see, checked against the compiled classes: the domain knows nothing of
 * Vert.x, the journal nothing of pools, the web nothing of shards, journals or the read side's classes, and nothing
 * below the web speaks HTTP. A class that needs to break one of these rules shows a seam in the wrong place.
 */
class ArchitectureTest {

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.tally");
  }

  @Test
  void theDomainIsPureJava() {
    classes().that().resideInAPackage("io.tally.pool..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("io.tally.pool..", "java..", "org.pcollections..")
        .check(main);
  }

  @Test
  void theJournalKnowsNoPoolsAndNoRoomAboveIt() {
    noClasses().that().resideInAPackage("io.tally.journal..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.pool..", "io.tally.contract..",
            "io.tally.shard..", "io.tally.query..", "io.tally.web..", "io.tally.audit..")
        .check(main);
  }

  @Test
  void theContractDependsOnTheDomainAndTheJournalsRecordsOnly() {
    noClasses().that().resideInAPackage("io.tally.contract..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.shard..", "io.tally.query..", "io.tally.web..",
            "io.tally.audit..", "io.tally.config..")
        .check(main);
  }

  @Test
  void theShardRuntimeKnowsNeitherTheWebNorTheReadSide() {
    noClasses().that().resideInAPackage("io.tally.shard..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.web..", "io.tally.query..", "io.tally.audit..")
        .check(main);
  }

  @Test
  void basketsReachPoolsOnlyThroughTheContract() {
    noClasses().that().resideInAPackage("io.tally.basket..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.shard..", "io.tally.journal..",
            "io.tally.query..", "io.tally.web..", "io.tally.audit..")
        .check(main);
  }

  @Test
  void theReadSideKnowsNeitherShardsNorTheWeb() {
    noClasses().that().resideInAPackage("io.tally.query..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.shard..", "io.tally.web..", "io.tally.audit..")
        .check(main);
  }

  @Test
  void theWebSpeaksOnlyTheContract() {
    noClasses().that().resideInAPackage("io.tally.web..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.shard..", "io.tally.journal..",
            "io.tally.query..", "io.tally.audit..", "io.tally.pool..")
        .check(main);
  }

  @Test
  void theReplayIsAClientOfADeploymentsHttpApi() {
    noClasses().that().resideInAPackage("io.tally.replay..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.shard..", "io.tally.web..", "io.tally.journal..",
            "io.tally.query..", "io.tally.audit..", "io.vertx.sqlclient..")
        .check(main);
  }

  @Test
  void theAuditReadsTheJournalThroughItsApi() {
    noClasses().that().resideInAPackage("io.tally.audit..")
        .should().dependOnClassesThat().resideInAnyPackage("io.tally.shard..", "io.tally.web..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.sqlclient.Row")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.sqlclient.Tuple")
        .check(main);
  }

  @Test
  void onlyTheWebSpeaksHttp() {
    // ClientAuth is TLS's "must the peer present a certificate", which Vert.x keeps in its http package; the event
    // bus's mutual TLS needs it too. The replay is the one HTTP client: it talks to a deployment as an operator would
    noClasses().that().resideOutsideOfPackages("io.tally.web..", "io.tally.replay..")
        .should().dependOnClassesThat(resideInAnyPackage("io.vertx.core.http..", "io.vertx.ext.web..")
            .and(not(type(io.vertx.core.http.ClientAuth.class))))
        .check(main);
  }

  @Test
  void onlyTheCompositionRootAndTheCommandsSeeTheRoot() {
    noClasses().that().resideOutsideOfPackage("io.tally")
        .should().dependOnClassesThat().resideInAPackage("io.tally")
        .check(main);
  }

  @Test
  void verticlesReturnOneComposedFutureFromStart() {
    noClasses().should().beAssignableTo(io.vertx.core.AbstractVerticle.class).check(main);
  }
}
