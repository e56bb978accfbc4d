import { describe, expect, it } from "vitest";
import { judgePlay, type PlayFacts } from "../../src/px/api/play-report";

const T = 1_790_000_000_000;
/** A 10 s spot whose window opened at T and closes 5 min later, reported 60 s after T. */
const facts = (over: Partial<PlayFacts> = {}): PlayFacts => ({
	durationS: 10,
	spotMs: 10_000,
	notBefore: T,
	notAfter: T + 300_000,
	now: T + 60_000,
	...over,
});

describe("judgePlay: billing needs evidence of 75 % of the spot", () => {
	it("a play without displayed_ms is recorded, not billed: no_evidence", () => {
		expect(judgePlay({}, facts())).toEqual({ billable: false, reason: "no_evidence" });
		expect(judgePlay({ displayed_at: T + 1_000 }, facts())).toMatchObject({
			billable: false,
			reason: "no_evidence",
		});
	});

	it("bills 75 % of the creative's duration and more, not less", () => {
		expect(judgePlay({ displayed_ms: 7_500 }, facts())).toEqual({ billable: true, share: 0.75 });
		expect(judgePlay({ displayed_ms: 7_499 }, facts())).toEqual({
			billable: false,
			share: 0.75,
			reason: "under_threshold",
		});
		expect(judgePlay({ displayed_ms: 3_000 }, facts())).toMatchObject({
			billable: false,
			share: 0.3,
			reason: "under_threshold",
		});
	});

	it("a still without a duration is measured against the slot's spot, not billed after 1 ms", () => {
		const still = facts({ durationS: 0, spotMs: 15_000 });
		expect(judgePlay({ displayed_ms: 1 }, still)).toMatchObject({
			billable: false,
			reason: "under_threshold",
		});
		expect(judgePlay({ displayed_ms: 11_250 }, still)).toEqual({ billable: true, share: 0.75 });
		// A ledger row from before spot lengths were kept: no length to measure against.
		expect(judgePlay({ displayed_ms: 15_000 }, facts({ durationS: 0, spotMs: undefined }))).toEqual(
			{
				billable: false,
				reason: "no_evidence",
			},
		);
	});
});

describe("judgePlay: reports the clocks contradict are implausible", () => {
	it("reported before the spot could have finished (on screen longer than since not_before)", () => {
		expect(judgePlay({ displayed_ms: 10_000 }, facts({ now: T + 3_000 }))).toMatchObject({
			billable: false,
			reason: "implausible",
		});
		expect(judgePlay({ displayed_ms: 10_000 }, facts({ now: T + 10_500 }))).toMatchObject({
			billable: true,
		});
	});

	it("displayed longer than the window allows (its end plus the spot)", () => {
		const late = facts({ now: T + 300_000 + 15 * 60_000 });
		expect(judgePlay({ displayed_ms: 320_000 }, late)).toMatchObject({ reason: "implausible" });
		expect(judgePlay({ displayed_ms: 300_000 }, late)).toMatchObject({ billable: true });
	});

	it("displayed_at before not_before (weeks old), after the window, or ending after the report", () => {
		const skew = 5 * 60_000;
		for (const displayed_at of [T - 14 * 86_400_000, T - skew - 1, T + 300_000 + skew + 1]) {
			expect(
				judgePlay({ displayed_at, displayed_ms: 10_000 }, facts({ now: T + 3_600_000 })),
			).toMatchObject({
				billable: false,
				reason: "implausible",
			});
		}
		// Said to have started 1 s before the report, yet 10 s on screen (beyond the clock allowance).
		const now = T + 400_000;
		expect(
			judgePlay({ displayed_at: now + skew - 1_000, displayed_ms: 10_000 }, facts({ now })),
		).toMatchObject({ reason: "implausible" });
		// A player clock a little ahead of ours is allowed.
		expect(
			judgePlay({ displayed_at: T + 50_000 + 60_000, displayed_ms: 10_000 }, facts()),
		).toMatchObject({ billable: true });
	});
});
