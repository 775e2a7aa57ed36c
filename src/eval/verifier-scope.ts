import { openAiVerifier } from "../verifier/openai.js";
import { serveScriptedVerifier } from "../verifier/scripted.js";
import type { Verifier } from "../verifier/verifier.js";
import { type Scope, VERIFIER_SCOPE } from "./scope.js";

/** The verifier a run's `mandate+verifier` scope uses, and how to stop what was started for it. */
export interface RunVerifier {
  readonly verifier: Verifier | undefined;
  close(): Promise<void>;
}

/**
 * The given verifier, or, when the run has scope `mandate+verifier` without one, the scripted policy
 * (`outputOnlyValues`) served on 127.0.0.1 and asked through `openAiVerifier`: the same wire path a model's answer
 * takes, deterministic and free.
 */
export async function verifierForRun(scopes: readonly Scope[], given?: Verifier): Promise<RunVerifier> {
  if (given !== undefined || !scopes.includes(VERIFIER_SCOPE)) {
    return { verifier: given, close: () => Promise.resolve() };
  }
  const server = await serveScriptedVerifier();
  return {
    verifier: openAiVerifier({ baseUrl: server.baseUrl, model: "scripted", timeoutMs: 10_000 }),
    close: () => server.close(),
  };
}
