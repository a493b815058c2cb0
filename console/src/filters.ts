// The call explorer's view (filter, time range, order) and its place in the URL, so that a link
// reproduces what its sender saw. Every SearchCalls filter has a parameter here.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type CallFilter, CallFilterSchema, SearchOrder, StatusClass } from "@tapline/client";

export const RANGES = { "15m": 15 * 60, "1h": 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600 } as const;
export type RangeName = keyof typeof RANGES | "custom";

export const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;
export type StatusClassName = (typeof STATUS_CLASSES)[number];

export const ORDERS = { newest: SearchOrder.NEWEST_FIRST, oldest: SearchOrder.OLDEST_FIRST, slowest: SearchOrder.SLOWEST_FIRST } as const;
export type OrderName = keyof typeof ORDERS;

export interface CallView {
  service: string;
  range: RangeName;
  /** ISO times, for the custom range. */
  from: string;
  to: string;
  method: string;
  status: string;
  classes: StatusClassName[];
  route: string;
  pathPrefix: string;
  pathContains: string;
  minLatency: string;
  maxLatency: string;
  /** "" any, "only" calls with an error, "none" calls without. */
  errors: "" | "only" | "none";
  customer: string;
  plan: string;
  /** "key=value" pairs. */
  tags: string[];
  apiKeyId: string;
  sourceIp: string;
  text: string;
  traceId: string;
  order: OrderName;
}

export const DEFAULT_VIEW: CallView = {
  service: "",
  range: "1h",
  from: "",
  to: "",
  method: "",
  status: "",
  classes: [],
  route: "",
  pathPrefix: "",
  pathContains: "",
  minLatency: "",
  maxLatency: "",
  errors: "",
  customer: "",
  plan: "",
  tags: [],
  apiKeyId: "",
  sourceIp: "",
  text: "",
  traceId: "",
  order: "newest",
};

/** URL parameter of each single-valued field. */
const PARAMS: Partial<Record<keyof CallView, string>> = {
  service: "service",
  range: "range",
  from: "from",
  to: "to",
  method: "method",
  status: "status",
  route: "route",
  pathPrefix: "path",
  pathContains: "pathContains",
  minLatency: "minLatency",
  maxLatency: "maxLatency",
  errors: "errors",
  customer: "customer",
  plan: "plan",
  apiKeyId: "apiKeyId",
  sourceIp: "ip",
  text: "q",
  traceId: "trace",
  order: "order",
};

export function viewFromParams(params: URLSearchParams): CallView {
  const view: CallView = { ...DEFAULT_VIEW, classes: [], tags: [] };
  for (const [field, name] of Object.entries(PARAMS) as [keyof CallView, string][]) {
    const value = params.get(name);
    if (value !== null) {
      (view as unknown as Record<string, string>)[field] = value;
    }
  }
  if (!(view.range in RANGES) && view.range !== "custom") view.range = DEFAULT_VIEW.range;
  if (!(view.order in ORDERS)) view.order = DEFAULT_VIEW.order;
  if (!["", "only", "none"].includes(view.errors)) view.errors = "";
  view.classes = params.getAll("class").filter((c): c is StatusClassName => (STATUS_CLASSES as readonly string[]).includes(c));
  view.tags = params.getAll("tag").filter((t) => t.includes("="));
  view.method = view.method.toUpperCase();
  return view;
}

/** The view's parameters, leaving out what equals the default so links stay short. */
export function paramsFromView(view: CallView): URLSearchParams {
  const params = new URLSearchParams();
  for (const [field, name] of Object.entries(PARAMS) as [keyof CallView, string][]) {
    const value = view[field] as string;
    if (value !== "" && value !== DEFAULT_VIEW[field]) {
      if ((field === "from" || field === "to") && view.range !== "custom") continue;
      params.set(name, value);
    }
  }
  view.classes.forEach((c) => params.append("class", c));
  view.tags.forEach((t) => params.append("tag", t));
  return params;
}

/** The time window of a range ending now, or of the custom bounds. */
export function timeWindow(view: Pick<CallView, "range" | "from" | "to">, now: Date): { start: Date; end: Date } {
  if (view.range === "custom") {
    const start = new Date(view.from);
    const end = view.to ? new Date(view.to) : now;
    if (!Number.isNaN(start.getTime()) && !Number.isNaN(end.getTime())) return { start, end };
  }
  const seconds = view.range === "custom" ? RANGES[DEFAULT_VIEW.range as keyof typeof RANGES] : RANGES[view.range];
  return { start: new Date(now.getTime() - seconds * 1000), end: now };
}

function number(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The SearchCalls filter of a view. Numbers that do not parse are left out. */
export function callFilter(view: CallView, now: Date): CallFilter {
  const { start, end } = timeWindow(view, now);
  const tags: Record<string, string> = {};
  for (const tag of view.tags) {
    const at = tag.indexOf("=");
    tags[tag.slice(0, at).trim()] = tag.slice(at + 1).trim();
  }
  return create(CallFilterSchema, {
    service: view.service.trim(),
    startTime: timestampFromDate(start),
    endTime: timestampFromDate(end),
    method: view.method.trim(),
    statusCode: Math.trunc(number(view.status) ?? 0),
    statusClasses: view.classes.map((c) => StatusClass[`STATUS_CLASS_${c.toUpperCase()}` as keyof typeof StatusClass]),
    route: view.route.trim(),
    pathPrefix: view.pathPrefix.trim(),
    pathContains: view.pathContains.trim(),
    minLatencyMs: number(view.minLatency),
    maxLatencyMs: number(view.maxLatency),
    hasError: view.errors === "" ? undefined : view.errors === "only",
    tags,
    customerId: view.customer.trim(),
    plan: view.plan.trim(),
    sourceIp: view.sourceIp.trim(),
    apiKeyId: view.apiKeyId.trim(),
    text: view.text,
    traceId: view.traceId.trim(),
  });
}
