package io.tapline.server.ingest;

import io.tapline.masking.Masker;
import io.tapline.masking.SensitiveNames;
import io.tapline.proto.v1.IngestRequest;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.storage.CallRecord;
import io.tapline.server.storage.CallWriter;
import io.tapline.server.storage.clickhouse.ClickHouseCallWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stages of the ingest record path (validation, masking, route template, RowBinary encoding),
 * run in-process on batches for {@code io.tapline.bench.RecordPathBenchmark}. It lives in the
 * ingest package to reach the package-private classes the server itself runs; nothing here
 * re-implements them. Every stage returns a value the caller folds into a sink, so the JIT cannot
 * drop the work.
 */
public final class RecordPathStages {

  /** No service-specific sensitive headers. */
  private static final SensitiveNames NONE = SensitiveNames.none();

  private final CallValidator validator;
  private final Masker masker;
  private final StoredRecords stored;
  private final CallWriter writer = new ClickHouseCallWriter(null, "bench");

  public RecordPathStages(TaplineConfig.Ingest config, Clock clock) {
    this.validator = new CallValidator(config, clock);
    this.masker = config.masker();
    this.stored = new StoredRecords(masker, config.maxBodyBytes());
  }

  /** Validates every call of a named batch, as ingest does; fails if one is refused. */
  public List<CallRecord> validate(IngestRequest batch) {
    List<CallRecord> out = new ArrayList<>(batch.getCallsCount());
    Ids.BatchKeys keys = new Ids.BatchKeys(batch.getBatchId());
    for (int i = 0; i < batch.getCallsCount(); i++) {
      var call = batch.getCalls(i);
      CallValidator.Result result = validator.validate(call, keys.of(call.getService()), i);
      if (!result.accepted()) {
        throw new IllegalStateException(
            "call " + i + " refused: " + result.field() + " " + result.reason());
      }
      out.add(result.record());
    }
    return out;
  }

  /** The records as stored: masked, cut, route derived (no service headers, no key customer). */
  public List<CallRecord> toStore(List<CallRecord> validated) {
    List<CallRecord> out = new ArrayList<>(validated.size());
    for (CallRecord r : validated) {
      out.add(stored.toStore(r, NONE, "", ""));
    }
    return out;
  }

  /** The batch's RowBinary rows, as {@link CallWriter#prepare} encodes them before the commit. */
  public Object encode(String batchId, List<CallRecord> records) {
    return writer.prepare(new CallWriter.Batch(batchId, records, Map.of(), true)).prepared();
  }

  /** Masking of request and response headers alone. */
  public int maskHeaders(List<CallRecord> records) {
    int h = 0;
    for (CallRecord r : records) {
      h += System.identityHashCode(masker.headers(r.requestHeaders(), NONE));
      h += System.identityHashCode(masker.headers(r.responseHeaders(), NONE));
    }
    return h;
  }

  /** Masking of the url and the query parameter map alone. */
  public int maskUrlAndQuery(List<CallRecord> records) {
    int h = 0;
    for (CallRecord r : records) {
      h += masker.url(r.url()).length();
      h += System.identityHashCode(masker.queryParams(r.queryParams()));
    }
    return h;
  }

  /** Masking of request and response bodies alone. */
  public int maskBodies(List<CallRecord> records) {
    int h = 0;
    for (CallRecord r : records) {
      h += masker.body(r.requestBody(), Masker.contentType(r.requestHeaders())).length();
      h += masker.body(r.responseBody(), Masker.contentType(r.responseHeaders())).length();
    }
    return h;
  }

  /** Masking of the path and error, and the route template, alone. */
  public int pathAndRoute(List<CallRecord> records) {
    int h = 0;
    for (CallRecord r : records) {
      h += RouteTemplates.derive(masker.cards(r.path())).length();
      h += masker.text(r.error()).length();
    }
    return h;
  }
}
