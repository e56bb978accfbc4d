// The workerd tests' env: px-edge's bindings (wrangler.toml) plus the consumers' R2 bucket, which
// vitest.config.ts adds so the consumers (a Worker of their own) can be tested in the same runtime.
import { env as edgeEnv } from "cloudflare:workers";
import type { ConsumersEnv } from "../../src/queues/env";

export type TestEnv = Env & ConsumersEnv;
export const env = edgeEnv as TestEnv;
