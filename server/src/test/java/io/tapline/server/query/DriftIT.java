package io.tapline.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.ApiCall;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateServiceRequest;
import io.tapline.proto.v1.DeleteDriftBaselineRequest;
import io.tapline.proto.v1.DriftServiceGrpc;
import io.tapline.proto.v1.FeatureDrift;
import io.tapline.proto.v1.FeatureHistogram;
import io.tapline.proto.v1.FieldRule;
import io.tapline.proto.v1.FieldSource;
import io.tapline.proto.v1.FieldType;
import io.tapline.proto.v1.GetDriftRequest;
import io.tapline.proto.v1.GetDriftResponse;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.proto.v1.IngestServiceGrpc;
import io.tapline.proto.v1.ListDriftBaselinesRequest;
import io.tapline.proto.v1.SaveDriftBaselineRequest;
import io.tapline.proto.v1.Service;
import io.tapline.server.testing.TestTapline;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Drift on seeded synthetic calls with known shifts. Every histogram and score the server returns
 * is computed again here from the generated values, by the definitions in drift.proto: the counts
 * must be equal and the scores the same to within rounding. A window drawn from the reference's
 * distributions stays under the usual thresholds; the shifted features do not.
 */
class DriftIT {

  @RegisterExtension static final TestTapline tapline = new TestTapline();

