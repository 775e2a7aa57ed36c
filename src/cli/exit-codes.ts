/**
 * Exit statuses of the `mandate` command. `check` answers with 0/1/2 so a shell script can branch on the
 * verdict; the others follow sysexits(3).
 */
export const EXIT = {
  /** `check`: allowed. Other commands: success. */
  ok: 0,
  /** `check`: denied. `audit verify`: the chain is broken. */
  deny: 1,
  /** `check`: a person must approve. */
  ask: 2,
  /** Wrong flags or arguments. */
  usage: 64,
  /** A mandate, catalog or argument JSON that is not valid. */
  dataError: 65,
  /** A file that cannot be read. */
  noInput: 66,
  /** A bug or an environment failure. */
  internal: 70,
} as const;

/** An error the CLI reports in one line and exits with `code`. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
