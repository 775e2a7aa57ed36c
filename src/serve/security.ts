import type { Context } from "hono";

/** Sent with every response: nothing inline, nothing from elsewhere, never framed. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Evaluation reports are self-contained pages with inline styles and no script; they run sandboxed. */
export const REPORT_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

export function securityHeaders(c: Context, tls: boolean): void {
  if (!c.res.headers.has("content-security-policy"))
    c.res.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  c.res.headers.set("x-content-type-options", "nosniff");
  c.res.headers.set("x-frame-options", "DENY");
  // Not `no-referrer`: with it a browser sends `Origin: null` on its own forms, and the origin check needs the real one.
  c.res.headers.set("referrer-policy", "same-origin");
  c.res.headers.set("cross-origin-opener-policy", "same-origin");
  c.res.headers.set("cross-origin-resource-policy", "same-origin");
  c.res.headers.set("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
  if (tls) c.res.headers.set("strict-transport-security", "max-age=31536000");
}

/**
 * A state-changing request must come from a page of this server: its `Origin` (or, failing that, its `Referer`)
 * names this origin exactly. Requests with neither are refused: every browser that sends cookies sends one.
 */
export function sameOrigin(c: Context, origin: string): boolean {
  const sent = c.req.header("origin");
  if (sent !== undefined) return sent === origin;
  const referer = c.req.header("referer");
  if (referer === undefined) return false;
  try {
    return new URL(referer).origin === origin;
  } catch {
    return false;
  }
}
