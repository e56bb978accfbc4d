// The supply chain a buyer checks: /sellers.json lists the seller behind every schain node of
// this exchange, an upstream chain is extended, and a publisher gets its exact ads.txt lines.
import { env } from "cloudflare:workers";
import type { BidRequest } from "iab-openrtb/v26";
import { describe, expect, it } from "vitest";
import { TEST_ADMIN_KEY, testPublishers } from "../support/control-setup";
import { adRequest, biddersJson, callEdge, dspLog, registerScreen } from "../support/edge";
import { authHeaders, lobbyScreen } from "../support/fixtures";

let n = 0;
const newTag = () => `sc${Date.now().toString(36)}${n++}`;

const UPSTREAM = {
	complete: 1,
	ver: "1.0",
	nodes: [{ asi: "cms.example", sid: "net-42", hp: 1, rid: "cms-req-1", name: "A CMS" }],
};

/** What a sellers.json 1.0 consumer requires, checked here independently of the edge's schema. */
function sellersJsonProblems(doc: Record<string, unknown>): string[] {
	const problems: string[] = [];
	if (doc.version !== "1.0") problems.push("version must be the string 1.0");
	for (const key of ["contact_email", "contact_address"]) {
		if (key in doc && typeof doc[key] !== "string") problems.push(`${key} must be a string`);
	}
	if (!Array.isArray(doc.sellers)) return [...problems, "sellers must be an array"];
	const ids = new Set<string>();
	for (const [i, s] of (doc.sellers as Record<string, unknown>[]).entries()) {
		if (typeof s.seller_id !== "string" || s.seller_id === "") problems.push(`${i}: seller_id`);
		if (ids.has(String(s.seller_id))) problems.push(`${i}: duplicate seller_id`);
		ids.add(String(s.seller_id));
		if (!["PUBLISHER", "INTERMEDIARY", "BOTH"].includes(String(s.seller_type))) {
			problems.push(`${i}: seller_type`);
		}
		if (s.is_confidential !== undefined && s.is_confidential !== 0 && s.is_confidential !== 1) {
			problems.push(`${i}: is_confidential must be 0 or 1`);
		}
		if (s.is_confidential === 1 && ("name" in s || "domain" in s)) {
			problems.push(`${i}: a confidential seller has no name or domain`);
		}
		if (s.is_confidential !== 1 && (typeof s.name !== "string" || s.name === "")) {
			problems.push(`${i}: name is required unless confidential`);
		}
		const allowed = [
			"seller_id",
			"seller_type",
			"is_confidential",
			"is_passthrough",
			"name",
			"domain",
			"comment",
			"ext",
		];
		for (const key of Object.keys(s)) if (!allowed.includes(key)) problems.push(`${i}: ${key}`);
	}
	return problems;
}

async function sellers() {
	const { res } = await callEdge("/sellers.json");
	expect(res.status).toBe(200);
	return {
		res,
		doc: (await res.json()) as Record<string, unknown> & { sellers: Record<string, unknown>[] },
	};
}

async function sentRequest(body: Record<string, unknown>, query = ""): Promise<BidRequest> {
	const tag = newTag();
	const { res, settled } = await adRequest(
		body,
		biddersJson(tag, [{ name: "listener", behaviour: "nobid" }]),
		query,
	);
	expect(res.status).toBe(200);
	await settled;
	const line = (await dspLog(tag)).find((l) => l.startsWith("request"))!;
	return JSON.parse(line.split(" ").slice(3).join(" ")) as BidRequest;
}

