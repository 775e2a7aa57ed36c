import type { Denial } from "../guard/denial.js";

/** Where a denial's structure sits in a `CallToolResult`'s `_meta` (reverse-DNS, as MCP asks of `_meta` keys). */
export const DENIAL_META_KEY = "io.github.mandate/denial";

/** The MCP result for a refused call: an error the agent reads and goes on from, not a protocol failure. */
export interface DenialResult {
  readonly content: readonly { readonly type: "text"; readonly text: string }[];
  readonly isError: true;
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  readonly _meta: Readonly<Record<string, unknown>>;
}

/**
 * A denial as a `CallToolResult`: the reason in plain words (`content`), the verdict and authority delta as data
 * in `_meta`, and as `structuredContent` too unless the tool declares an `outputSchema` (a client validates
 * structured content against it, error or not).
 */
export function denialResult(denial: Denial, options: { toolHasOutputSchema?: boolean } = {}): DenialResult {
  const structured = {
    denied: true,
    verdict: denial.verdict,
    tool: denial.tool,
    callId: denial.callId,
    delta: denial.delta,
  };
  return {
    content: [{ type: "text", text: denial.message }],
    isError: true,
    ...(options.toolHasOutputSchema === true ? {} : { structuredContent: { mandate: structured } }),
    _meta: { [DENIAL_META_KEY]: structured },
  };
}
