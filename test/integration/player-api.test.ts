// The API the player SDK leans on: proof of play with the player's display time and duration
// (billable only over the threshold share), batched reports with one result per report, and the
// list of assets a screen should pre-cache.
import { beforeAll, describe, expect, it } from "vitest";
import { approvalKey } from "../../src/px/auction/approval";
import { Reason } from "../../src/px/auction/reasons";
import { settlementEvent } from "../../src/px/notices/settlement";
import { signPopToken } from "../../src/worker/pop-token";
import {
	adRequest,
	approve,
	biddersJson,
	callEdge,
	DSP_ADOMAIN,
	dspAssets,
	dspBase,
	dspLog,
	fullPlay,
	hostedUrl,
	spotRan,
} from "../support/edge";
import { authHeaders, billboardScreen, lobbyScreen, REVIEWER_KEY } from "../support/fixtures";
import { putOnDesk } from "../support/records";

let n = 0;
const tag = () => `pa${Date.now().toString(36)}${n++}`;
const CRID = "crid-player";

beforeAll(() =>
	approve({
		bidder: "buyer",
		crid: CRID,
		asset_url: dspAssets.image(CRID, { w: 1400, h: 400 }),
		adomain: [DSP_ADOMAIN],
	}),
);

/** Wins one auction for a 1 s still on a fresh inline billboard (a billed test waits 1 s). */
async function win(t = tag(), screenId = `bb-${t}`, durationS = 1) {
	const { res, settled } = await adRequest(
		{ screen_id: screenId, slot_id: "face-a", screen: billboardScreen(screenId) },
		biddersJson(t, [
			{ name: "buyer", behaviour: "bid", query: { crid: CRID, price: 8, dur: durationS } },
		]),
	);
	const answer = (await res.json()) as {
		filled: boolean;
		decision_id: string;
		proof_of_play_url: string;
		expiry_url: string;
		creative: { duration_s: number };
		play: { not_before: number; not_after: number };
	};
	expect(answer.filled).toBe(true);
	await settled;
	const token = new URL(answer.proof_of_play_url).pathname.split("/").pop()!;
	return { t, screenId, answer, token, popPath: `/v1/plays/${token}` };
}

