import type { Guard } from "../../guard/guard.js";

/** What a guard has already been shown from an AI SDK conversation, so a history passed again is not re-recorded. */
export interface Seen {
  /** Calls its guarded tools answered (run or refused): their outputs are in the Guard's own observations. */
  readonly calls: Set<string>;
  /** User texts already given to `observeUser`. */
  readonly userTexts: Set<string>;
}

const seen = new WeakMap<Guard, Seen>();

export function seenBy(guard: Guard): Seen {
  let s = seen.get(guard);
  if (s === undefined) seen.set(guard, (s = { calls: new Set(), userTexts: new Set() }));
  return s;
}