  private static final String SERVICE = "drift-model";
  private static final int CALLS = 3000;
  private static final Instant REFERENCE =
      Instant.now().minus(6, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
  private static final Instant SHIFTED = REFERENCE.plus(2, ChronoUnit.HOURS);
  private static final Instant STEADY = REFERENCE.plus(4, ChronoUnit.HOURS);

  /** A generated call's features, as the test knows them. */
  private record Sample(double latencyMs, double score, double age, String label, int status) {}

  private static final Map<Instant, List<Sample>> samples = new java.util.HashMap<>();
  private static DriftServiceGrpc.DriftServiceBlockingStub drift;

  @BeforeAll
  static void ingest() {
    AdminServiceGrpc.newBlockingStub(tapline.channel())
        .createService(
            CreateServiceRequest.newBuilder()
                .setService(
                    Service.newBuilder()
                        .setName(SERVICE)
                        .addFields(field("score", FieldType.FIELD_TYPE_NUMBER, "/score"))
                        .addFields(field("label", FieldType.FIELD_TYPE_STRING, "/label"))
                        .addFields(
                            FieldRule.newBuilder()
                                .setName("age")
                                .setType(FieldType.FIELD_TYPE_NUMBER)
                                .setSource(FieldSource.FIELD_SOURCE_REQUEST_BODY)
                                .setPath("$.features.age")))
                .build());
    samples.put(REFERENCE, generate(new Random(1), false));
    samples.put(SHIFTED, generate(new Random(2), true));
    samples.put(STEADY, generate(new Random(3), false));
    var ingest = IngestServiceGrpc.newBlockingStub(tapline.channel());
    for (Map.Entry<Instant, List<Sample>> window : samples.entrySet()) {
      List<ApiCall> calls = new ArrayList<>();
      for (int i = 0; i < window.getValue().size(); i++) {
        Sample s = window.getValue().get(i);
        Instant at = window.getKey().plusMillis(i * 1000L);
        calls.add(
            ApiCall.newBuilder()
                .setTimestamp(
                    Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
                .setService(SERVICE)
                .setMethod("POST")
                .setUrl("https://model.example.com/v1/predict")
                .setRoute("/v1/predict")
                .setStatusCode(s.status())
                .setLatencyMs(s.latencyMs())
                .setRequestBody("{\"features\": {\"age\": " + s.age() + "}}")
                .setResponseBody("{\"label\": \"" + s.label() + "\", \"score\": " + s.score() + "}")
                .build());
        if (calls.size() == 500) {
          assertThat(
                  ingest
                      .ingest(IngestRequest.newBuilder().addAllCalls(calls).build())
                      .getAccepted())
              .isEqualTo(500);
          calls.clear();
        }
      }
    }
    drift = DriftServiceGrpc.newBlockingStub(tapline.channel());
  }

  private static FieldRule field(String name, FieldType type, String path) {
    return FieldRule.newBuilder()
        .setName(name)
        .setType(type)
        .setSource(FieldSource.FIELD_SOURCE_RESPONSE_BODY)
        .setPath(path)
        .build();
  }

  /**
   * The reference's distributions, or with {@code shifted} slower calls, a lower score, another
   * label mix and more 503s; the age of the callers is the same in both.
   */
  private static List<Sample> generate(Random random, boolean shifted) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      // Whole microseconds, as stored.
      long micros =
          Math.max(
              1000, Math.round((shifted ? 80 : 50) * 1000 * Math.exp(0.4 * random.nextGaussian())));
      double score =
          Math.round((shifted ? 0.55 : 0.7) * 1000 + 100 * random.nextGaussian()) / 1000.0;
      double age = Math.round(40 + 12 * random.nextGaussian());
      double u = random.nextDouble();
      // A rare label the shifted window never has: an empty bin, where PSI's floor applies.
      String label =
          shifted
              ? (u < 0.3 ? "cat" : u < 0.6 ? "dog" : "bird")
              : (u < 0.003 ? "fish" : u < 0.5 ? "cat" : u < 0.8 ? "dog" : "bird");
      int status = random.nextDouble() < (shifted ? 0.2 : 0.05) ? 503 : 200;
      out.add(new Sample(micros / 1000.0, score, age, label, status));
    }
    return out;
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  private static CallFilter window(Instant start) {
    return CallFilter.newBuilder()
        .setService(SERVICE)
        .setStartTime(ts(start))
        .setEndTime(ts(start.plus(1, ChronoUnit.HOURS)))
        .build();
  }

  private static final List<String> FEATURES =
      List.of("latency_ms", "field:score", "field:age", "field:label", "status_code");

  private static final Map<String, Function<Sample, Object>> VALUES =
      Map.of(
          "latency_ms", Sample::latencyMs,
          "field:score", Sample::score,
          "field:age", Sample::age,
          "field:label", Sample::label,
          "status_code", s -> Integer.toString(s.status()));

  private static GetDriftResponse compare(Instant current) {
    return drift.getDrift(
        GetDriftRequest.newBuilder()
            .setFilter(window(current))
            .setReferenceStartTime(ts(REFERENCE))
            .setReferenceEndTime(ts(REFERENCE.plus(1, ChronoUnit.HOURS)))
            .addAllFeatures(FEATURES)
            .build());
  }

  private static Map<String, FeatureDrift> byFeature(GetDriftResponse response) {
    return response.getFeaturesList().stream()
        .collect(Collectors.toMap(FeatureDrift::getFeature, Function.identity()));
  }

  @Test
  void histogramsAndScoresMatchAnIndependentComputation() {
    for (Instant current : List.of(SHIFTED, STEADY)) {
      Map<String, FeatureDrift> result = byFeature(compare(current));
      assertThat(result.keySet()).containsExactlyInAnyOrderElementsOf(FEATURES);
      for (String feature : FEATURES) {
        FeatureDrift d = result.get(feature);
        List<Object> reference = samples.get(REFERENCE).stream().map(VALUES.get(feature)).toList();
        List<Object> now = samples.get(current).stream().map(VALUES.get(feature)).toList();
        checkBins(d.getReference(), reference);
        long[] r = counts(d.getReference(), reference);
        long[] c = counts(d.getReference(), now);
        assertThat(d.getReference().getCountsList())
            .as(feature)
            .containsExactlyElementsOf(boxed(r));
        assertThat(d.getCurrent().getCountsList()).as(feature).containsExactlyElementsOf(boxed(c));
        assertThat(d.getPsi()).as(feature + " psi").isCloseTo(psi(r, c), within(1e-9));
        assertThat(d.getJensenShannon()).as(feature + " js").isCloseTo(js(r, c), within(1e-9));
        if (d.getReference().getNumeric()) {
          assertThat(d.getKs()).as(feature + " ks").isCloseTo(ks(r, c), within(1e-9));
          assertThat(d.getWasserstein())
              .as(feature + " wasserstein")
              .isCloseTo(wasserstein(d.getReference(), r, c), within(1e-9));
        } else {
          assertThat(d.hasKs()).isFalse();
          assertThat(d.hasWasserstein()).isFalse();
        }
      }
    }
  }

  @Test
  void shiftedFeaturesDriftAndUnshiftedOnesDoNot() {
    Map<String, FeatureDrift> shifted = byFeature(compare(SHIFTED));
    for (String feature : List.of("latency_ms", "field:score", "field:label", "status_code")) {
      assertThat(shifted.get(feature).getPsi()).as(feature).isGreaterThan(0.2);
    }
    assertThat(shifted.get("field:age").getPsi()).isLessThan(0.1);
    assertThat(shifted.get("latency_ms").getKs()).isGreaterThan(0.3);
    // The median moved from 50 to 80 ms: the distance is of that order.
    assertThat(shifted.get("latency_ms").getWasserstein()).isBetween(20.0, 45.0);
    for (FeatureDrift steady : compare(STEADY).getFeaturesList()) {
      assertThat(steady.getPsi()).as(steady.getFeature()).isLessThan(0.1);
      assertThat(steady.getJensenShannon()).as(steady.getFeature()).isLessThan(0.1);
      if (steady.getReference().getNumeric()) {
        assertThat(steady.getKs()).as(steady.getFeature()).isLessThan(0.05);
      }
    }
  }

  @Test
  void aSavedBaselineKeepsItsHistograms() {
    var admin = DriftServiceGrpc.newBlockingStub(tapline.channel());
    var saved =
        admin.saveDriftBaseline(
            SaveDriftBaselineRequest.newBuilder()
                .setName("launch")
                .setFilter(window(REFERENCE))
                .addAllFeatures(List.of("latency_ms", "field:label"))
                .setBins(5)
                .build());
    assertThat(saved.getHistogramsList()).hasSize(2);
    assertThat(saved.getHistograms(0).getEdgesCount()).isEqualTo(4);
    GetDriftResponse response =
        drift.getDrift(
            GetDriftRequest.newBuilder().setFilter(window(SHIFTED)).setBaseline("launch").build());
    assertThat(response.getReferenceStartTime()).isEqualTo(ts(REFERENCE));
    for (FeatureDrift d : response.getFeaturesList()) {
      FeatureHistogram frozen =
          saved.getHistogramsList().stream()
              .filter(h -> h.getFeature().equals(d.getFeature()))
              .findFirst()
              .orElseThrow();
      assertThat(d.getReference()).isEqualTo(frozen);
      List<Object> now = samples.get(SHIFTED).stream().map(VALUES.get(d.getFeature())).toList();
      long[] r = frozen.getCountsList().stream().mapToLong(Long::longValue).toArray();
      long[] c = counts(frozen, now);
      assertThat(d.getCurrent().getCountsList()).containsExactlyElementsOf(boxed(c));
      assertThat(d.getPsi()).isCloseTo(psi(r, c), within(1e-9));
    }
    assertThat(
            drift
                .listDriftBaselines(
                    ListDriftBaselinesRequest.newBuilder().setService(SERVICE).build())
                .getBaselinesList())
        .extracting(b -> b.getName())
        .containsExactly("launch");
    admin.deleteDriftBaseline(
        DeleteDriftBaselineRequest.newBuilder().setService(SERVICE).setName("launch").build());
    assertThatThrownBy(
            () ->
                drift.getDrift(
                    GetDriftRequest.newBuilder()
                        .setFilter(window(SHIFTED))
                        .setBaseline("launch")
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void refusesWhatItCannotCompare() {
    assertThatThrownBy(
            () ->
                drift.getDrift(
                    GetDriftRequest.newBuilder()
                        .setFilter(window(SHIFTED))
                        .setReferenceStartTime(ts(REFERENCE))
                        .setReferenceEndTime(ts(REFERENCE.plusSeconds(3600)))
                        .addFeatures("field:nope")
                        .build()))
        .hasMessageContaining("features")
        .hasMessageContaining("nope");
    assertThatThrownBy(
            () ->
                drift.getDrift(
                    GetDriftRequest.newBuilder()
                        .setFilter(window(SHIFTED).toBuilder().clearService())
                        .addFeatures("latency_ms")
                        .build()))
        .hasMessageContaining("filter.service");
    String other = tapline.newKey(Set.of("read"), "elsewhere");
    assertThatThrownBy(
            () ->
                DriftServiceGrpc.newBlockingStub(tapline.channel(other))
                    .getDrift(
                        GetDriftRequest.newBuilder()
                            .setFilter(window(SHIFTED))
                            .setReferenceStartTime(ts(REFERENCE))
                            .setReferenceEndTime(ts(REFERENCE.plusSeconds(3600)))
                            .addFeatures("latency_ms")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    String reader = tapline.newKey(Set.of("read"), SERVICE);
    assertThatThrownBy(
            () ->
                DriftServiceGrpc.newBlockingStub(tapline.channel(reader))
                    .saveDriftBaseline(
                        SaveDriftBaselineRequest.newBuilder()
                            .setName("x")
                            .setFilter(window(REFERENCE))
                            .addFeatures("latency_ms")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  // The definitions of drift.proto, computed from the generated values.

  /** The edges are near the reference's quantiles, and its least and greatest values. */
  private static void checkBins(FeatureHistogram h, List<Object> values) {
    if (!h.getNumeric()) {
      Set<Object> distinct = Set.copyOf(values);
      assertThat(h.getCategoriesList())
          .containsExactlyInAnyOrderElementsOf(distinct.stream().map(Object::toString).toList());
      return;
    }
    double[] sorted = values.stream().mapToDouble(v -> (Double) v).sorted().toArray();
    assertThat(h.getMin()).isEqualTo(sorted[0]);
    assertThat(h.getMax()).isEqualTo(sorted[sorted.length - 1]);
    assertThat(h.getEdgesCount()).isBetween(2, 9);
    for (double edge : h.getEdgesList()) {
      double below = java.util.Arrays.stream(sorted).filter(v -> v < edge).count();
      double share = below / sorted.length;
      // Each edge sits at a decile of the reference, to within the sketch's error and ties.
      double nearest = Math.round(share * 10) / 10.0;
      assertThat(share).isCloseTo(nearest, within(0.04));
    }
  }

  private static long[] counts(FeatureHistogram h, List<Object> values) {
    long[] counts = new long[h.getCountsCount()];
    for (Object v : values) {
      int bin;
      if (h.getNumeric()) {
        double x = (Double) v;
        bin = (int) h.getEdgesList().stream().filter(e -> e <= x).count();
      } else {
        int i = h.getCategoriesList().indexOf(v.toString());
        bin = i < 0 ? h.getCategoriesCount() : i;
      }
      counts[bin]++;
    }
    return counts;
  }

  private static double[] shares(long[] counts) {
    double total = java.util.Arrays.stream(counts).sum();
    return java.util.Arrays.stream(counts).mapToDouble(c -> c / total).toArray();
  }

  private static double psi(long[] r, long[] c) {
    double[] p = shares(r);
    double[] q = shares(c);
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      double a = Math.max(p[i], 1e-4);
      double b = Math.max(q[i], 1e-4);
      sum += (b - a) * Math.log(b / a);
    }
    return sum;
  }

  private static double js(long[] r, long[] c) {
    double[] p = shares(r);
    double[] q = shares(c);
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      double m = (p[i] + q[i]) / 2;
      if (p[i] > 0) {
        sum += p[i] * Math.log(p[i] / m) / Math.log(2) / 2;
      }
      if (q[i] > 0) {
        sum += q[i] * Math.log(q[i] / m) / Math.log(2) / 2;
      }
    }
    return Math.sqrt(Math.max(0, sum));
  }

  private static double ks(long[] r, long[] c) {
    double[] p = shares(r);
    double[] q = shares(c);
    double cp = 0;
    double cq = 0;
    double max = 0;
    for (int i = 0; i + 1 < p.length; i++) {
      cp += p[i];
      cq += q[i];
      max = Math.max(max, Math.abs(cp - cq));
    }
    return max;
  }

  private static double wasserstein(FeatureHistogram h, long[] r, long[] c) {
    List<Double> bounds = new ArrayList<>();
    bounds.add(Math.min(h.getMin(), h.getEdges(0)));
    bounds.addAll(h.getEdgesList());
    bounds.add(Math.max(h.getMax(), h.getEdges(h.getEdgesCount() - 1)));
    double[] p = shares(r);
    double[] q = shares(c);
    double cp = 0;
    double cq = 0;
    double sum = 0;
    for (int i = 0; i + 1 < p.length; i++) {
      cp += p[i];
      cq += q[i];
      double centre = (bounds.get(i) + bounds.get(i + 1)) / 2;
      double next = (bounds.get(i + 1) + bounds.get(i + 2)) / 2;
      sum += Math.abs(cp - cq) * (next - centre);
    }
    return sum;
  }

  private static List<Long> boxed(long[] values) {
    return java.util.Arrays.stream(values).boxed().toList();
  }
}
