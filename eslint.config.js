// Type-aware rules biome cannot check: an unawaited check is a check that lets the call through.
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    files: ["src/**/*.ts", "test/**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    // core/ is pure: no store, transport, framework or Node I/O.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:*", "fs", "path", "http", "https", "net", "child_process", "crypto"],
              message: "core/ must not do I/O",
            },
            {
              group: ["better-sqlite3", "pg", "ioredis", "@modelcontextprotocol/*", "commander"],
              message: "core/ must not import drivers, SDKs or the CLI",
            },
            {
              group: ["../guard/*", "../stores/*", "../cli/*", "../adapters/*", "../server/*", "../eval/*"],
              message: "core/ depends on nothing above it",
            },
          ],
        },
      ],
    },
  },
);
