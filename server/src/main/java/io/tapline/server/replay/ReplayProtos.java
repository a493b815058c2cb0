package io.tapline.server.replay;

import io.tapline.masking.Masker;
import io.tapline.proto.v1.BodyDiff;
import io.tapline.proto.v1.FieldChange;
import io.tapline.proto.v1.Replay;
import io.tapline.proto.v1.ReplayComparison;
import io.tapline.proto.v1.ReplayOverrides;
import io.tapline.proto.v1.ReplayedRequest;
import io.tapline.server.api.Times;
import io.tapline.server.storage.ReplayRecord;
import java.util.List;

/** Stored replays as API messages. */
final class ReplayProtos {

  private ReplayProtos() {}

  static Replay toProto(ReplayRecord r) {
    ReplayRecord.Overrides o = r.overrides();
    ReplayOverrides.Builder overrides =
        ReplayOverrides.newBuilder()
            .setUrl(o.url())
            .setMethod(o.method())
            .putAllHeaders(o.headers())
            .addAllRemoveHeaders(o.removeHeaders())
            .putAllQueryParams(o.queryParams())
            .putAllBodyFields(o.bodyFields());
    if (o.bodyOverridden()) {
      overrides.setBody(Masker.MASKED);
    }
    ReplayRecord.Comparison c = r.comparison();
    return Replay.newBuilder()
        .setId(r.id())
        .setCallId(r.callId())
        .setService(r.service())
        .setCreateTime(Times.timestamp(r.createdAt()))
        .setReplayedBy(r.replayedBy())
        .setRequest(
            ReplayedRequest.newBuilder()
                .setMethod(r.requestMethod())
                .setUrl(r.requestUrl())
                .putAllHeaders(r.requestHeaders()))
        .setStatusCode(r.statusCode())
        .putAllResponseHeaders(r.responseHeaders())
        .setResponseBody(r.responseBody())
        .setResponseBodySize(r.responseBodySize())
        .setResponseBodyTruncated(r.responseBodyTruncated())
        .setLatencyMs(r.latencyMicros() / 1000.0)
        .setError(r.error())
        .addAllOmittedHeaders(r.omittedHeaders())
        .addAllOmittedQueryParams(r.omittedQueryParams())
        .setOverrides(overrides)
        .setFollowRedirects(r.followRedirects())
        .addAllRedirects(r.redirects())
        .setComparison(
            ReplayComparison.newBuilder()
                .setStatusChanged(c.statusChanged())
                .setOriginalStatusCode(c.originalStatusCode())
                .setReplayStatusCode(c.replayStatusCode())
                .setLatencyDeltaMs(c.latencyDeltaMicros() / 1000.0)
                .setBodyDiff(toProto(c.bodyDiff())))
        .build();
  }

  private static BodyDiff toProto(ReplayRecord.BodyDiff d) {
    return BodyDiff.newBuilder()
        .setKind(BodyDiff.Kind.valueOf(d.kind()))
        .addAllAdded(changes(d.added()))
        .addAllRemoved(changes(d.removed()))
        .addAllChanged(changes(d.changed()))
        .addAllTextDiff(d.textDiff())
        .setTruncated(d.truncated())
        .setNote(d.note())
        .build();
  }

  private static List<FieldChange> changes(List<ReplayRecord.FieldChange> changes) {
    return changes.stream()
        .map(
            c ->
                FieldChange.newBuilder()
                    .setPath(c.path())
                    .setBefore(c.before())
                    .setAfter(c.after())
                    .build())
        .toList();
  }
}
