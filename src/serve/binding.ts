import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/** SHA-256 (hex) of the RFC 8785 canonical JSON of a call's arguments: what an approval is bound to. */
export function argsHash(args: unknown): string {
  const json = canonicalize(args);
  if (json === undefined) throw new TypeError("the arguments cannot be written as json");
  return createHash("sha256").update(json).digest("hex");
}
