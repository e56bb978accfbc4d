// Hostile players and poisoned records: deep JSON, timestamps no date can hold, a consumer batch
// with one bad record, and a dead-letter queue whose bucket refuses writes.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import consumers from "../../src/consumers";
import { DEAD_LETTER_MAX_ATTEMPTS } from "../../src/queues/dead-letter";
import { callEdge } from "../support/edge";
import { authHeaders, lobbyScreen } from "../support/fixtures";
import { playEvent } from "../support/records";
import { env, type TestEnv } from "../support/test-env";

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

async function consume(queue: string, bodies: unknown[], over: Partial<TestEnv> = {}) {
	const batch = createMessageBatch(
		queue,
		bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
	);
	const ctx = createExecutionContext();
	await consumers.queue(batch, { ...env, ...over } as TestEnv);
	return getQueueResult(batch, ctx);
}

describe("deeply nested JSON", () => {
	it("PATCH, ad requests and telemetry nested 9,000 deep get a 400 naming the place, not a 500", async () => {
		await callEdge("/v1/screens/deep-screen", {
			method: "PUT",
			headers: authHeaders(),
			body: JSON.stringify(lobbyScreen("deep-screen")),
		});
		for (const [path, method] of [
			["/v1/screens/deep-screen", "PATCH"],
			["/v1/ad-requests", "POST"],
			["/v1/telemetry", "POST"],
		] as const) {
			const { res } = await callEdge(path, { method, headers: authHeaders(), body: deep(9000) });
			expect(res.status, path).toBe(400);
			const problem = (await res.json()) as { errors: { pointer: string; detail: string }[] };
			expect(problem.errors[0]?.pointer).toBe(`#${"/a".repeat(32)}`);
		}
		const fine = await callEdge("/v1/screens/deep-screen", {
			method: "PATCH",
			headers: authHeaders(),
			body: JSON.stringify({ name: "still patchable" }),
		});
		expect(fine.res.status).toBe(200);
	});
});

describe("telemetry timestamps", () => {
	const send = (ts: number) =>
		callEdge("/v1/telemetry", {
			method: "POST",
			headers: authHeaders(),
			body: JSON.stringify({
				events: [
					{ screen_id: "s1", kind: "played", ts: Date.now() },
					{ screen_id: "s1", kind: "played", ts },
				],
			}),
		});

	it("a ts no date can hold, far in the future or over 30 days old is refused at the edge", async () => {
		for (const ts of [9e15, Date.now() + 3_600_000, Date.now() - 31 * 86_400_000]) {
			const { res } = await send(ts);
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ errors: [{ pointer: "#/events/1/ts" }] });
		}
		const { res } = await send(Date.now() - 3 * 86_400_000); // queued offline for three days
		expect(res.status).toBe(202);
	});
});

describe("poisoned records in the consumer", () => {
	it("one record with ts 9e15 is retried alone; the batch's plays are archived and acked", async () => {
		const good = [playEvent(1), playEvent(2), playEvent(3)];
		const poisoned = { ...playEvent(4), ts: 9e15 };
		const result = await consume("px-events", [good[0], poisoned, good[1], good[2]]);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
		expect(result.explicitAcks.sort()).toEqual(["m0", "m2", "m3"]);
	});
});

describe("the dead-letter consumer's backstop", () => {
	const refusing = {
		put: async () => {
			throw new Error("R2 unavailable");
		},
	} as unknown as R2Bucket;

	it("retries a message R2 refused, and on its last attempt (max_retries + 1) logs it whole and lets it go", async () => {
		const early = await consume("px-events-dlq", [{ any: "body" }], { ARCHIVE: refusing });
		expect(early.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		expect(early.explicitAcks).toEqual([]);

		const lines: string[] = [];
		const original = console.error;
		console.error = (line: string) => void lines.push(String(line));
		try {
			const batch = createMessageBatch("px-events-dlq", [
				{
					id: "last",
					timestamp: new Date(),
					attempts: DEAD_LETTER_MAX_ATTEMPTS,
					body: { kept: "in the log" },
				},
			]);
			const ctx = createExecutionContext();
			await consumers.queue(batch, { ...env, ARCHIVE: refusing } as TestEnv);
			const result = await getQueueResult(batch, ctx);
			expect(result.explicitAcks).toEqual(["last"]);
		} finally {
			console.error = original;
		}
		const logged = lines.map((l) => JSON.parse(l) as { msg: string; message?: { body: unknown } });
		// An events message's entry holds the records it could not process.
		expect(logged.find((l) => l.msg === "dead_letter_unarchived")?.message?.body).toEqual([
			{ kept: "in the log" },
		]);
	});
});