const post = (path: string, body?: unknown) =>
	callEdge(path, {
		method: "POST",
		...(body === undefined
			? {}
			: { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
	});

/**
 * The buyer's notices for `t`, once the notices queue had time to deliver them (a notice that
 * must not come is then not just late).
 */
async function notices(t: string) {
	await new Promise((r) => setTimeout(r, 600));
	const log = await dspLog(t);
	return {
		burls: log.filter((l) => l.startsWith("burl")),
		lurls: log.filter((l) => l.startsWith("lurl")),
	};
}

describe("proof of play with the player's display time and duration", () => {
	it("a play over the threshold is billed once and says what the player saw", async () => {
		const { t, answer, popPath } = await win();
		expect(answer.creative.duration_s).toBe(1);
		await spotRan(answer, 900);
		const first = await post(popPath, { displayed_at: answer.play.not_before, displayed_ms: 900 });
		expect(first.res.status).toBe(200);
		expect(await first.res.json()).toMatchObject({
			status: "accepted",
			decision_id: answer.decision_id,
			billable: true,
			play_share: 0.9,
		});
		await first.settled;
		expect((await post(popPath, { displayed_ms: 1_000 })).res.status).toBe(409);
		expect((await notices(t)).burls).toHaveLength(1);
	});

	it("a play under the threshold spends the token but is not billed: no burl, lurl 2", async () => {
		const { t, popPath } = await win();
		const first = await post(popPath, { displayed_at: Date.now() - 300, displayed_ms: 300 });
		expect(first.res.status).toBe(200);
		expect(await first.res.json()).toMatchObject({
			billable: false,
			not_billable_reason: "under_threshold",
			play_share: 0.3,
		});
		await first.settled;
		// Single use still holds: the full play reported afterwards is a replay, not a second chance.
		const again = await post(popPath, { displayed_ms: 1_000 });
		expect(again.res.status).toBe(409);
		await again.settled;
		const { burls, lurls } = await notices(t);
		expect(burls).toHaveLength(0);
		expect(lurls).toEqual([`lurl ?loss=${Reason.Expired}&min=`]);
	});

	it("the play event carries the player's figures and says when it is not billed", () => {
		const settled = {
			decisionId: "d",
			notices: { macros: {} },
			meta: {
				publisherId: "demo-pub",
				screenId: "s",
				auctionId: "a",
				bidder: "b",
				crid: "c",
				priceCpm: 8,
				multiplier: 1,
				venueType: 30101,
				approvalKey: "k",
			},
		};
		const unbilled = settlementEvent(settled, {
			kind: "play",
			playedAt: 2_000,
			displayedAt: 1_000,
			displayedMs: 3_000,
			share: 0.3,
			billable: false,
			reason: "under_threshold",
		});
		expect(unbilled).toMatchObject({
			type: "play",
			displayed_at: 1_000,
			displayed_ms: 3_000,
			play_share: 0.3,
			billable: false,
			not_billable_reason: "under_threshold",
		});
		const billed = settlementEvent(settled, { kind: "play", playedAt: 2_000, billable: true });
		expect(billed).not.toHaveProperty("billable");
	});

	it("invalid figures are a 400 naming the field, and record nothing", async () => {
		const { t, popPath } = await win();
		const cases: [unknown, string][] = [
			[{ displayed_ms: -1 }, "#/displayed_ms"],
			[{ displayed_ms: 1.5 }, "#/displayed_ms"],
			[{ displayed_at: Date.now() + 3_600_000 }, "#/displayed_at"],
			[{ displayed_at: "yesterday" }, "#/displayed_at"],
			[{ shown_ms: 1 }, "#/shown_ms"],
		];
		for (const [body, pointer] of cases) {
			const { res } = await post(popPath, body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			const problem = (await res.json()) as { errors: { pointer: string }[] };
			expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
		}
		const { answer } = await win(t, `bb-${t}-ok`);
		const ok = await callEdge(
			answer.proof_of_play_url.replace(/^https?:\/\/[^/]+/, ""),
			await fullPlay(answer),
		);
		expect(ok.res.status).toBe(200);
		await ok.settled;
		expect((await notices(t)).burls).toHaveLength(1);
	});

	it("the GET pixel takes the figures from its query", async () => {
		const { t, popPath } = await win();
		const bad = await callEdge(`${popPath}?displayed_ms=abc`);
		expect(bad.res.status).toBe(400);
		const { res, settled } = await callEdge(`${popPath}?displayed_ms=200`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("image/gif");
		await settled;
		expect((await notices(t)).burls).toHaveLength(0);
	});

	it("a report without displayed_ms is recorded, not billed: no_evidence, no burl, lurl 2", async () => {
		const { t, popPath, answer } = await win();
		await spotRan(answer);
		const { res, settled } = await post(popPath);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			status: "accepted",
			billable: false,
			not_billable_reason: "no_evidence",
		});
		await settled;
		const { burls, lurls } = await notices(t);
		expect(burls).toHaveLength(0);
		expect(lurls).toEqual([`lurl ?loss=${Reason.Expired}&min=`]);
	});

	it("a full spot reported before it could have run is implausible: recorded, not billed", async () => {
		const { t, popPath } = await win(tag(), undefined, 10);
		const { res, settled } = await post(popPath, { displayed_ms: 10_000 });
		expect(await res.json()).toMatchObject({ billable: false, not_billable_reason: "implausible" });
		await settled;
		expect((await notices(t)).burls).toHaveLength(0);
	});
});

describe("batched proof of play", () => {
	it("each report gets the single route's status and body; a replay in the batch is 409", async () => {
		const a = await win();
		const b = await win();
		const c = await win();
		await spotRan(c.answer);
		const forged = await signPopToken(
			{ v: 1, d: "x", p: "demo-pub", s: "s", nb: 0, na: Date.now() + 1e6, ru: Date.now() + 1e6 },
			"not-the-key",
		);
		const { res, settled } = await post("/v1/plays", {
			reports: [
				{ token: a.token, displayed_at: a.answer.play.not_before, displayed_ms: 1_000 },
				{ token: b.token, event: "expired" },
				{ token: forged },
				{ token: c.token, displayed_ms: -5 },
				{ token: a.token, displayed_ms: 1_000 },
			],
		});
		expect(res.status).toBe(200);
		const { results } = (await res.json()) as {
			results: { status: number; body: Record<string, unknown> }[];
		};
		await settled;
		expect(results.map((r) => r.status)).toEqual([200, 200, 403, 400, 409]);
		expect(results[0]!.body).toMatchObject({ status: "accepted", billable: true });
		expect(results[1]!.body).toMatchObject({
			status: "expired",
			decision_id: b.answer.decision_id,
		});
		expect(results[2]!.body).toMatchObject({ type: "/problems/forbidden" });
		expect(results[3]!.body).toMatchObject({
			type: "/problems/validation",
			errors: [{ pointer: "#/reports/3/displayed_ms" }],
		});
		expect(results[4]!.body).toMatchObject({ type: "/problems/already-reported" });
		expect((await notices(a.t)).burls).toHaveLength(1);
		expect((await notices(b.t)).lurls).toEqual([`lurl ?loss=${Reason.Expired}&min=`]);
		// The report the batch refused is still open, and counts once when sent again.
		const retried = await post("/v1/plays", {
			reports: [{ token: c.token, displayed_ms: 1_000 }],
		});
		const again = (await retried.res.json()) as { results: { status: number }[] };
		expect(again.results[0]!.status).toBe(200);
		await retried.settled;
		expect((await notices(c.t)).burls).toHaveLength(1);
	});

	it("a batch sent twice (a lost answer) bills nothing twice", async () => {
		const wins = await Promise.all([win(), win(), win()]);
		for (const w of wins) await spotRan(w.answer);
		const body = { reports: wins.map((w) => ({ token: w.token, displayed_ms: 1_000 })) };
		const first = await post("/v1/plays", body);
		await first.settled;
		const second = await post("/v1/plays", body);
		await second.settled;
		const statuses = async (r: Response) =>
			((await r.json()) as { results: { status: number }[] }).results.map((x) => x.status);
		expect(await statuses(first.res)).toEqual([200, 200, 200]);
		expect(await statuses(second.res)).toEqual([409, 409, 409]);
		for (const w of wins) expect((await notices(w.t)).burls).toHaveLength(1);
	});

	it("the envelope is checked as a whole: 400 naming #/reports", async () => {
		for (const body of [{}, { reports: [] }, { reports: Array(101).fill({ token: "x" }) }]) {
			const { res } = await post("/v1/plays", body);
			expect(res.status).toBe(400);
			const problem = (await res.json()) as { errors: { pointer: string }[] };
			expect(problem.errors[0]!.pointer).toBe("#/reports");
		}
	});
});

describe("GET /v1/screens/{id}/assets", () => {
	const get = (path: string, key?: string) => callEdge(path, { headers: authHeaders(key) });

	it("lists the screen's scheduled decision first, then desk-approved assets that fit", async () => {
		const t = tag();
		const screenId = `lobby-assets-${t}`;
		const put = await callEdge(`/v1/screens/${screenId}`, {
			method: "PUT",
			headers: authHeaders(),
			body: JSON.stringify(lobbyScreen(screenId)),
		});
		expect(put.res.status).toBe(201);
		// A video wins on the lobby.
		const video = {
			bidder: "vbuyer",
			crid: `v-${t}`,
			asset_url: dspAssets.video(),
			adomain: [DSP_ADOMAIN],
		};
		await approve(video);
		const bidders = biddersJson(t, [
			{ name: "vbuyer", behaviour: "bid", query: { crid: video.crid, price: 9 } },
		]);
		const { res, settled } = await adRequest({ screen_id: screenId, slot_id: "main" }, bidders);
		const answer = (await res.json()) as { filled: boolean; play: { not_after: number } };
		expect(answer.filled).toBe(true);
		await settled;

		// On the desk: a portrait still that fits the lobby, a landscape one that does not, one
		// rejected, and one from a bidder this screen's auctions never call.
		// Approving copies each file (the test DSP server hosts them): the list names the copies.
		const asset = (name: string) => `${dspBase()}/assets/${t}-${name}.png`;
		const adomain = [DSP_ADOMAIN];
		const fits = { bidder: "vbuyer", crid: `fit-${t}`, asset_url: asset("p"), adomain };
		const wide = { bidder: "vbuyer", crid: `wide-${t}`, asset_url: asset("w"), adomain };
		const bad = { bidder: "vbuyer", crid: `bad-${t}`, asset_url: asset("b"), adomain };
		const other = { bidder: "nobody", crid: `o-${t}`, asset_url: asset("o"), adomain };
		await putOnDesk(fits, { w: 1080, h: 1920 });
		await putOnDesk(wide, { w: 1400, h: 400 });
		await putOnDesk(bad, { w: 1080, h: 1920 });
		await putOnDesk(other, { w: 1080, h: 1920 });
		const decide = async (unit: typeof fits, action: "approve" | "reject") => {
			const { res } = await callEdge(`/v1/review/creatives/${await approvalKey(unit)}/${action}`, {
				method: "POST",
				headers: { authorization: `Bearer ${REVIEWER_KEY}`, "content-type": "application/json" },
				body: JSON.stringify({ reason: "test" }),
			});
			expect(res.status).toBe(200);
		};
		await decide(fits, "approve");
		await decide(wide, "approve");
		await decide(bad, "reject");
		await decide(other, "approve");

		const listed = await callEdge(
			`/v1/screens/${screenId}/assets?hours=2`,
			{
				headers: authHeaders(),
			},
			{ BIDDERS: bidders },
		);
		expect(listed.res.status).toBe(200);
		const body = (await listed.res.json()) as {
			screen_id: string;
			hours: number;
			assets: { asset_url: string; reason: string; slot_ids: string[]; play_by?: number }[];
		};
		expect(body).toMatchObject({ screen_id: screenId, hours: 2 });
		expect(body.assets.map((a) => [a.asset_url, a.reason])).toEqual([
			[await hostedUrl(video.asset_url), "scheduled"],
			[await hostedUrl(fits.asset_url), "eligible"],
		]);
		expect(body.assets[0]).toMatchObject({ slot_ids: ["main"], play_by: answer.play.not_after });
	});

	it("desk assets are scoped to the publisher: what its badv or a private auction's deals filter is not listed", async () => {
		const t = tag();
		const asset = (name: string) => `${dspBase()}/assets/${t}-${name}.png`;
		const unit = (name: string, adomain: string[]) => ({
			bidder: "vbuyer",
			crid: `${name}-${t}`,
			asset_url: asset(name),
			adomain,
		});
		// demo-pub's badv is ["blocked.example"]: a subdomain, in any shape, is blocked too.
		const allowed = unit("ok", [DSP_ADOMAIN]);
		const blocked = unit("blk", ["https://Shop.Blocked.example/spring"]);
		const brand = unit("brand", ["other-brand.example"]);
		for (const u of [allowed, blocked, brand]) {
			await putOnDesk(u, { w: 1080, h: 1920 });
			const { res } = await callEdge(`/v1/review/creatives/${await approvalKey(u)}/approve`, {
				method: "POST",
				headers: { authorization: `Bearer ${REVIEWER_KEY}` },
			});
			expect(res.status).toBe(200);
		}
		const bidders = biddersJson(t, [{ name: "vbuyer", behaviour: "bid", query: { price: 9 } }]);
		/** The eligible assets of this test a publisher's screen is told to pre-cache. */
		const listedFor = async (key: string, screen: ReturnType<typeof lobbyScreen>) => {
			const headers = authHeaders(key);
			const path = `/v1/screens/${screen.id}`;
			const put = await callEdge(path, { method: "PUT", headers, body: JSON.stringify(screen) });
			expect(put.res.status).toBe(201);
			const { res } = await callEdge(`${path}/assets`, { headers }, { BIDDERS: bidders });
			expect(res.status).toBe(200);
			const { assets } = (await res.json()) as { assets: { asset_url: string; reason: string }[] };
			const ours = new Map(
				await Promise.all(
					[allowed, blocked, brand].map(
						async (u) => [await hostedUrl(u.asset_url), u.crid] as const,
					),
				),
			);
			return assets.flatMap((a) => (ours.has(a.asset_url) ? [ours.get(a.asset_url)] : [])).sort();
		};
		expect(await listedFor("demo-publisher-key", lobbyScreen(`lobby-scope-${t}`))).toEqual(
			[allowed.crid, brand.crid].sort(),
		);
		// A publisher that blocks nothing is offered all three.
		expect(await listedFor("second-publisher-key", lobbyScreen(`lobby-scope-${t}`))).toEqual(
			[allowed.crid, blocked.crid, brand.crid].sort(),
		);
		// A private auction takes only deal bids: advertisers no deal admits cannot win there.
		const privateLobby = {
			...lobbyScreen(`lobby-private-${t}`),
			private_auction: true,
			deals: [{ id: `deal-${t}`, bidfloor: 1, wadomain: [DSP_ADOMAIN] }],
		};
		expect(await listedFor("demo-publisher-key", privateLobby)).toEqual([allowed.crid]);
	});

	it("a played decision stays listed as recent; a rejected one is dropped", async () => {
		const { screenId, popPath, answer } = await win();
		await spotRan(answer);
		// Inline screens have no profile: only their own decisions are listed.
		const before = await get(`/v1/screens/${screenId}/assets`);
		const listed = (await before.res.json()) as { assets: { reason: string }[]; hours: number };
		expect(listed.hours).toBe(24);
		expect(listed.assets.map((a) => a.reason)).toEqual(["scheduled"]);
		expect((await post(popPath, { displayed_ms: 1_000 })).res.status).toBe(200);
		const after = (await (await get(`/v1/screens/${screenId}/assets`)).res.json()) as {
			assets: { reason: string }[];
		};
		expect(after.assets.map((a) => a.reason)).toEqual(["recent"]);
	});

	it("400 naming #/hours, 404 for unknown screens and for another publisher's", async () => {
		const { screenId } = await win();
		for (const hours of ["0", "73", "abc", "1.5"]) {
			const { res } = await get(`/v1/screens/${screenId}/assets?hours=${hours}`);
			expect(res.status, hours).toBe(400);
			const problem = (await res.json()) as { errors: { pointer: string }[] };
			expect(problem.errors[0]!.pointer).toBe("#/hours");
		}
		expect((await get("/v1/screens/never-seen/assets")).res.status).toBe(404);
		expect((await get(`/v1/screens/${screenId}/assets`, "second-publisher-key")).res.status).toBe(
			404,
		);
		expect((await callEdge(`/v1/screens/${screenId}/assets`)).res.status).toBe(401);
	});
});