describe("GET /sellers.json", () => {
	it("is a valid, public, cacheable sellers.json with every configured publisher", async () => {
		// A publisher added through the admin API is listed by the next request.
		const added = await callEdge("/v1/admin/publishers/reseller-1", {
			method: "PUT",
			headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
			body: JSON.stringify({
				name: "Hidden Reseller",
				domain: "hidden.example",
				seller_type: "INTERMEDIARY",
				is_confidential: true,
			}),
		});
		expect(added.res.status).toBe(201);
		const publishers = [...testPublishers, { id: "reseller-1" }];
		const { res, doc } = await sellers();
		expect(res.headers.get("content-type")).toMatch(/^application\/json/);
		expect(res.headers.get("cache-control")).toContain("public");
		expect(sellersJsonProblems(doc)).toEqual([]);
		expect(doc.contact_email).toBe(env.SELLERS_CONTACT_EMAIL);
		expect(doc.sellers.map((s) => s.seller_id)).toEqual(publishers.map((p) => p.id).sort());
		expect(doc.sellers).toContainEqual({
			seller_id: "demo-pub",
			seller_type: "PUBLISHER",
			is_confidential: 0,
			name: "Demo Outdoor Network",
			domain: "demo-outdoor.example",
		});
		expect(doc.sellers.find((s) => s.seller_id === "reseller-1")).toEqual({
			seller_id: "reseller-1",
			seller_type: "INTERMEDIARY",
			is_confidential: 1,
		});
	});

	it("names the seller behind this exchange's node of every bid request's schain", async () => {
		const { doc } = await sellers();
		const listed = new Set(doc.sellers.map((s) => s.seller_id));
		const screen = `sc-lobby-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		for (const extra of [{}, { schain: UPSTREAM }]) {
			const sent = await sentRequest({ screen_id: screen, slot_id: "main", ...extra });
			const ours = sent.source!.schain!.nodes.filter((node) => node.asi === env.EXCHANGE_ASI);
			expect(ours).toHaveLength(1);
			expect(listed.has(ours[0]!.sid)).toBe(true);
		}
	});
});

describe("an upstream schain", () => {
	it("is extended with this exchange's node, not replaced", async () => {
		const screen = `sc-ext-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		const sent = await sentRequest({ screen_id: screen, slot_id: "main", schain: UPSTREAM });
		expect(sent.source?.schain).toEqual({
			complete: 1,
			ver: "1.0",
			nodes: [...UPSTREAM.nodes, { asi: env.EXCHANGE_ASI, sid: "demo-pub", hp: 1 }],
		});
	});

	it("that is incomplete stays incomplete", async () => {
		const screen = `sc-inc-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		const sent = await sentRequest({
			screen_id: screen,
			slot_id: "main",
			schain: { ...UPSTREAM, complete: 0 },
		});
		expect(sent.source?.schain?.complete).toBe(0);
		expect(sent.source?.schain?.nodes).toHaveLength(2);
	});

	it("comes through the vistar dialect too", async () => {
		const screen = `sc-vis-${newTag()}`;
		await registerScreen(lobbyScreen(screen));
		const sent = await sentRequest(
			{
				device_id: screen,
				display_time: Math.floor(Date.now() / 1000) + 7200,
				display_area: [
					{
						id: "main",
						width: 1080,
						height: 1920,
						allow_audio: false,
						supported_media: ["video/mp4"],
						max_duration: 15,
					},
				],
				schain: UPSTREAM,
			},
			"?dialect=vistar",
		);
		expect(sent.source?.schain?.nodes.map((node) => node.asi)).toEqual([
			"cms.example",
			env.EXCHANGE_ASI,
		]);
	});

	it.each([
		[{ ...UPSTREAM, nodes: [{ asi: "cms.example", sid: "x", hp: 2 }] }, "#/schain/nodes/0/hp"],
		[{ ...UPSTREAM, nodes: [{ asi: "not a domain", sid: "x", hp: 1 }] }, "#/schain/nodes/0/asi"],
		[{ ...UPSTREAM, nodes: Array(10).fill(UPSTREAM.nodes[0]) }, "#/schain/nodes"],
		[
			{ ...UPSTREAM, nodes: [{ ...UPSTREAM.nodes[0], sid: "s".repeat(129) }] },
			"#/schain/nodes/0/sid",
		],
		[{ ...UPSTREAM, ver: 1 }, "#/schain/ver"],
	])("a bad one is a 400 naming the field (%#)", async (schain, pointer) => {
		const { res } = await adRequest({ screen_id: "anything", slot_id: "main", schain }, "[]");
		expect(res.status).toBe(400);
		const problem = (await res.json()) as { errors: { pointer: string }[] };
		expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
	});
});

describe("GET /v1/publisher/ads-txt", () => {
	it("needs the publisher key", async () => {
		const { res } = await callEdge("/v1/publisher/ads-txt");
		expect(res.status).toBe(401);
	});

	it("gives the publisher the exact lines for its /ads.txt", async () => {
		const { res } = await callEdge("/v1/publisher/ads-txt", { headers: authHeaders() });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
		expect(await res.text()).toBe(
			`${env.EXCHANGE_ASI}, demo-pub, DIRECT\nOWNERDOMAIN=demo-outdoor.example\n`,
		);
	});
});
