// The exchange's take (src/px/pricing/take.ts): a clearing price split into take and net that add
// up exactly, and a publisher's net floor grossed up so that what clears at it still nets it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundCpm } from "../../src/px/model/money";
import { type ExchangeTake, grossUpFloor, splitGross } from "../../src/px/pricing/take";

const cpm = fc.integer({ min: 0, max: 100_000_000 }).map((n) => n / 1e4);
const take = fc.oneof(
	fc.integer({ min: 0, max: 9000 }).map((n): ExchangeTake => ({ share: n / 1e4 })),
	fc.double({ min: 0, max: 0.9, noNaN: true }).map((share): ExchangeTake => ({ share })),
	fc.integer({ min: 0, max: 10_000_000 }).map((n): ExchangeTake => ({ fee_cpm: n / 1e4 })),
	fc.double({ min: 0, max: 50, noNaN: true }).map((fee_cpm): ExchangeTake => ({ fee_cpm })),
);
const units = (v: number) => Math.round(v * 1e4);

describe("splitGross", () => {
	it("without a take the publisher nets the whole clearing price", () => {
		expect(splitGross(4.5, undefined)).toEqual({ gross_cpm: 4.5, take_cpm: 0, net_cpm: 4.5 });
	});

	it("takes a share of gross, the rounding remainder in the take", () => {
		expect(splitGross(10, { share: 0.15 })).toEqual({ gross_cpm: 10, take_cpm: 1.5, net_cpm: 8.5 });
		// 1 × (1 − 0.3333) = 0.6667; the take is what remains of gross.
		expect(splitGross(1, { share: 0.3333 })).toEqual({
			gross_cpm: 1,
			take_cpm: 0.3333,
			net_cpm: 0.6667,
		});
		// 0.0001 × 0.5 rounds half up: the publisher nets the step, the take is 0.
		expect(splitGross(0.0001, { share: 0.5 })).toEqual({
			gross_cpm: 0.0001,
			take_cpm: 0,
			net_cpm: 0.0001,
		});
		expect(splitGross(0.1, { share: 0.3 })).toEqual({
			gross_cpm: 0.1,
			take_cpm: 0.03,
			net_cpm: 0.07,
		});
	});

	it("takes a fixed fee per mille, never more than gross", () => {
		expect(splitGross(3, { fee_cpm: 0.5 })).toEqual({ gross_cpm: 3, take_cpm: 0.5, net_cpm: 2.5 });
		expect(splitGross(0.4, { fee_cpm: 0.5 })).toEqual({
			gross_cpm: 0.4,
			take_cpm: 0.4,
			net_cpm: 0,
		});
		expect(splitGross(0, { fee_cpm: 0.5 })).toEqual({ gross_cpm: 0, take_cpm: 0, net_cpm: 0 });
	});

	it("always adds up: gross = take + net in 4 decimals, none negative", () => {
		fc.assert(
			fc.property(cpm, take, (gross, t) => {
				const s = splitGross(gross, t);
				expect(s.gross_cpm).toBe(roundCpm(gross));
				expect(units(s.take_cpm) + units(s.net_cpm)).toBe(units(s.gross_cpm));
				for (const v of [s.take_cpm, s.net_cpm]) {
					expect(v).toBeGreaterThanOrEqual(0);
					expect(v).toBe(roundCpm(v));
				}
				expect(s.net_cpm).toBeLessThanOrEqual(s.gross_cpm);
			}),
		);
	});
});

describe("grossUpFloor", () => {
	it("adds the fee, or divides by what the share leaves, rounded up", () => {
		expect(grossUpFloor(2, undefined)).toBe(2);
		expect(grossUpFloor(2, { fee_cpm: 0.25 })).toBe(2.25);
		expect(grossUpFloor(8.5, { share: 0.15 })).toBe(10);
		// 1 / 0.7 = 1.428571…: up to 1.4286, not to the nearest.
		expect(grossUpFloor(1, { share: 0.3 })).toBe(1.4286);
		// 1 / 0.6667 = 1.49992…
		expect(grossUpFloor(1, { share: 0.3333 })).toBe(1.5);
		// Binary noise (0.7 / 0.7 > 1) does not cost the buyer a step.
		expect(grossUpFloor(0.7, { share: 0.3 })).toBe(1);
		expect(grossUpFloor(0, { share: 0.3 })).toBe(0);
	});

	it("a bid that clears at the grossed-up floor nets at least the publisher's floor", () => {
		for (const t of [{ share: 0.15 }, { share: 0.3333 }, { share: 0.9 }, { fee_cpm: 0.35 }]) {
			for (const floor of [0.0001, 0.01, 1, 1.2345, 2.5, 7.77, 9999]) {
				expect(splitGross(grossUpFloor(floor, t), t).net_cpm).toBeGreaterThanOrEqual(floor);
			}
		}
		fc.assert(
			fc.property(cpm, take, (floor, t) => {
				const gross = grossUpFloor(floor, t);
				expect(gross).toBe(roundCpm(gross));
				expect(splitGross(gross, t).net_cpm).toBeGreaterThanOrEqual(floor);
			}),
		);
	});

	it("asks no more than the exact gross-up rounded up to the next 4-decimal step", () => {
		fc.assert(
			fc.property(cpm, fc.integer({ min: 0, max: 9000 }), (floor, n) => {
				const share = n / 1e4;
				const exact = floor / (1 - share);
				expect(grossUpFloor(floor, { share })).toBeLessThanOrEqual(exact + 1e-4 + 1e-9);
			}),
		);
	});
});
