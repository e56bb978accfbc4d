// DSPs as accounts (issue 24): a DSP's key, ads submitted before bidding (the Ad Management API
// 1.1 subset), reviewed on the same desk as the same approval unit its bids make.
import { describe, expect, it } from "vitest";
import { approvalKey } from "../../src/px/auction/approval";
import { clearApprovalMemory } from "../../src/services/approvals";
import { TEST_ADMIN_KEY } from "../support/control-setup";
import {
	biddersJson,
	billboardAdRequest,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspBase,
	dspLogAfter,
} from "../support/edge";
import { REVIEWER_KEY } from "../support/fixtures";

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" };
const reviewer = { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" };

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
	const { res } = await callEdge(path, {
		method,
		headers,
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	return res;
}

/** A bidder account with a key, through the admin API. */
async function dspAccount(name: string) {
	const put = await call("PUT", `/v1/admin/bidders/${name}`, admin, {
		endpoint: `${dspBase()}/dsp/bid?tag=${name}`,
		// Its webhook: the test DSP server logs it under the tag `${name}-audit`.
		ad_audit_url: `${dspBase()}/notices/${name}-audit/audit`,
	});
	expect(put.status).toBe(201);
	const created = await call("POST", `/v1/admin/bidders/${name}/keys`, admin, { label: "ads api" });
	expect(created.status).toBe(201);
	return (await created.json()) as { key: string; key_id: string; bidder: string };
}

const ad = (id: string) => ({
	id,
	adomain: [DSP_ADOMAIN],
	asset_url: dspAssets.image(id, { w: 1400, h: 400 }),
	mime: "image/png",
	w: 1400,
	h: 400,
});

describe("DSP accounts", () => {
	it("refuses ads without a DSP key, and with a publisher's or a revoked one", async () => {
		const { key, key_id } = await dspAccount("acct-refused");
		for (const authorization of [undefined, "Bearer demo-publisher-key", "Bearer nope"]) {
			const res = await call(
				"POST",
				"/v1/dsp/ads",
				authorization ? { authorization } : {},
				ad("x"),
			);
			expect(res.status).toBe(401);
		}
		const dspKey = { authorization: `Bearer ${key}`, "content-type": "application/json" };
		expect((await call("POST", "/v1/dsp/ads", dspKey, ad("ok-1"))).status).toBe(201);
		expect(
			(await call("DELETE", `/v1/admin/bidders/acct-refused/keys/${key_id}`, admin)).status,
		).toBe(204);
		expect((await call("POST", "/v1/dsp/ads", dspKey, ad("ok-2"))).status).toBe(401);
	});

	it("validates a submitted ad and names the field", async () => {
		const { key } = await dspAccount("acct-validate");
		const res = await call(
			"POST",
			"/v1/dsp/ads",
			{ authorization: `Bearer ${key}` },
			{ ...ad("v-1"), adomain: [], mime: "text/html" },
		);
		expect(res.status).toBe(400);
		const pointers = ((await res.json()) as { errors: { pointer: string }[] }).errors.map(
			(e) => e.pointer,
		);
		expect(pointers).toEqual(expect.arrayContaining(["#/adomain", "#/mime"]));
	});

	it("a submitted ad waits on the review desk; once approved there, its bids serve at once", {
		timeout: 20_000,
	}, async () => {
		const name = "acct-prereg";
		const { key } = await dspAccount(name);
		const dspKey = { authorization: `Bearer ${key}`, "content-type": "application/json" };
		const submitted = await call("POST", "/v1/dsp/ads", dspKey, ad("pre-1"));
		expect(submitted.status).toBe(201);
		expect(await submitted.json()).toMatchObject({ id: "pre-1", audit: { status: 1 } });

		// On the desk as the unit a bid with this crid, asset and advertiser makes.
		const creativeKey = await approvalKey({
			bidder: name,
			crid: "pre-1",
			asset_url: ad("pre-1").asset_url,
			adomain: [DSP_ADOMAIN],
		});
		const item = await call("GET", `/v1/review/creatives/${creativeKey}`, reviewer);
		expect(item.status).toBe(200);
		expect(await item.json()).toMatchObject({
			item: { status: "pending", bidder: name, crid: "pre-1" },
			audit: [{ action: "intake", actor: `bidder:${name}` }],
		});
		const approved = await call("POST", `/v1/review/creatives/${creativeKey}/approve`, reviewer);
		expect(approved.status).toBe(200);
		const read = await call("GET", "/v1/dsp/ads/pre-1", dspKey);
		expect(await read.json()).toMatchObject({ id: "pre-1", audit: { status: 3 } });
		expect((await call("GET", "/v1/dsp/ads/other", dspKey)).status).toBe(404);

		// A rejection reads back as denied, with the reviewer's reason.
		const second = await call("POST", "/v1/dsp/ads", dspKey, ad("pre-2"));
		expect(second.status).toBe(201);
		const key2 = await approvalKey({
			bidder: name,
			crid: "pre-2",
			asset_url: ad("pre-2").asset_url,
			adomain: [DSP_ADOMAIN],
		});
		await call("POST", `/v1/review/creatives/${key2}/reject`, reviewer, {
			reason: "misleading claim",
		});
		expect(await (await call("GET", "/v1/dsp/ads/pre-2", dspKey)).json()).toMatchObject({
			audit: { status: 4, feedback: ["misleading claim"] },
		});
		// The DSP hears of both decisions through its webhook, by the notices queue.
		expect((await dspLogAfter(`${name}-audit`, "audit", 2)).sort()).toEqual([
			"audit ?ad_id=pre-1&audit_status=3",
			"audit ?ad_id=pre-2&audit_status=4",
		]);

		// Its first bid fills: the creative was reviewed before the DSP ever bid with it. (The
		// test names its bidders for the auction, which replaces the account's configuration.)
		clearApprovalMemory();
		const { res } = await billboardAdRequest({
			screenId: "bb-prereg",
			overrides: {
				BIDDERS: biddersJson("prereg", [
					{ name, behaviour: "bid", query: { crid: "pre-1", price: 5 } },
				]),
			},
		});
		expect(await res.json()).toMatchObject({ filled: true, creative: { id: "pre-1" } });

		// A bid may name the approved ad by adid alone, without adm: it plays the ad as registered.
		// A bid that names an ad by adid and sends no adm (the test DSP's adid=1), on a fresh screen.
		const bidByAdid = async (adid: string) => {
			const { res } = await billboardAdRequest({
				screenId: `bb-adid-${adid}`,
				query: "?debug=1",
				overrides: {
					BIDDERS: biddersJson(`adid-${adid}`, [
						{ name, behaviour: "bid", query: { crid: adid, price: 5, adid: 1 } },
					]),
				},
			});
			return (await res.json()) as {
				filled: boolean;
				creative?: { id: string };
				debug: { bidders: { bids: { reason: number }[] }[] };
			};
		};
		expect(await bidByAdid("pre-1")).toMatchObject({ filled: true, creative: { id: "pre-1" } });
		// An adid no registration has leaves the bid as sent, without crid or markup: filtered (8).
		const missed = await bidByAdid("never-registered");
		expect(missed.filled).toBe(false);
		expect(missed.debug.bidders[0]!.bids[0]!.reason).toBe(8);
	});
});
