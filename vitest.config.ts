import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // Examples import the package by name, as users do; tests run them against the source.
  resolve: {
    alias: [
      { find: /^mandate\/stores\/sqlite$/, replacement: src("stores/sqlite/index.ts") },
      { find: /^mandate\/stores\/postgres$/, replacement: src("stores/postgres/index.ts") },
      { find: /^mandate\/stores\/redis$/, replacement: src("stores/redis/index.ts") },
      { find: /^mandate\/ai-sdk$/, replacement: src("adapters/ai-sdk/index.ts") },
      { find: /^mandate\/openai-agents$/, replacement: src("adapters/openai-agents/index.ts") },
      { find: /^mandate\/langchain$/, replacement: src("adapters/langchain/index.ts") },
      { find: /^mandate\/claude-agent-sdk$/, replacement: src("adapters/claude-agent-sdk/index.ts") },
      { find: /^mandate\/mcp$/, replacement: src("gateway/index.ts") },
      { find: /^mandate\/policy$/, replacement: src("policy/index.ts") },
      { find: /^mandate$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 30_000,
    pool: "forks",
  },
});
