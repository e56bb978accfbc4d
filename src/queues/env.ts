// The consumers' Worker has bindings of its own; its entry point (src/consumers.ts) and the
// consumers both need their types, and declaring them here keeps the entry point a leaf.

/** wrangler.consumers.toml's bindings; the ones it shares with px-edge have px-edge's types. */
export type ConsumersEnv = Pick<Env, "METRICS" | "NOTICES" | "REVIEW_DESK"> & { ARCHIVE: R2Bucket };
