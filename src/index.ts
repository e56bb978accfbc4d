import { app } from "./worker/app";
import { refreshRatesOnSchedule } from "./worker/control/fx-refresh";

export { ReviewDesk } from "./durable-objects/review-desk";
export { ScreenDO } from "./durable-objects/screen-do";
export { SessionBook } from "./durable-objects/session-book";

export default {
	fetch: app.fetch,
	// px-edge's one cron (wrangler.toml [triggers]) is the exchange-rate refresh: it needs CONTROL
	// and the edge's config, which px-consumers does not have.
	scheduled: refreshRatesOnSchedule,
} satisfies ExportedHandler<Env>;
