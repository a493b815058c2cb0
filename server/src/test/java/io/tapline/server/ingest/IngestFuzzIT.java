package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tapline.server.testing.BatchFuzzer;
import io.tapline.server.testing.FuzzTarget;
import io.tapline.server.testing.TestTapline;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A short run of the record path's fuzzer (the long one is {@code ./bench/run IngestFuzzer}):
 * batches of mutated calls, in protobuf and JSON, are each answered OK with the mutated calls
 * refused one by one and every valid call stored. {@code -Dtapline.fuzz.seed=N} replays a run.
 */
class IngestFuzzIT {

  private static final long SEED = Long.getLong("tapline.fuzz.seed", 20261205L);
  private static final int BATCHES = 80;

  @RegisterExtension
  static final TestTapline tapline =
      new TestTapline().withFlags("--ingest.rate-limit-per-second=0");

  @Test
  void noInputFailsABatchOrAValidCall() throws Exception {
    BatchFuzzer fuzzer = new BatchFuzzer(SEED, "fuzz");
    FuzzTarget target = new FuzzTarget(tapline.channel(), tapline.http());
    List<String> failures = new ArrayList<>();
    long accepted = 0;
    long refused = 0;
    for (int i = 0; i < BATCHES; i++) {
      BatchFuzzer.Batch batch = fuzzer.next(10);
      FuzzTarget.Answer answer = target.send(batch);
      if (answer.problem() != null) {
        failures.add(
            "seed "
                + SEED
                + ", batch "
                + batch.number()
                + " ("
                + batch.encoding()
                + "): "
                + answer.problem()
                + "; "
                + batch.mutations());
        continue;
      }
      accepted += answer.response().getAccepted();
      refused += answer.response().getRejected();
    }
    assertThat(failures).isEmpty();
    // The run tried both: calls stored and calls refused.
    assertThat(accepted).isPositive();
    assertThat(refused).isPositive();
    assertThat(storedCalls()).isEqualTo(accepted);
  }

  private static long storedCalls() throws Exception {
    try (Connection c = tapline.server().storage().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count() FROM api_calls")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
