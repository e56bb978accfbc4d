import { app } from "./worker/app";

export { ReviewDesk } from "./durable-objects/review-desk";
export { ScreenDO } from "./durable-objects/screen-do";
export { SessionBook } from "./durable-objects/session-book";

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;
