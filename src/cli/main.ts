import { Command, CommanderError, Option } from "commander";
import { MandateError } from "../core/issue.js";
import { VERSION } from "../version.js";
import {
  auditExport,
  auditList,
  type ListOptions,
  auditShow,
  auditVerify,
  DEFAULT_AUDIT_DB,
} from "./commands/audit.js";
import { checkCommand } from "./commands/check.js";
import { demoCommand } from "./commands/demo.js";
import { DEFAULT_EVAL_AUDIT, evalCommand, type EvalOptions } from "./commands/eval.js";
import { evalTraceCommand } from "./commands/eval-trace.js";
import {
  DEFAULT_GATEWAY_AUDIT,
  DEFAULT_GATEWAY_BUDGETS,
  gatewayCommand,
  type GatewayCommandOptions,
} from "./commands/gateway.js";
import {
  serveCommand,
  type ServeCommandOptions,
  serveTokenCommand,
  serveUserCommand,
  type TokenOptions,
  type UserOptions,
} from "./commands/serve.js";
import { migrateCommand } from "./commands/migrate.js";
import { validateCommand } from "./commands/validate.js";
import { registerLintCommand } from "./commands/lint.js";
import { registerInferCommand } from "./commands/infer.js";
import { registerExportCommand } from "./commands/export.js";
import { registerAttenuateCommand } from "./commands/attenuate.js";
import { registerDraftCommand } from "./commands/draft.js";
import { registerMonitorCommand } from "./commands/monitor.js";
import { CliError, EXIT } from "./exit-codes.js";
import type { Output } from "./io.js";

export interface CliEnvironment {
  readonly io?: Output;
  /** Colour and prompts: default from whether stdout/stdin are terminals. */
  readonly color?: boolean;
  readonly interactive?: boolean;
}

