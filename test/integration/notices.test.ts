import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
	NOTICE_MAX_ATTEMPTS,
	type NoticeMessage,
	noticeRetryDelaySeconds,
} from "../../src/px/notices/notice-message";
import { deliverNotices } from "../../src/queues/notices";
import { dspBase, dspLog } from "../support/edge";

let n = 0;
const tag = () => `nq${Date.now().toString(36)}${n++}`;
const url = (t: string, kind: string, query = "") =>
	`${dspBase()}/notices/${t}/${kind}?n=1${query}`;

function message(t: string, notices: NoticeMessage["notices"], attempt = 0): NoticeMessage {
	return { v: 1, auction_id: `auction-${t}`, notices, attempt };
}

/** One delivery of `bodies` as the queue would make it; `sent` keeps what was sent back. */
async function deliver(bodies: unknown[], attempts = 1) {
	const batch = createMessageBatch(
		"px-notices",
		bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
	);
	const sent: { body: NoticeMessage; delaySeconds?: number }[] = [];
	const queue = {
		send: async (body: NoticeMessage, options?: QueueSendOptions) =>
			void sent.push({ body, delaySeconds: options?.delaySeconds }),
	} as unknown as Queue;
	const ctx = createExecutionContext();
	const retried = await deliverNotices(batch, queue);
	return { result: await getQueueResult(batch, ctx), sent, retried };
}

describe("notices consumer", () => {
	it("a billing notice the buyer's server fails is retried with backoff and billed once", async () => {
		const t = tag();
		const body = message(t, [{ kind: "burl", url: url(t, "burl", "&failfirst=1"), bidder: "b" }]);
		const first = await deliver([body]);
		expect(first.result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		expect(first.result.explicitAcks).toEqual([]);
		expect(await dspLog(t)).toEqual([]);
		const second = await deliver([body], 2);
		expect(second.result.explicitAcks).toEqual(["m0"]);
		expect((await dspLog(t)).filter((l) => l.startsWith("burl"))).toHaveLength(1);
	});

	it("when only some notices fail, just those go back on the queue: the others are not sent twice", async () => {
		const t = tag();
		const lurl = { kind: "lurl" as const, url: url(t, "lurl", "&failfirst=1"), bidder: "loser" };
		const { result, sent } = await deliver([
			message(t, [{ kind: "nurl", url: url(t, "nurl"), bidder: "winner" }, lurl]),
		]);
		expect(result.explicitAcks).toEqual(["m0"]);
		expect(sent).toEqual([
			{ body: message(t, [lurl], 1), delaySeconds: noticeRetryDelaySeconds(1) },
		]);
		const again = await deliver([sent[0]!.body]);
		expect(again.result.explicitAcks).toEqual(["m0"]);
		const log = await dspLog(t);
		expect(log.filter((l) => l.startsWith("nurl"))).toHaveLength(1);
		expect(log.filter((l) => l.startsWith("lurl"))).toHaveLength(1);
	});

	it("a buyer answering burl after 8 s is sent it exactly once (the queue's retries included)", async () => {
		const t = tag();
		const body = message(t, [
			{ kind: "burl", url: url(t, "burl", "&slow=8000"), bidder: "b", id: `burl:a-${t}:d-${t}` },
		]);
		// The queue delivers again whatever the consumer retried; three deliveries would do.
		let delivery = await deliver([body]);
		for (let i = 2; i <= 3 && delivery.result.retryMessages.length > 0; i++)
			delivery = await deliver([body], i);
		expect(delivery.result.explicitAcks).toEqual(["m0"]);
		expect(await dspLog(`${t}~hits`)).toEqual([`burl burl:a-${t}:d-${t}`]);
	}, 30_000);

	it("every notice carries its Idempotency-Key, the same on a retry after a 503", async () => {
		const t = tag();
		const burl = { kind: "burl" as const, url: url(t, "burl", "&failfirst=1"), bidder: "b" };
		const nurl = { kind: "nurl" as const, url: url(t, "nurl"), bidder: "b", id: `nurl:a-${t}:1` };
		const first = await deliver([
			{ ...message(t, [burl]), decision_id: `d-${t}` },
			message(t, [nurl]),
		]);
		expect(first.result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		const second = await deliver([{ ...message(t, [burl]), decision_id: `d-${t}` }], 2);
		expect(second.result.explicitAcks).toEqual(["m0"]);
		// A message without keys (enqueued by an older edge) gets one derived the same way.
		const hits = await dspLog(`${t}~hits`);
		expect(hits.filter((h) => h.startsWith("burl"))).toEqual([
			`burl burl:auction-${t}:d-${t}`,
			`burl burl:auction-${t}:d-${t}`,
		]);
		expect(hits.filter((h) => h.startsWith("nurl"))).toEqual([`nurl nurl:a-${t}:1`]);
	});

	it("a notice refused for good (404) is dropped, not retried", async () => {
		const t = tag();
		const { result, retried } = await deliver([
			message(t, [{ kind: "lurl", url: url(t, "lurl", "&refuse=404"), bidder: "b" }]),
		]);
		expect(result.explicitAcks).toEqual(["m0"]);
		expect(result.retryMessages).toEqual([]);
		expect(retried).toBe(0);
	});

	it("a malformed message is retried alone (and so reaches the dead-letter queue)", async () => {
		const t = tag();
		const { result } = await deliver([
			{ v: 1, notices: "nonsense" },
			message(t, [{ kind: "nurl", url: url(t, "nurl"), bidder: "b" }]),
		]);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		expect(result.explicitAcks).toEqual(["m1"]);
	});

	it("past the attempt limit a failing message is retried as a whole, toward the dead-letter queue", async () => {
		const t = tag();
		const failing = { kind: "lurl" as const, url: url(t, "lurl", "&refuse=503"), bidder: "b" };
		const ok = { kind: "nurl" as const, url: url(t, "nurl"), bidder: "b" };
		const { result, sent } = await deliver([message(t, [ok, failing], NOTICE_MAX_ATTEMPTS)]);
		expect(sent).toEqual([]);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
	});
});
