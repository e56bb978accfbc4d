// The exchange's take: what it keeps between what the buyer pays (gross, the clearing price) and
// what the publisher earns (net). A publisher's account sets it as a revenue share or a fixed fee
// per CPM (model.ts `exchange_take`); without one the publisher nets the whole clearing price.
// Amounts are CPM in the auction's currency, rounded like every other price (money.ts).
import { roundCpm } from "../model/money";

/** A share of gross (0..0.9) or a fee per mille, as a publisher account states it. */
export type ExchangeTake = { share: number } | { fee_cpm: number };

/** One won spot's price, split: gross_cpm = take_cpm + net_cpm exactly. */
export interface CpmSplit {
	gross_cpm: number;
	take_cpm: number;
	net_cpm: number;
}

/**
 * Splits a clearing price. Net is rounded and take is what remains, so the two always add up to
 * gross and no rounding remainder is paid twice or lost; a fee above gross takes all of it, so
 * the publisher never nets below zero.
 */
export function splitGross(grossCpm: number, take: ExchangeTake | undefined): CpmSplit {
	const gross = roundCpm(grossCpm);
	if (!take) return { gross_cpm: gross, take_cpm: 0, net_cpm: gross };
	const net =
		"share" in take
			? roundCpm(gross * (1 - take.share))
			: roundCpm(Math.max(0, gross - take.fee_cpm));
	// Subtracting in units of 1e-4 keeps binary noise (0.1 - 0.07) out of the remainder.
	const takeCpm = roundCpm((Math.round(gross * 1e4) - Math.round(net * 1e4)) / 1e4);
	return { gross_cpm: gross, take_cpm: takeCpm, net_cpm: net };
}

/**
 * The gross floor to ask buyers for when the publisher wants to net at least `netFloorCpm`: net
 * plus the fee, or net / (1 - share) rounded up to 4 decimals (to the nearest could land a step
 * under, and the publisher's floor would be missed by a rounding step).
 */
export function grossUpFloor(netFloorCpm: number, take: ExchangeTake | undefined): number {
	const net = roundCpm(netFloorCpm);
	if (!take || net === 0) return net;
	let gross =
		"fee_cpm" in take
			? roundCpm(net + take.fee_cpm)
			: // The tolerance keeps binary noise (0.7 / 0.7 = 1.0000000000000002) from adding a step.
				Math.ceil((net / (1 - take.share)) * 1e4 - 1e-6) / 1e4;
	// A fee with more than 4 decimals, or noise the tolerance missed: step up until it nets.
	while (splitGross(gross, take).net_cpm < net) gross = roundCpm(gross + 1e-4);
	return gross;
}
