/**
 * Mandate updates during a run (DESIGN.md §4): an update that only narrows the mandate in force may apply by
 * itself; one that grants anything more must go to the approver. Decided with the same subset check as
 * delegation (`attenuate`), so "narrowing" is a proof, and anything unproven counts as widening.
 */
import { attenuate, type AttenuateOptions, type AttenuationGap } from "./attenuate.js";
import type { CompiledMandate } from "./compile.js";
import type { Mandate } from "./mandate.js";

export type UpdateProposal =
  | { readonly kind: "narrowing" }
  | {
      readonly kind: "widening";
      /** What the proposal grants beyond the mandate in force (or could not be shown not to). */
      readonly wider: readonly AttenuationGap[];
    };

/** Classifies `proposed` against `current`. Throws `MandateError` when either is not a valid mandate. */
export function proposeUpdate(
  current: Mandate | CompiledMandate,
  proposed: Mandate | CompiledMandate,
  opts: AttenuateOptions = {},
): UpdateProposal {
  const result = attenuate(current, proposed, opts);
  return result.ok ? { kind: "narrowing" } : { kind: "widening", wider: result.wider };
}
