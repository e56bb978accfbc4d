// The workerd tests' main module: px-edge and px-consumers in one runtime, as `npm run dev` runs
// them side by side, so a notice a screen's Durable Object enqueues reaches the DSP in a test.
import consumers from "../../src/consumers";
import edge from "../../src/index";

export { ReviewDesk } from "../../src/durable-objects/review-desk";
export { ScreenDO } from "../../src/durable-objects/screen-do";
export { SessionBook } from "../../src/durable-objects/session-book";

export default {
	fetch: edge.fetch,
	queue: consumers.queue,
} satisfies ExportedHandler<Env>;
