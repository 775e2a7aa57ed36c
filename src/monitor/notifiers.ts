import { type Notifier } from "./alert.js";
import type { WebhookSpec } from "./rule.js";
import { webhookNotifier, type WebhookNotifierOptions } from "./webhook-notifier.js";

/**
 * The notifiers a monitors file names, with secrets read from the environment. A webhook whose `secretEnv` is not
 * set is an error: an unsigned alert would be accepted by nobody who checks signatures.
 */
export function notifiersFor(
  webhooks: readonly WebhookSpec[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: Omit<WebhookNotifierOptions, "url" | "secret"> = {},
): Notifier[] {
  return webhooks.map((w) => {
    let secret: string | undefined;
    if (w.secretEnv !== undefined) {
      secret = env[w.secretEnv];
      if (secret === undefined || secret === "") {
        throw new Error(
          `the alert webhook \`${w.url}\` needs its secret in \`${w.secretEnv}\`, which is not set`,
        );
      }
    }
    return webhookNotifier({ url: w.url, ...(secret === undefined ? {} : { secret }), ...options });
  });
}
