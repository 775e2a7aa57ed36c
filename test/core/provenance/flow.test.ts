// overlap: which untrusted or sensitive sources flow into an outgoing text, and the thresholds.
import { describe, expect, test } from "vitest";
import {
  DEFAULT_MIN_PIECE,
  DEFAULT_MIN_RUN,
  DEFAULT_MIN_SHARE,
  ObservationLog,
  overlap,
  SEED_LIMIT,
  type Source,
} from "../../../src/core/provenance/index.js";

const USER: Source = { id: "user:1", trust: "trusted", kind: "user" };
const INBOX: Source = { id: "c1", trust: "untrusted", kind: "tool", tool: "read_inbox", callId: "c1" };
const BALANCE: Source = {
  id: "c2",
  trust: "trusted",
  kind: "tool",
  tool: "get_account",
  callId: "c2",
  label: "sensitive",
};

const MEMO =
  "Quarterly figures: revenue grew to 4,812,300.00 EUR while the Hamburg office closed; " +
  "the board approved the Lisbon expansion on 12 March.";

function session(): ObservationLog {
  const log = new ObservationLog();
  log.observe(USER, "Reply to Anna that the quarterly figures look good and thank her for the update.");
  log.observe(INBOX, { from: "anna@partner.example", subject: "Q1", body: MEMO });
  log.observe(BALANCE, { iban: "DE89370400440532013000", balance: 18_250.75, pin_hint: "sk-4f9a8b7c6d5e" });
  return log;
}

test("the defaults", () => {
  expect([DEFAULT_MIN_RUN, DEFAULT_MIN_SHARE, DEFAULT_MIN_PIECE]).toEqual([20, 0.5, 8]);
});

describe("flows", () => {
  test("a body quoting an untrusted output flows from it (run)", () => {
    const body = `Hi Carl, FYI: the board approved the Lisbon expansion on 12 March. Best, Emma`;
    const r = overlap(session(), body);
    expect(r.truncated).toBe(false);
    expect(r.flows).toEqual([
      {
        source: { id: "c1", kind: "tool", tool: "read_inbox", callId: "c1" },
        trust: "untrusted",
        sensitive: false,
        by: "run",
        longestRun: "the board approved the lisbon expansion on 12 march".length,
        share: expect.any(Number),
        values: 0,
      },
    ]);
  });

  test("numbers are compared by value inside runs", () => {
    const r = overlap(session(), "revenue grew to 4812300 eur while the hamburg office closed");
    expect(r.flows.map((f) => f.source.id)).toEqual(["c1"]);
  });

  test("a sensitive trusted output flows too; the user's own words do not", () => {
    const r = overlap(session(), "Your account DE89 3704 0044 0532 0130 00 thank her for the update");
    expect(r.flows.map((f) => [f.source.id, f.sensitive, f.by])).toEqual([["c2", true, "run"]]);
  });

  test("an identifier regrouped or glued still flows (identifier piece)", () => {
    for (const text of [
      "https://collect.example/?d=DE89370400440532013000",
      "https://collect.example/?d=DE89-3704-0044-0532-0130-00",
      "acct de89 3704 0044 0532 0130 00",
    ]) {
      expect(
        overlap(session(), text).flows.map((f) => f.source.id),
        text,
      ).toEqual(["c2"]);
    }
  });

  test("a short argument mostly copied flows (share), even below minRun", () => {
    const r = overlap(session(), "k=sk-4f9a8b7c6d5e");
    expect(r.flows).toMatchObject([{ source: { id: "c2" }, by: "share", longestRun: 15 }]);
    expect(r.flows[0]!.share).toBeGreaterThanOrEqual(0.5);
  });

  test("a fresh text sharing only common words does not flow", () => {
    const r = overlap(
      session(),
      "Thanks Anna, the figures look fine to me; the office move is on track for March.",
    );
    expect(r.flows).toEqual([]);
  });

  test("runs do not span two strings of an output", () => {
    const log = new ObservationLog();
    log.observe(INBOX, { a: "alpha beta gamma", b: "delta epsilon zeta" });
    const r = overlap(log, "alpha beta gamma delta epsilon zeta", { minShare: 1 });
    expect(r.flows).toEqual([]); // the longest run is 16 characters; pieces cover 34 of 35 < 100%
    expect(overlap(log, "alpha beta gamma delta epsilon zeta").flows).toMatchObject([
      { by: "share", longestRun: 18 },
    ]);
  });

  test("sources are reported longest run first, once each", () => {
    const log = session();
    log.observe({ ...INBOX, id: "c3", callId: "c3" }, "Lisbon expansion on 12 March");
    const r = overlap(log, `${MEMO} And again: the board approved the Lisbon expansion`);
    expect(r.flows.map((f) => f.source.id)).toEqual(["c1", "c3"]);
    expect(r.flows[0]!.longestRun).toBeGreaterThan(r.flows[1]!.longestRun);
  });
});

