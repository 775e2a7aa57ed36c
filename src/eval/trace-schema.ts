/**
 * The JSON Schema of a trace file (`mandate-trace/1`, docs/trace-format.md): recorded agent sessions replayed
 * against mandates. The shape only; what JSON Schema cannot say (unique case ids, a result after its call, the
 * mandate itself) is checked in trace.ts.
 */

export const TRACE_FORMAT = "mandate-trace/1";

const nonEmpty = { type: "string", minLength: 1 } as const;

/** A tool in the shape of an MCP `tools/list` entry; other MCP keys (`title`, `outputSchema`, …) may come along. */
const toolSchema = {
  type: "object",
  required: ["name", "inputSchema"],
  properties: {
    name: nonEmpty,
    description: { type: "string" },
    inputSchema: { type: "object" },
    annotations: { type: "object" },
    trusted: { type: "boolean" },
  },
} as const;

const userEvent = {
  required: ["content"],
  additionalProperties: false,
  properties: { type: true, content: { type: "string" } },
} as const;

const callEvent = {
  required: ["tool", "args", "label"],
  additionalProperties: false,
  properties: {
    type: true,
    tool: nonEmpty,
    args: { type: "object" },
    label: { enum: ["benign", "attack"] },
    expect: { enum: ["allow", "deny", "ask"] },
  },
} as const;

const resultEvent = {
  required: ["tool", "content"],
  additionalProperties: false,
  // Any JSON value: text, an object, a list, a number, `null`.
  properties: { type: true, tool: nonEmpty, content: true },
} as const;

const when = (type: string, then: object) => ({
  if: { required: ["type"], properties: { type: { const: type } } },
  then,
});

const eventSchema = {
  type: "object",
  required: ["type"],
  properties: { type: { enum: ["user", "call", "result"] } },
  allOf: [when("user", userEvent), when("call", callEvent), when("result", resultEvent)],
} as const;

const caseSchema = {
  type: "object",
  required: ["id", "events"],
  additionalProperties: false,
  properties: {
    id: nonEmpty,
    // Checked by the mandate loader, which says far more than a schema error could.
    mandate: { type: "object" },
    mandateFile: nonEmpty,
    events: { type: "array", items: eventSchema },
  },
  oneOf: [{ required: ["mandate"] }, { required: ["mandateFile"] }],
} as const;

export const traceSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Mandate trace",
  type: "object",
  required: ["format", "tools", "cases"],
  additionalProperties: false,
  properties: {
    format: { const: TRACE_FORMAT },
    tools: { type: "array", items: toolSchema },
    cases: { type: "array", minItems: 1, items: caseSchema },
  },
} as const;
