import { importJWK, type JWK, SignJWT } from "jose";
import { attenuate } from "../core/attenuate.js";
import { validateMandate } from "../core/load.js";
import type { Mandate } from "../core/mandate.js";
import { MANDATE_CLAIM, type TokenPolicy, verifiedPayload } from "./token.js";

/**
 * Delegation chains: a sub-agent's mandate token carries its parent's token in the `parent` claim, so whoever
 * holds the leaf can show the whole line of authority back to the user's grant. Verifying a chain checks every
 * link — signature, issuer, expiry, a token that ends no later than its parent's — and that each mandate is an
 * attenuation of the one above it (`attenuate`).
 */

/** The claim that carries the parent's token (a compact JWS). */
export const PARENT_CLAIM = "parent";
/** Links beyond this are refused: a chain is a short line of delegation, not a list to walk without end. */
export const MAX_CHAIN_DEPTH = 8;

export type ChainCheck =
  | {
      readonly ok: true;
      /** The leaf's mandate: what the holder may do. */
      readonly mandate: Mandate;
      /** Every mandate of the chain, the root (the user's grant) first. */
      readonly chain: readonly Mandate[];
      readonly subject: string | null;
      /** When the leaf token expires (ms since epoch). */
      readonly expires: number;
    }
  | {
      readonly ok: false;
      /** Which link failed: 0 is the leaf, 1 its parent, … */
      readonly depth: number;
      readonly reason: string;
    };

/** Signs `child` as a token whose `parent` claim is `parentToken`. The issuer of the child signs it. */
export async function signDelegatedToken(
  child: Mandate,
  parentToken: string,
  privateJwk: JWK,
  claims: { issuer: string; subject?: string; audience?: string; expiresIn: string | number },
): Promise<string> {
  const key = await importJWK(privateJwk, "EdDSA");
  let jwt = new SignJWT({ [MANDATE_CLAIM]: child, [PARENT_CLAIM]: parentToken })
    .setProtectedHeader({ alg: "EdDSA", ...(privateJwk.kid === undefined ? {} : { kid: privateJwk.kid }) })
    .setIssuer(claims.issuer)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn);
  if (claims.subject !== undefined) jwt = jwt.setSubject(claims.subject);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(key);
}

interface Link {
  readonly mandate: Mandate;
  readonly parent: string | null;
  readonly subject: string | null;
  readonly expires: number;
}

/** Verifies a mandate token and every ancestor it carries. Never throws. */
export async function verifyMandateChain(
  token: string | undefined,
  tokens: TokenPolicy,
  now: number = Date.now(),
): Promise<ChainCheck> {
  if (token === undefined || token === "") {
    return { ok: false, depth: 0, reason: "no mandate token (Authorization: Bearer …)" };
  }
  const links: Link[] = [];
  let next: string | null = token;
  while (next !== null) {
    const depth = links.length;
    if (depth > MAX_CHAIN_DEPTH) {
      return { ok: false, depth, reason: `the chain is longer than ${MAX_CHAIN_DEPTH} links` };
    }
    const link = await verifyLink(next, tokens, now);
    if ("reason" in link) return { ok: false, depth, reason: link.reason };
    links.push(link);
    next = link.parent;
  }
  // links[0] is the leaf; check each child against its parent, from the leaf up.
  for (let i = 0; i + 1 < links.length; i++) {
    const child = links[i]!;
    const parent = links[i + 1]!;
    if (child.expires > parent.expires) {
      return { ok: false, depth: i, reason: "the token outlives its parent's token" };
    }
    let verdict;
    try {
      verdict = attenuate(parent.mandate, child.mandate, { now });
    } catch (error) {
      return { ok: false, depth: i, reason: `cannot compare with the parent: ${messageOf(error)}` };
    }
    if (!verdict.ok) {
      const wider = verdict.wider.map((g) => `${g.field === "" ? "" : `${g.field}: `}${g.message}`);
      return {
        ok: false,
        depth: i,
        reason: `the mandate \`${child.mandate.id}\` is not an attenuation of its parent \`${parent.mandate.id}\`: ${wider.join("; ")}`,
      };
    }
  }
  const leaf = links[0]!;
  return {
    ok: true,
    mandate: leaf.mandate,
    chain: links.map((l) => l.mandate).reverse(),
    subject: leaf.subject,
    expires: leaf.expires,
  };
}

async function verifyLink(
  token: string,
  tokens: TokenPolicy,
  now: number,
): Promise<Link | { reason: string }> {
  const verified = await verifiedPayload(token, tokens, now);
  if ("reason" in verified) return verified;
  const payload = verified.payload;
  const parent = payload[PARENT_CLAIM];
  if (parent !== undefined && (typeof parent !== "string" || parent === "")) {
    return { reason: "the `parent` claim is not a token" };
  }
  const checked = validateMandate(payload[MANDATE_CLAIM], { now });
  if (!checked.ok) {
    const first = checked.issues.find((i) => i.severity === "error");
    return {
      reason: `the token's mandate is malformed: ${first?.field ?? ""} ${first?.message ?? ""}`.trim(),
    };
  }
  return {
    mandate: checked.mandate,
    parent: parent ?? null,
    subject: typeof payload.sub === "string" ? payload.sub : null,
    expires: Number(payload.exp) * 1000,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
