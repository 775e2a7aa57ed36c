import { createLocalJWKSet, importJWK, type JWK, jwtVerify, SignJWT } from "jose";
import type { CompiledMandate } from "../core/compile.js";
import { validateMandate } from "../core/load.js";
import type { Mandate } from "../core/mandate.js";

/**
 * Per-session mandates over HTTP: the client presents its mandate as a signed token (a JWT signed with EdDSA, in
 * `Authorization: Bearer …`); the gateway verifies issuer key, signature, expiry and issuer, then that the mandate
 * stays within the gateway's deployment policy.
 */
export interface TokenPolicy {
  /** The issuers' public keys (a JWK Set); a token names its key with `kid`, or any key is tried. */
  readonly keys: { readonly keys: readonly JWK[] };
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud`, when set. */
  readonly audience?: string;
  /** Leeway for `exp`/`nbf`, in seconds. Default 30. */
  readonly clockToleranceSec?: number;
}

export type TokenCheck =
  | {
      readonly ok: true;
      readonly mandate: Mandate;
      readonly subject: string | null;
      readonly expires: number;
    }
  | { readonly ok: false; readonly reason: string };

/** The claim that carries the mandate. */
export const MANDATE_CLAIM = "mandate";

/** Verifies a mandate token and that its mandate is within `policy` (see {@link withinPolicy}). Never throws. */
export async function verifyMandateToken(
  token: string | undefined,
  tokens: TokenPolicy,
  policy: CompiledMandate,
  now: number = Date.now(),
): Promise<TokenCheck> {
  if (token === undefined || token === "")
    return { ok: false, reason: "no mandate token (Authorization: Bearer …)" };
  const verified = await verifiedPayload(token, tokens, now);
  if ("reason" in verified) return { ok: false, reason: verified.reason };
  const payload = verified.payload;
  const checked = validateMandate(payload[MANDATE_CLAIM], { now });
  if (!checked.ok) {
    const first = checked.issues.find((i) => i.severity === "error");
    return {
      ok: false,
      reason: `the token's mandate is malformed: ${first?.field ?? ""} ${first?.message ?? ""}`.trim(),
    };
  }
  const wider = withinPolicy(checked.mandate, policy);
  if (wider.length > 0)
    return { ok: false, reason: `the token's mandate goes beyond the gateway's policy: ${wider.join("; ")}` };
  return {
    ok: true,
    mandate: checked.mandate,
    subject: typeof payload.sub === "string" ? payload.sub : null,
    expires: Number(payload.exp) * 1000,
  };
}

/**
 * The claims of a token signed (EdDSA) by one of the policy's keys, for its issuer (and audience), unexpired and
 * carrying a mandate — or why not. Every token check, single or chained, goes through here.
 */
export async function verifiedPayload(
  token: string,
  tokens: TokenPolicy,
  now: number,
): Promise<{ readonly payload: Record<string, unknown> } | { readonly reason: string }> {
  try {
    const jwks = createLocalJWKSet({ keys: [...tokens.keys.keys] });
    const verified = await jwtVerify(token, jwks, {
      algorithms: ["EdDSA"],
      issuer: tokens.issuer,
      ...(tokens.audience === undefined ? {} : { audience: tokens.audience }),
      clockTolerance: tokens.clockToleranceSec ?? 30,
      currentDate: new Date(now),
      requiredClaims: ["exp", MANDATE_CLAIM],
    });
    return { payload: verified.payload as Record<string, unknown> };
  } catch (error) {
    return {
      reason: `the mandate token is not valid: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * What a session mandate grants beyond the deployment policy, by tool: every tool (or glob) a session rule allows
 * or asks for must be one the policy allows or asks for, and a tool the policy only asks for cannot be allowed
 * outright. Empty when it stays within. (Argument constraints and budgets are judged at each call by the session
 * mandate alone; comparing them with the policy's is the attenuation check of a later release.)
 */
export function withinPolicy(session: Mandate, policy: CompiledMandate): string[] {
  const problems: string[] = [];
  const grants = (effect: "allow" | "ask") =>
    (session[effect] ?? []).flatMap((rule) =>
      rule.tool !== undefined ? [rule.tool] : [...(rule.tools ?? [])],
    );
  const policyRules = (effect: "allow" | "ask") => [...(policy.mandate[effect] ?? [])];
  const policyNames = (effect: "allow" | "ask") =>
    policyRules(effect).flatMap((rule) => (rule.tool !== undefined ? [rule.tool] : [...(rule.tools ?? [])]));
  for (const effect of ["allow", "ask"] as const) {
    for (const selector of grants(effect)) {
      const plan = policy.planFor(selector);
      const literal = (e: "allow" | "ask") => policyNames(e).includes(selector);
      const allowed = literal("allow") || (!/[*?{]/.test(selector) && plan.allow.length > 0);
      const asked = literal("ask") || (!/[*?{]/.test(selector) && plan.ask.length > 0);
      if (effect === "allow" && !allowed) {
        problems.push(
          asked
            ? `\`${selector}\` needs approval under the policy`
            : `\`${selector}\` is not granted by the policy`,
        );
      }
      if (effect === "ask" && !allowed && !asked)
        problems.push(`\`${selector}\` is not granted by the policy`);
    }
  }
  return problems;
}

/** Signs a mandate as a token (for issuers, tests and `mandate token`). `privateJwk` is an Ed25519 private JWK. */
export async function signMandateToken(
  mandate: Mandate,
  privateJwk: JWK,
  claims: { issuer: string; subject?: string; audience?: string; expiresIn: string | number },
): Promise<string> {
  const key = await importJWK(privateJwk, "EdDSA");
  let jwt = new SignJWT({ [MANDATE_CLAIM]: mandate })
    .setProtectedHeader({ alg: "EdDSA", ...(privateJwk.kid === undefined ? {} : { kid: privateJwk.kid }) })
    .setIssuer(claims.issuer)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn);
  if (claims.subject !== undefined) jwt = jwt.setSubject(claims.subject);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(key);
}
