// The evaluation compiled each task's mandate once per run; a `ttl` counts from compilation, so in a run longer
// than the ttl (a live model) every later episode of the task was denied as expired.
import { afterEach, expect, test, vi } from "vitest";
import { runEpisode } from "../../src/eval/episode.js";
import type { Suite } from "../../src/eval/suite.js";
import { tiny } from "../eval/fixtures/tiny-suite.js";

afterEach(() => {
  vi.useRealTimers();
});

test("an episode an hour into a run still runs under a 15-minute mandate", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.parse("2026-11-23T12:00:00Z"));
  const task = { ...tiny.userTasks[0]!, mandate: { ...tiny.userTasks[0]!.mandate, ttl: "15m" } };
  const suite = { ...tiny, userTasks: [task] } as unknown as Suite<unknown>;
  const opts = { scope: "mandate", agent: "replay", human: "deny" } as const;
  expect((await runEpisode(suite, suite.userTasks[0]!, null, opts)).utility).toBe(true);
  vi.setSystemTime(Date.parse("2026-11-23T13:00:00Z"));
  const later = await runEpisode(suite, suite.userTasks[0]!, null, opts);
  expect(later.calls.map((c) => c.verdict)).toEqual(["allow", "allow"]);
  expect(later.utility).toBe(true);
});
