// vitest for web/test/ (the TypeScript side of the shared vectors, tests/web/test_vectors.py).
// vitest 4.1: the last line that supports this machine's Node 20 (vitest 5 wants Node 22).
import { defineConfig } from "vitest/config";

declare const process: { env: Record<string, string | undefined> };
// test/live/ needs a chain and an API set up by pytest (tests/web/test_lib_on_chain.py, which
// passes FAIRKEY_LIVE); the plain run is the shared vectors and the lib's pure rules.
const live = Boolean(process.env.FAIRKEY_LIVE);

export default defineConfig({
  test: {
    include: live ? ["test/live/**/*.test.ts"] : ["test/**/*.test.ts"],
    exclude: live ? [] : ["test/live/**"],
    environment: "node",
    testTimeout: 60_000,
  },
});
