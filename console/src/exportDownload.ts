// Downloads the calls of a filter as a file (POST /v1/calls:export, the same request as the
// ExportCalls RPC, as JSON). The browser gets the whole file before saving it: for millions of
// calls, curl or the RPC stream it to disk instead.
import { create, toJsonString } from "@bufbuild/protobuf";
import { type CallFilter, ExportCallsRequestSchema, ExportFormat } from "@tapline/client";
import { saveFile } from "./saveFile";
import { storedKey } from "./session";

export const EXPORT_FORMATS = {
  parquet: ExportFormat.PARQUET,
  csv: ExportFormat.CSV,
  jsonl: ExportFormat.JSON_LINES,
} as const;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;

/** Saves the export as a file; returns the server's message when it refuses. */
export async function downloadExport(filter: CallFilter, format: ExportFormatName): Promise<string | null> {
  const request = create(ExportCallsRequestSchema, { filter, format: EXPORT_FORMATS[format] });
  const response = await fetch("/v1/calls:export", {
    method: "POST",
    headers: { authorization: `Bearer ${storedKey()}`, "content-type": "application/json" },
    body: toJsonString(ExportCallsRequestSchema, request),
  });
  if (!response.ok) {
    const status = (await response.json().catch(() => ({}))) as { message?: string };
    return status.message ?? `the export failed (HTTP ${response.status})`;
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? `calls.${format}`;
  saveFile(await response.blob(), name);
  return null;
}
