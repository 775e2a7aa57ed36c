/**
 * JSON Schema (draft-07) of the mandate format. Shipped as `schema/mandate.schema.json` for editors;
 * a test keeps that file equal to this object. Strict: unknown keys are errors, so a misspelt
 * `maxium` cannot silently grant more.
 */
const nonNegative = { type: "number", minimum: 0 } as const;
const nonNegativeInt = { type: "integer", minimum: 0 } as const;
const stringList = { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 } as const;

const constraintProperties = {
  description: { type: "string" },
  type: {
    anyOf: [
      { $ref: "#/definitions/typeName" },
      { type: "array", items: { $ref: "#/definitions/typeName" }, minItems: 1, uniqueItems: true },
    ],
  },
  const: {},
  enum: { type: "array", minItems: 1 },
  minimum: { type: "number" },
  maximum: { type: "number" },
  exclusiveMinimum: { type: "number" },
  exclusiveMaximum: { type: "number" },
  multipleOf: { type: "number", exclusiveMinimum: 0 },
  minLength: nonNegativeInt,
  maxLength: nonNegativeInt,
  pattern: { type: "string" },
  items: { $ref: "#/definitions/constraint" },
  minItems: nonNegativeInt,
  maxItems: nonNegativeInt,
  uniqueItems: { type: "boolean" },
  contains: { $ref: "#/definitions/constraint" },
  properties: { type: "object", additionalProperties: { $ref: "#/definitions/constraint" } },
  required: { type: "array", items: { type: "string" }, uniqueItems: true },
  additionalProperties: { anyOf: [{ type: "boolean" }, { $ref: "#/definitions/constraint" }] },
  minProperties: nonNegativeInt,
  maxProperties: nonNegativeInt,
  not: { $ref: "#/definitions/constraint" },
  anyOf: { type: "array", items: { $ref: "#/definitions/constraint" }, minItems: 1 },
  oneOf: { type: "array", items: { $ref: "#/definitions/constraint" }, minItems: 1 },
  allOf: { type: "array", items: { $ref: "#/definitions/constraint" }, minItems: 1 },
  path: {
    type: "object",
    description:
      "The value is a path under one of these roots, after normalising `..`, `.`, `//` and encodings.",
    properties: { under: stringList },
    required: ["under"],
    additionalProperties: false,
  },
  url: {
    type: "object",
    description: "The value is a URL whose host is one of these (`*.example.com` for subdomains).",
    properties: {
      hosts: stringList,
      schemes: stringList,
      ports: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, minItems: 1 },
    },
    required: ["hosts"],
    additionalProperties: false,
  },
  email: {
    type: "object",
    description: "The value is one e-mail address in one of these domains (case-folded).",
    properties: { domains: stringList },
    required: ["domains"],
    additionalProperties: false,
  },
} as const;

const rule = {
  type: "object",
  properties: {
    tool: { type: "string", minLength: 1, description: "A tool name or glob (`*`, `?`, `{a,b}`)." },
    tools: stringList,
    id: { type: "string", minLength: 1 },
    description: { type: "string" },
    args: {
      type: "object",
      description: "Constraints on arguments by name.",
      additionalProperties: { $ref: "#/definitions/argumentConstraint" },
    },
    budget: { $ref: "#/definitions/budget" },
  },
  additionalProperties: false,
  oneOf: [{ required: ["tool"] }, { required: ["tools"] }],
} as const;

export const mandateSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://mandate.dev/schema/mandate-1.json",
  title: "Mandate",
  description: "The authority a user grants an AI agent for one task.",
  type: "object",
  properties: {
    $schema: {
      type: "string",
      description: "The JSON Schema of this file, for editors; ignored by Mandate.",
    },
    mandate: { const: 1, description: "Version of the mandate language." },
    id: { type: "string", minLength: 1, maxLength: 200 },
    subject: { type: "string", description: "Who granted it, e.g. `user:alice`." },
    agent: { type: "string", description: "The agent it was granted to." },
    task: { type: "string", description: "The task, in the user's words." },
    description: { type: "string" },
    issued: { type: "string", description: "ISO 8601 instant the mandate was granted." },
    notBefore: { type: "string", description: "ISO 8601 instant before which it is not valid." },
    expires: { type: "string", description: "ISO 8601 instant at which it expires." },
    ttl: { type: "string", description: "Validity from `issued` (or from loading): `15m`, `2h`, `7d`." },
    mode: { enum: ["enforce", "shadow"] },
    trustedTools: { ...stringList, description: "Tools whose outputs are trusted sources (preview)." },
    sensitiveTools: {
      ...stringList,
      description: "Tools whose outputs are sensitive: `flow` rules keep them from flowing out.",
    },
    allow: { type: "array", items: { $ref: "#/definitions/rule" } },
    ask: { type: "array", items: { $ref: "#/definitions/rule" } },
    deny: { type: "array", items: { $ref: "#/definitions/denyRule" } },
  },
  required: ["mandate", "id"],
  additionalProperties: false,
  definitions: {
    typeName: { enum: ["string", "number", "integer", "boolean", "object", "array", "null"] },
    constraint: { type: "object", properties: constraintProperties, additionalProperties: false },
    argumentConstraint: {
      type: "object",
      properties: {
        ...constraintProperties,
        secret: { type: "boolean", description: "Redact the value in audit records and deltas." },
        optional: { type: "boolean", description: "The call may omit this argument." },
        provenance: {
          const: "trusted",
          description: "The value must appear in a trusted source the session observed (preview).",
        },
        from: {
          type: "array",
          items: { type: "string", pattern: "^(user|mandate|tool:.+)$" },
          minItems: 1,
          description:
            "The value must appear in one of these sources: `user`, `mandate`, `tool:<name>` (preview).",
        },
        flow: {
          type: "object",
          description: "Data from untrusted or sensitive tool outputs must not flow into this argument.",
          properties: {
            forbid: {
              type: "array",
              items: { enum: ["untrusted", "sensitive"] },
              minItems: 1,
              uniqueItems: true,
              description: "Whose data must not flow in (default both).",
            },
            detect: {
              type: "array",
              items: { enum: ["overlap", "values"] },
              minItems: 1,
              uniqueItems: true,
              description: "How a flow is found (default both).",
            },
            minRun: { type: "integer", minimum: 1, description: "Characters of a copied run (default 20)." },
            minShare: {
              type: "number",
              exclusiveMinimum: 0,
              maximum: 1,
              description: "Share of the text copied (default 0.5).",
            },
            minPiece: {
              type: "integer",
              minimum: 1,
              description: "Characters a piece needs to count towards the share (default 8).",
            },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    budget: {
      type: "object",
      properties: {
        calls: nonNegativeInt,
        sum: { type: "object", additionalProperties: nonNegative, minProperties: 1 },
        per: { type: "string", description: "Window length: `30m`, `1h`, `1d`." },
      },
      additionalProperties: false,
      minProperties: 1,
    },
    rule,
    denyRule: {
      ...rule,
      properties: {
        tool: rule.properties.tool,
        tools: rule.properties.tools,
        id: rule.properties.id,
        description: rule.properties.description,
        args: rule.properties.args,
      },
    },
  },
} as const;