/** Runs the `mandate` command and returns its exit status (see exit-codes.ts). Never throws. */
export async function main(argv: readonly string[], env: CliEnvironment = {}): Promise<number> {
  const io: Output = env.io ?? {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  };
  const color = env.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const interactive = env.interactive ?? process.stdin.isTTY === true;
  let status: number = EXIT.ok;
  const set = (code: number): void => {
    status = code;
  };

  const program = new Command("mandate")
    .description("Least privilege for AI agents: check tool calls against the authority the user granted.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t.trimEnd()), writeErr: (t) => io.err(t.trimEnd()) })
    .showSuggestionAfterError();

  program
    .command("validate")
    .description("check mandate files: errors name the file, line, column and field")
    .argument("<mandate...>", "mandate files (YAML or JSON)")
    .option("--tools <catalog>", "tool catalog (JSON, MCP tools/list shape) to check rules against")
    .option("--json", "print the issues as JSON")
    .action((files: string[], o: { tools?: string; json?: boolean }) => set(validateCommand(files, o, io)));

  program
    .command("check")
    .description("decide one call without running it; exit 0 allow, 1 deny, 2 ask")
    .requiredOption("--mandate <file>", "the mandate (YAML or JSON)")
    .option("--tools <catalog>", "tool catalog (JSON): unknown tools and schema violations are denied")
    .requiredOption("--tool <name>", "the tool the agent calls")
    .option("--args <json>", "the call's arguments as a JSON object", "{}")
    .option("--call-id <id>", "the call's id")
    .option("--now <time>", "decide as of this ISO 8601 time")
    .option("--json", "print the Decision as JSON")
    .action(
      (o: {
        mandate: string;
        tools?: string;
        tool: string;
        args?: string;
        callId?: string;
        now?: string;
        json?: boolean;
      }) => set(checkCommand({ ...o, color }, io)),
    );

  const audit = program.command("audit").description("read and verify the audit log");
  const source = (cmd: Command): Command =>
    cmd
      .addOption(
        new Option("--db <file>", "SQLite audit log (or a postgres:// URL)")
          .default(DEFAULT_AUDIT_DB)
          .conflicts("jsonl"),
      )
      .option("--jsonl <file>", "JSON Lines audit log")
      .option("--postgres <url>", "PostgreSQL audit log: postgres://…[?schema=name]");
  const sourceOf = (o: { db?: string; jsonl?: string; postgres?: string }) =>
    o.postgres !== undefined
      ? { postgres: o.postgres }
      : o.jsonl !== undefined
        ? { jsonl: o.jsonl }
        : { db: o.db ?? DEFAULT_AUDIT_DB };
  source(audit.command("list").description("list records, oldest first"))
    .option("--mandate <id>", "only this mandate")
    .option("--agent <name>")
    .option("--subject <who>")
    .option("--session <id>")
    .option("--tool <name>")
    .option("--verdict <verdict>", "allow, deny or ask")
    .option("--from <time>", "ISO 8601, inclusive")
    .option("--to <time>", "ISO 8601, exclusive")
    .option("--limit <n>")
    .option("--json", "print the records as JSON")
    .action(async (o: Omit<ListOptions, "color">) =>
      set(await auditList({ ...o, ...sourceOf(o), color }, io)),
    );
  source(audit.command("show").description("one record in full").argument("<seq>", "record number"))
    .option("--json")
    .action(async (seq: string, o: { db?: string; jsonl?: string; json?: boolean }) =>
      set(await auditShow(seq, { ...sourceOf(o), ...(o.json ? { json: true } : {}), color }, io)),
    );
  source(
    audit
      .command("verify")
      .description("re-hash the chain; exit 1 and name the first bad record if it was tampered with"),
  )
    .option(
      "--head <hash>",
      "also require the record with this hash (a head printed earlier): detects a cut-off tail",
    )
    .option("--json")
    .action(async (o: { db?: string; jsonl?: string; json?: boolean; head?: string }) =>
      set(
        await auditVerify(
          {
            ...sourceOf(o),
            ...(o.json ? { json: true } : {}),
            ...(o.head === undefined ? {} : { head: o.head }),
          },
          io,
        ),
      ),
    );
  source(audit.command("export").description("every record as JSON Lines, chain fields included")).action(
    async (o: { db?: string; jsonl?: string }) => set(await auditExport(sourceOf(o), io)),
  );

  program
    .command("eval")
    .description(
      "measure action alignment: built-in suites under every scope, or a trace from another benchmark",
    )
    .option("--suite <names>", "comma-separated: banking, workspace, devops (default: all)")
    .option(
      "--scope <scopes>",
      "comma-separated: none, tools, mandate, provenance, mandate+verifier (default: all but mandate+verifier)",
    )
    .option("--agent <agents>", "replay,hijacked (default both), or live")
    .option("--human <who>", "who answers ask: deny, approve or oracle (default oracle)")
    .option("--limit <n>", "only the first n user tasks of each suite")
    .option(
      "--base-url <url>",
      "live agent: an OpenAI-compatible endpoint (key from MANDATE_API_KEY or OPENAI_API_KEY)",
    )
    .option("--model <name>", "live agent: the model")
    .option("--verifier-url <url>", "scope mandate+verifier: an OpenAI-compatible endpoint for the verifier")
    .option("--verifier-model <name>", "scope mandate+verifier: the verifier's model (with --verifier-url)")
    .option("--verifier-timeout <ms>", "scope mandate+verifier: one answer at most (default 10000)")
    .option(
      "--verifier-on-failure <mode>",
      "scope mandate+verifier: escalate (default), block or allow when the verifier fails",
    )
    .option("--audit <file>", `write every decision to this SQLite audit log (default ${DEFAULT_EVAL_AUDIT})`)
    .option("--report <file>", "write a self-contained HTML report")
    .option("--trace <file>", "replay a mandate-trace/1 file instead (docs/trace-format.md)")
    .option("--strict", "with --trace: exit 1 when a call's verdict differs from its `expect`")
    .option("--json", "print machine-readable results")
    .action(async (o: Omit<EvalOptions, "progress"> & { trace?: string; strict?: boolean }) => {
      if (o.trace !== undefined) {
        set(
          await evalTraceCommand(
            o.trace,
            { ...(o.json ? { json: true } : {}), ...(o.strict ? { strict: true } : {}), color },
            io,
          ),
        );
        return;
      }
      set(await evalCommand({ ...o, progress: process.stderr.isTTY === true && env.io === undefined }, io));
    });

  program
    .command("gateway")
    .description("an MCP proxy: every tools/call passes the mandate; a denied call never reaches the server")
    .argument("[command...]", "the MCP server to start, after `--` (stdio)")
    .requiredOption("--mandate <file>", "the mandate; with --token-keys, the deployment policy")
    .option("--audit <file>", `SQLite audit log (default ${DEFAULT_GATEWAY_AUDIT})`)
    .option("--budgets <file>", `SQLite budget store (default ${DEFAULT_GATEWAY_BUDGETS})`)
    .option("--listen <host:port>", "serve MCP over Streamable HTTP here (default: stdio)")
    .option("--upstream-url <url>", "the MCP server is at this Streamable HTTP URL")
    .option("--config <file>", "several servers (YAML `servers:`); their tools become <name>__<tool>")
    .option(
      "--approve-webhook <url>",
      "POST each `ask` here (HMAC-signed with $MANDATE_WEBHOOK_SECRET); none: deny",
    )
    .option(
      "--approve-url <url>",
      "ask operators in `mandate serve` at this address (agent token in $MANDATE_AGENT_TOKEN)",
    )
    .option(
      "--token-keys <jwks>",
      "HTTP: each session presents its mandate as an EdDSA token signed by these keys",
    )
    .option("--cedar <policies>", "a Cedar policy set every call must also pass (docs/cedar.md)")
    .option("--monitors <file>", "runtime monitors: alerts and circuit breakers (docs/monitors.md)")
    .option("--token-issuer <iss>", "the tokens' required issuer")
    .option("--token-audience <aud>", "the tokens' required audience")
    .option("--call-timeout <duration>", "a server's answer time limit (default 60s)")
    .option("--max-message-bytes <n>", "largest JSON-RPC message accepted (default 16 MiB)")
    .action(async (command: string[], o: GatewayCommandOptions) => set(await gatewayCommand(command, o, io)));

  const serve = program
    .command("serve")
    .description(
      "the web dashboard: approvals queue, audit browser, metrics, mandates (127.0.0.1 by default)",
    )
    .option("--listen <host:port>", "where to listen (default 127.0.0.1:8080)")
    .option("--db <file>", "operators, sessions and the approvals queue (default .mandate/serve.db)")
    .option(
      "--audit <file|url>",
      "the audit log the Guards write: a file (SQLite) or postgres://… (default $MANDATE_AUDIT_URL, else .mandate/audit.db)",
    )
    .option(
      "--queue <url>",
      "share the approvals queue with other replicas: postgres://… (default $MANDATE_QUEUE_URL, else in --db)",
    )
    .option("--mandate <file...>", "mandates to show in plain words and to check narrowed approvals against")
    .option("--reports <dir>", "a folder of `mandate eval --report` pages to open from the dashboard")
    .option("--allow-host <host:port...>", "further Host values to answer (behind a proxy)")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM)")
    .option("--tls-key <file>", "and this key (PEM)")
    .action(async (o: ServeCommandOptions) => set(await serveCommand(o, io)));
  const user = serve.command("user").description("operators who sign in to the dashboard");
  for (const action of ["add", "passwd"] as const) {
    user
      .command(action)
      .description(action === "add" ? "add an operator" : "set a new password (ends their sessions)")
      .argument("<name>")
      .option("--role <role>", "viewer (reads) or approver (also answers calls)")
      .option("--password-stdin", "read the password from stdin (else one is generated and printed once)")
      .option("--db <file>", "default .mandate/serve.db")
      .action(async (name: string, _o: UserOptions, cmd: Command) =>
        set(await serveUserCommand(action, name, cmd.optsWithGlobals<UserOptions>(), io)),
      );
  }
  user
    .command("remove")
    .argument("<name>")
    .option("--db <file>")
    .action(async (name: string, _o: UserOptions, cmd: Command) =>
      set(await serveUserCommand("remove", name, cmd.optsWithGlobals<UserOptions>(), io)),
    );
  user
    .command("list")
    .option("--db <file>")
    .action(async (_o: UserOptions, cmd: Command) =>
      set(await serveUserCommand("list", undefined, cmd.optsWithGlobals<UserOptions>(), io)),
    );
  const token = serve.command("token").description("tokens for agents' web approvers");
  for (const action of ["add", "revoke"] as const) {
    const command = token.command(action).argument("<agent>").option("--db <file>");
    if (action === "add")
      command.option(
        "--token-stdin",
        "install the token read from stdin (printed by `token add` on another replica)",
      );
    command.action((name: string, _o: TokenOptions, cmd: Command) =>
      set(serveTokenCommand(action, name, cmd.optsWithGlobals<TokenOptions>(), io)),
    );
  }
  token
    .command("list")
    .option("--db <file>")
    .action((_o: { db?: string }, cmd: Command) =>
      set(serveTokenCommand("list", undefined, cmd.optsWithGlobals<{ db?: string }>(), io)),
    );

  program
    .command("migrate")
    .description("create or update Mandate's tables on a shared server (stores also do this when they start)")
    .requiredOption("--postgres <url>", "postgres://…[?schema=name] (default schema `mandate`)")
    .action(async (o: { postgres: string }) => set(await migrateCommand(o, io)));

  program
    .command("demo")
    .description("a scripted banking assistant meets a prompt injection; see what runs and what does not")
    .option("--db <file>", "write the audit log here (default: a new temporary directory)")
    .option("--approve <answer>", "answer approval requests: ask (terminal prompt), yes or no")
    .action(async (o: { db?: string; approve?: string }) =>
      set(await demoCommand({ ...o, color, interactive }, io)),
    );

  registerLintCommand(program, io, set, { color });
  registerInferCommand(program, io, set);
  registerExportCommand(program, io, set);
  registerAttenuateCommand(program, io, set);
  registerDraftCommand(program, io, set);
  registerMonitorCommand(program, io, set);

  try {
    await program.parseAsync([...argv], { from: "user" });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`mandate: ${error.message}`);
      return error.code;
    }
    if (error instanceof MandateError) {
      io.err(error.message);
      return EXIT.dataError;
    }
    io.err(
      `mandate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return EXIT.internal;
  }
}
