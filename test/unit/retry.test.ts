import { describe, expect, it } from "vitest";
import { noticeRetryDelaySeconds } from "../../src/px/notices/notice-message";
import { retryDelayMs } from "../../src/px/pacing/retry";

describe("retryDelayMs", () => {
	it("waits the base first, doubles per attempt, and stops at the cap", () => {
		expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, 1_000, 5_000))).toEqual([
			1_000, 2_000, 4_000, 5_000, 5_000,
		]);
		expect(retryDelayMs(0, 1_000, 5_000)).toBe(1_000);
	});

	it("gives the notices their documented 10 s to an hour", () => {
		expect([0, 1, 2, 9, 40].map(noticeRetryDelaySeconds)).toEqual([10, 10, 20, 2_560, 3_600]);
	});
});
