package io.tapline.server.ingest;

import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tapline.proto.v1.IngestResponse;
import io.tapline.proto.v1.Rejection;
import io.tapline.server.api.Principal;
import io.tapline.server.storage.IngestListener;

/**
 * The OTLP trace service ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}):
 * services instrumented with OpenTelemetry send their spans, and the SERVER spans become calls
 * ({@link SpanCalls}). An export takes the path of every batch: the same key check, validation,
 * masking, retention, alert rules, group commit, and an answer only after the commit. Spans refused
 * are reported as OTLP's partial success ({@code rejected_spans}, with the first reasons); spans of
 * other kinds are counted ({@code tapline.otlp.spans.ignored}) and left out.
 */
public final class OtlpTraceService extends TraceServiceGrpc.TraceServiceImplBase {

  /** How many refusals the partial-success message names: {@value}. */
  static final int REASONS_SHOWN = 3;

  private final IngestPipeline pipeline;
  private final IngestListener listener;
  private final Counter ignored;

  public OtlpTraceService(IngestPipeline pipeline, IngestListener listener, MeterRegistry meters) {
    this.pipeline = pipeline;
    this.listener = listener;
    this.ignored = meters.counter("tapline.otlp.spans.ignored");
  }

  @Override
  public void export(
      ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
    response.onNext(export(request, Principal.current()));
    response.onCompleted();
  }

  /** Stores the export's SERVER spans for {@code principal}; answers once they are committed. */
  ExportTraceServiceResponse export(ExportTraceServiceRequest request, Principal principal) {
    SpanCalls.Mapped mapped = SpanCalls.of(request, pipeline::otlpSettings);
    ignored.increment(mapped.ignored());
    IngestPipeline.Prepared prepared = pipeline.prepare(mapped.batch(), principal);
    listener.committed(IngestServiceImpl.await(prepared.batch().submit(principal.keyId())));
    return answer(prepared.response());
  }

  private static ExportTraceServiceResponse answer(IngestResponse ingested) {
    ExportTraceServiceResponse.Builder answer = ExportTraceServiceResponse.newBuilder();
    if (ingested.getRejected() > 0) {
      StringBuilder reasons = new StringBuilder();
      for (int i = 0; i < Math.min(REASONS_SHOWN, ingested.getRejectionsCount()); i++) {
        Rejection r = ingested.getRejections(i);
        reasons
            .append(reasons.isEmpty() ? "" : "; ")
            .append("server span ")
            .append(r.getIndex())
            .append(' ')
            .append(r.getField())
            .append(": ")
            .append(r.getReason());
      }
      answer.setPartialSuccess(
          ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(ingested.getRejected())
              .setErrorMessage(reasons.toString()));
    }
    return answer.build();
  }
}
