// GET /sellers.json (public: who sells through this exchange, IAB sellers.json) and
// GET /v1/publisher/ads-txt (a publisher's key: the ads.txt lines that authorise this exchange).
import { Hono } from "hono";
import { adsTxtLines, type ExchangeIdentity, sellersJson } from "../../px/control/sellers";
import { requirePublisher, waiterOf } from "../auth";
import { config } from "../config";
import type { AppEnv } from "../context";
import { allPublishers } from "../control/lookups";

export const supplyChain = new Hono<AppEnv>();

const exchangeOf = (env: Env): ExchangeIdentity => {
	const c = config(env);
	return {
		asi: c.EXCHANGE_ASI,
		contactEmail: c.SELLERS_CONTACT_EMAIL,
		contactAddress: c.SELLERS_CONTACT_ADDRESS,
		tagId: c.EXCHANGE_TAG_ID,
	};
};

// Crawlers fetch it daily at most; an hour keeps a new publisher from waiting long to appear.
supplyChain.get("/sellers.json", async (c) =>
	c.json(sellersJson(await allPublishers(c.env, waiterOf(c)), exchangeOf(c.env)), 200, {
		"cache-control": "public, max-age=3600",
	}),
);

supplyChain.get("/v1/publisher/ads-txt", requirePublisher, (c) =>
	c.text(`${adsTxtLines(c.get("publisher"), exchangeOf(c.env)).join("\n")}\n`, 200, {
		"cache-control": "private, max-age=300",
	}),
);
