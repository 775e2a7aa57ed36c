import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { isJsonObject } from "./json-value.js";
import { re2Engine } from "./pattern.js";

/** Hints a tool declares about itself. Untrusted: they can tighten a default, never grant authority. */
export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

/** A tool in the shape of an MCP `tools/list` entry. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly annotations?: ToolAnnotations;
}

/** One way a call's arguments broke the tool's own `inputSchema`. */
export interface SchemaFailure {
  readonly path: string;
  readonly keyword: string;
  readonly message: string;
}

export interface CatalogTool {
  readonly definition: ToolDefinition;
  /** Validates arguments against the tool's `inputSchema`: `[]` when they conform. */
  check(args: unknown): readonly SchemaFailure[];
  /** Why the schema could not be compiled, if it could not; every call of such a tool is denied. */
  readonly problem: string | null;
}

/**
 * The tools an agent may see, with their input schemas compiled once. Share one catalog across the mandates
 * that use it: compiling a schema costs milliseconds, deciding must cost microseconds.
 */
export interface Catalog {
  readonly tools: ReadonlyMap<string, CatalogTool>;
}

export class CatalogError extends Error {
  override name = "CatalogError";
}

let draft2020: Ajv2020 | undefined;
let draft07: Ajv | undefined;
const options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  logger: false,
  code: { regExp: re2Engine },
} as const;

/** MCP says `inputSchema` is JSON Schema 2020-12 unless `$schema` names draft-07. */
function ajvFor(schema: Readonly<Record<string, unknown>>): Ajv | Ajv2020 {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (/draft-0[4-7]/.test(declared)) return (draft07 ??= new Ajv(options));
  return (draft2020 ??= new Ajv2020(options));
}

export function createCatalog(tools: readonly ToolDefinition[]): Catalog {
  const map = new Map<string, CatalogTool>();
  for (const [i, tool] of tools.entries()) {
    const name: unknown = (tool as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || name === "")
      throw new CatalogError(`tools[${i}]: expected a non-empty \`name\``);
    if (map.has(name)) throw new CatalogError(`tools[${i}]: duplicate tool \`${name}\``);
    const schema: unknown = tool.inputSchema ?? { type: "object" };
    if (!isJsonObject(schema))
      throw new CatalogError(`tools[${i}] (\`${name}\`): \`inputSchema\` must be an object`);
    map.set(name, compileTool({ ...tool, inputSchema: schema }));
  }
  return { tools: map };
}

/**
 * Reads a catalog from JSON: an array of tools, or an MCP `tools/list` result (`{ "tools": [...] }`).
 * `file` only names the source in errors.
 */
export function parseCatalog(text: string, file = "<catalog>"): Catalog {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(
      `${file}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const tools: unknown = Array.isArray(value) ? value : isJsonObject(value) ? value.tools : undefined;
  if (!Array.isArray(tools))
    throw new CatalogError(`${file}: expected an array of tools or \`{ "tools": [...] }\``);
  try {
    return createCatalog(tools as ToolDefinition[]);
  } catch (error) {
    throw new CatalogError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function compileTool(definition: ToolDefinition): CatalogTool {
  let validate: ValidateFunction;
  try {
    validate = ajvFor(definition.inputSchema).compile(definition.inputSchema);
  } catch (error) {
    const problem = `the input schema of tool \`${definition.name}\` does not compile: ${error instanceof Error ? error.message : String(error)}`;
    return { definition, problem, check: () => [{ path: "", keyword: "schema", message: problem }] };
  }
  return {
    definition,
    problem: null,
    check(args) {
      if (validate(args)) return [];
      const errors: ErrorObject[] = [...(validate.errors ?? [])];
      return errors.map((e) => ({
        path:
          e.keyword === "additionalProperties"
            ? `${e.instancePath}/${String(e.params.additionalProperty)}`
            : e.instancePath,
        keyword: e.keyword,
        message: schemaMessage(e),
      }));
    },
  };
}

function schemaMessage(e: ErrorObject): string {
  const where =
    e.instancePath === "" ? "the arguments" : `\`${e.instancePath.slice(1).replace(/\//g, ".")}\``;
  if (e.keyword === "additionalProperties")
    return `unknown argument \`${String(e.params.additionalProperty)}\` (not in the tool's schema)`;
  if (e.keyword === "required")
    return `missing argument \`${String(e.params.missingProperty)}\` (required by the tool's schema)`;
  return `${where} ${e.message ?? "does not match"} (tool's schema)`;
}
