// Admission: the screen's Durable Object takes a rate-limit token and hands over what the auction
// needs from it (profile, cached decisions, recent advertisers), inside a slice of the request's
// timeout. Fails closed and fast: without the screen's state there is no rate limit, no
// registered profile and no separation memory, so no auction; the screen learns at once (503)
// that it may retry, well inside its timeout.

import type { AdRequest, Publisher } from "../../px/model/model";
import type { AdmitResult } from "../../px/screen/ledger";
import { withinBudget } from "../../services/budget";
import { errorText, log } from "../../services/log";
import type { ScreenStub } from "../../services/stubs";
import { HttpProblem, problems } from "../problem";

/** The screen's Durable Object must admit a request within this share of its timeout. */
const ADMIT_SHARE = 0.4;
const ADMIT_MAX_MS = 250;
/** A screen that gets 503 because its state was unreachable may ask again after this. */
const ADMIT_RETRY_AFTER_S = 5;

export type Admitted = Extract<AdmitResult, { kind: "admitted" | "limited" | "unknown" }>;

export interface AdmissionInput {
	screen: Pick<ScreenStub, "admit">;
	publisher: Publisher;
	request: AdRequest;
	startedAt: number;
	/** Whether the publisher may start state for one more unregistered screen now. */
	mayStartNewScreen: () => Promise<boolean>;
}

export async function admit(input: AdmissionInput): Promise<Admitted> {
	const { request, publisher } = input;
	const admitBy = input.startedAt + Math.min(ADMIT_MAX_MS, request.timeout_ms * ADMIT_SHARE);
	const ask = (acceptNew: boolean) =>
		withinBudget<AdmitResult>(
			(async () =>
				input.screen.admit({
					slotIds: request.slot_ids ?? (request.slot_id === undefined ? [] : [request.slot_id]),
					from: request.play_at ?? input.startedAt,
					to: request.until ?? request.play_at ?? input.startedAt,
					rateLimit: publisher.rate_limit,
					separationSeconds: publisher.separation_seconds,
					inline: request.screen !== undefined,
					acceptNew,
				}))(),
			admitBy - Date.now(),
		);
	let admission = await ask(false);
	// An unregistered screen seen for the first time gets state of its own: publishers may start
	// only so many of those per minute (register screens through the data collection API instead).
	if (admission.ok && admission.value.kind === "new") {
		if (!(await input.mayStartNewScreen())) throw new HttpProblem(problems.newScreensLimited());
		admission = await ask(true);
	}
	if (!admission.ok) {
		log("error", "admit_failed", {
			why: admission.why,
			...(admission.why === "error" ? { error: errorText(admission.error) } : {}),
		});
		throw new HttpProblem(problems.noAuction("screen-state-unavailable", ADMIT_RETRY_AFTER_S));
	}
	const value = admission.value;
	// "new" after acceptNew cannot happen; it is the unknown screen's 404 if it ever does.
	return value.kind === "new" ? { kind: "unknown" } : value;
}
