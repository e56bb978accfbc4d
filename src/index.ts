import { handleQueue } from "./queues";
import { compactOnSchedule } from "./queues/compact";
import { app } from "./worker/app";

export { ReviewDesk } from "./durable-objects/review-desk";
export { ScreenDO } from "./durable-objects/screen-do";

export default {
	fetch: app.fetch,
	queue: handleQueue,
	scheduled: compactOnSchedule,
} satisfies ExportedHandler<Env>;
