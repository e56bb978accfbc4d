// The Workers `npm run dev` runs side by side in one `wrangler dev`: px-edge first (it serves the
// port), then px-consumers (its queue consumers and the archive's compaction).
export const DEV_CONFIG_ARGS = ["-c", "wrangler.toml", "-c", "wrangler.consumers.toml"];
