import { metrics, trace } from "@opentelemetry/api";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  createGuard,
  loadMandate,
  MandateDeniedError,
  openTelemetry,
  TELEMETRY_NAMES,
} from "../../src/index.js";
import { spawnTs, watchChild } from "../concurrency/spawn.js";

const spans = new InMemorySpanExporter();
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 3_600_000,
});

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterAll(() => {
  trace.disable();
  metrics.disable();
});
beforeEach(() => spans.reset());

const mandate = loadMandate(`
mandate: 1
id: otel-test
subject: user:alice
allow:
  - tool: send_money
    args:
      amount: { maximum: 100 }
    budget: { calls: 2 }
  - tool: flaky
`);

/** The instruments' points, by name, as the SDK would export them. */
async function collected(): Promise<Map<string, { attributes: Record<string, unknown>; value: unknown }[]>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const points = metric.dataPoints.map((p) => ({ attributes: { ...p.attributes }, value: p.value }));
      out.set(metric.descriptor.name, [...(out.get(metric.descriptor.name) ?? []), ...points]);
      if (metric.descriptor.name === TELEMETRY_NAMES.duration) {
        expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
        expect(metric.descriptor.unit).toBe("ms");
      }
    }
  }
  return out;
}

describe("openTelemetry", () => {
  test("a span per guarded call with verdict, delta kinds, mandate id and tool; counters and latency", async () => {
    const guard = createGuard({ mandate, telemetry: await openTelemetry(), session: "s-1" });
    const send = guard.wrap("send_money", (args: { amount: number }) => `sent ${args.amount}`);
    expect(await send({ amount: 10 }, { callId: "c-1" })).toBe("sent 10");
    expect(await send({ amount: 500 }, { callId: "c-2" })).toMatchObject({ denied: true });
    await send({ amount: 1 });
    expect(await send({ amount: 1 })).toMatchObject({ denied: true, delta: [{ kind: "budget" }] });
    await expect(
      guard.run({ tool: "flaky", args: {} }, () => {
        throw new Error("upstream is down");
      }),
    ).rejects.toThrow("upstream is down");

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(Array(5).fill(TELEMETRY_NAMES.span));
    expect(finished[0]!.attributes).toEqual({
      "mandate.tool": "send_money",
      "mandate.mandate_id": "otel-test",
      "mandate.call_id": "c-1",
      "mandate.session": "s-1",
      "mandate.verdict": "allow",
      "mandate.effect": "allow",
      "mandate.delta.kinds": [],
      "mandate.outcome": "ok",
    });
    expect(finished[1]!.attributes).toMatchObject({
      "mandate.call_id": "c-2",
      "mandate.verdict": "deny",
      "mandate.effect": "deny",
      "mandate.delta.kinds": ["argument"],
      "mandate.outcome": "not_run",
    });
    expect(finished[3]!.attributes).toMatchObject({ "mandate.delta.kinds": ["budget"] });
    expect(finished[4]!.attributes).toMatchObject({ "mandate.tool": "flaky", "mandate.outcome": "error" });
    expect(finished[4]!.status).toEqual({ code: 2, message: "upstream is down" });
    expect(finished[4]!.events.map((e) => e.name)).toEqual(["exception"]);

    const points = await collected();
    const counts = (points.get(TELEMETRY_NAMES.decisions) ?? []).map((p) => [
      p.attributes["mandate.tool"],
      p.attributes["mandate.verdict"],
      p.attributes["mandate.effect"],
      p.value,
    ]);
    expect(counts).toEqual(
      expect.arrayContaining([
        ["send_money", "allow", "allow", 2],
        ["send_money", "deny", "deny", 2],
        ["flaky", "allow", "allow", 1],
      ]),
    );
    const histogram = points.get(TELEMETRY_NAMES.duration) ?? [];
    const allowed = histogram.find((p) => p.attributes["mandate.verdict"] === "allow");
    expect(allowed?.value).toMatchObject({ count: 3 });
    expect((allowed?.value as { sum: number }).sum).toBeGreaterThan(0);
  });

  test("a call refused with onDeny: throw is not an error span", async () => {
    const guard = createGuard({ mandate, telemetry: await openTelemetry(), onDeny: "throw" });
    await expect(guard.run({ tool: "send_money", args: { amount: 1e6 } }, () => 1)).rejects.toBeInstanceOf(
      MandateDeniedError,
    );
    const [span] = spans.getFinishedSpans();
    expect(span?.attributes).toMatchObject({ "mandate.verdict": "deny", "mandate.outcome": "not_run" });
    expect(span?.status.code).toBe(0);
  });

  test("without @opentelemetry/api installed it is a no-op, and nothing tries to load it until asked", async () => {
    const child = spawnTs(new URL("./fixtures/without-otel.ts", import.meta.url), []);
    const lines: string[] = [];
    const { code, stderr } = await watchChild(child, (line) => lines.push(line));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(lines.join(""))).toEqual({
      requestedOnImport: [],
      result: "ran",
      requestedByOpenTelemetry: ["@opentelemetry/api"],
    });
  });
});
