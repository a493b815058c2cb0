package io.tapline.server.query;

import io.tapline.proto.v1.CallMetrics;
import io.tapline.proto.v1.Quantile;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.storage.Dimension;
import java.util.List;

/** Aggregates as the API shows them: counts rounded to whole calls, latencies in milliseconds. */
final class MetricsProtos {

  private MetricsProtos() {}

  /**
   * @param levels the levels the metrics were computed at: {@link
   *     QueryServiceImpl#STANDARD_LEVELS}, then the requested ones
   */
  static CallMetrics toProto(io.tapline.server.storage.CallMetrics m, List<Double> levels) {
    List<Double> q = m.quantileMicros();
    CallMetrics.Builder out =
        CallMetrics.newBuilder()
            .setCount(Math.round(m.count()))
            .setErrors(Math.round(m.errors()))
            .setErrorRate(m.errorRate())
            .setAvgLatencyMs(m.avgLatencyMicros() / 1000.0)
            .setMinLatencyMs(m.minLatencyMicros() / 1000.0)
            .setMaxLatencyMs(m.maxLatencyMicros() / 1000.0)
            .setP50LatencyMs(millisAt(0.5, q, levels))
            .setP90LatencyMs(millisAt(0.9, q, levels))
            .setP95LatencyMs(millisAt(0.95, q, levels))
            .setP99LatencyMs(millisAt(0.99, q, levels))
            .setRecorded(m.recorded());
    int standard = QueryServiceImpl.STANDARD_LEVELS.size();
    for (int i = standard; i < levels.size(); i++) {
      out.addQuantiles(
          Quantile.newBuilder().setLevel(levels.get(i)).setLatencyMs(q.get(i) / 1000.0));
    }
    return out.build();
  }

  /** The quantile at {@code level}, one of {@code levels}, in milliseconds. */
  private static double millisAt(double level, List<Double> quantileMicros, List<Double> levels) {
    return quantileMicros.get(levels.indexOf(level)) / 1000.0;
  }

  static Dimension dimension(io.tapline.proto.v1.Dimension dimension, int number, String field) {
    return switch (dimension) {
      case DIMENSION_SERVICE -> Dimension.SERVICE;
      case DIMENSION_ROUTE -> Dimension.ROUTE;
      case DIMENSION_METHOD -> Dimension.METHOD;
      case DIMENSION_STATUS_CODE -> Dimension.STATUS_CODE;
      case DIMENSION_STATUS_CLASS -> Dimension.STATUS_CLASS;
      case DIMENSION_CUSTOMER -> Dimension.CUSTOMER;
      case DIMENSION_PLAN -> Dimension.PLAN;
      case DIMENSION_SOURCE_IP -> Dimension.SOURCE_IP;
      case DIMENSION_TAG -> Dimension.TAG;
      case DIMENSION_FIELD -> Dimension.FIELD;
      case DIMENSION_UNSPECIFIED, UNRECOGNIZED ->
          throw new InvalidRequestException(field, "unknown dimension " + number);
    };
  }
}