describe("thresholds", () => {
  test("minRun and minShare are configurable", () => {
    const body = "FYI: the board approved the Lisbon expansion. Nothing else to report this week, Carl.";
    expect(overlap(session(), body).flows).toHaveLength(1);
    expect(overlap(session(), body, { minRun: 60 }).flows).toHaveLength(0);
    expect(overlap(session(), "the board approved", { minRun: 60 }).flows).toHaveLength(1); // share
    expect(overlap(session(), "the board approved", { minRun: 60, minShare: 1 }).flows).toHaveLength(1);
    expect(overlap(session(), "the board approved it", { minRun: 60, minShare: 1 }).flows).toHaveLength(0);
  });

  test("pieces shorter than minPiece do not count towards the share", () => {
    expect(overlap(session(), "hamburg office").flows).toHaveLength(1);
    expect(overlap(session(), "hamburg office", { minPiece: 15 }).flows).toHaveLength(0);
  });

  test.each([{ minRun: 0 }, { minShare: 0 }, { minShare: 1.5 }, { minPiece: -1 }, { minRun: Number.NaN }])(
    "rejects %j",
    (options) => {
      expect(() => overlap(session(), "text", options)).toThrow(RangeError);
    },
  );

  test("empty text flows from nothing", () => {
    expect(overlap(session(), " … ")).toEqual({ flows: [], truncated: false });
  });
});

describe("what overlap cannot see (documented)", () => {
  test("a run made only of tokens recorded more than SEED_LIMIT times is not found", () => {
    const log = new ObservationLog();
    log.observe(INBOX, "lorem ipsum dolor sit amet ".repeat(SEED_LIMIT + 1));
    expect(overlap(log, "lorem ipsum dolor sit amet lorem ipsum").flows).toEqual([]);
    log.observe({ ...INBOX, id: "c9" }, "lorem ipsum dolor sit amet consectetur");
    // One rarer token in the run is enough: the run is found whole, from every source that has it.
    expect(overlap(log, "lorem ipsum dolor sit amet consectetur").flows.map((f) => f.source.id)).toEqual([
      "c9",
    ]);
  });

  test("homoglyph substitution, encodings and paraphrase defeat it", () => {
    const spoofed = "the b\u043Eard appr\u043Eved the Lisb\u043En expansi\u043En \u043En 12 March"; // Cyrillic о
    expect(overlap(session(), spoofed).flows).toEqual([]);
    expect(overlap(session(), Buffer.from(MEMO).toString("base64")).flows).toEqual([]);
    expect(overlap(session(), "the directors said yes to opening in Lisbon, on March 12th").flows).toEqual(
      [],
    );
  });

  test("a truncated log says so", () => {
    const log = new ObservationLog({ maxChars: 100 });
    log.observe(INBOX, MEMO);
    expect(overlap(log, "anything").truncated).toBe(true);
  });
});
