// The hot path's ports built from the env, once per request: the route hands decide() these
// narrow functions, so the conductor never holds a binding, a queue or the env itself (and runs in
// plain Node with fakes, test/unit/decide.test.ts).
import { isDspSecretName } from "../../px/auction/bidders";
import { lookupApprovals } from "../../services/approvals";
import { publishEvents } from "../../services/emit";
import { enqueueNotices } from "../../services/notices";
import { screenStub } from "../../services/stubs";
import { config } from "../config";
import { configuredBidders, exchangeRates, registeredAd } from "../control/lookups";
import { signPopToken } from "../pop-token";
import { AD_SCOPE, mayStartNewScreen, publisherAllowedUnits } from "../publisher-limit";
import { withinQpsCap } from "./bidder-limit";
import type { DecideServices } from "./ports";

export function decideServices(env: Env, publisherId: string, screenId: string): DecideServices {
	const settings = config(env);
	// Only a DSP secret is read, by the rule BidderConfig validates names with, and only as a
	// string: no other binding or secret of the env can leak into a request to a DSP.
	const secrets = env as unknown as Record<string, unknown>;
	return {
		screen: screenStub(env, publisherId, screenId),
		approvals: (keys, budgetMs) => lookupApprovals(env.APPROVALS, keys, budgetMs),
		enqueueNotices: (message) => enqueueNotices(env.NOTICES, message),
		publish: (events) => publishEvents(env, events),
		bidders: configuredBidders(env),
		secret: (name) => {
			const value = isDspSecretName(name) ? secrets[name] : undefined;
			return typeof value === "string" ? value : undefined;
		},
		signPopToken: (claims) => signPopToken(claims, settings.POP_SIGNING_KEY),
		exchange: { asi: settings.EXCHANGE_ASI, secure: settings.REQUIRE_SECURE_CREATIVES },
		mayStartNewScreen: () => mayStartNewScreen(env, publisherId),
		withinQpsCap: (bidder) => withinQpsCap(env.BIDDER_LIMITER, bidder),
		chargePublisher: (units) => publisherAllowedUnits(env, AD_SCOPE, publisherId, units),
		registeredAd: (bidder, adid) => registeredAd(env, bidder, adid),
		rates: exchangeRates(env),
	};
}
