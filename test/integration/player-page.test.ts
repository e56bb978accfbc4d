// The demo web player page: it embeds the demo publisher key only in development, and serves
// the bundled SDK with an ETag.
import { describe, expect, it } from "vitest";
import { PLAYER_JS_ETAG } from "../../src/worker/generated/player-bundle";
import { callEdge } from "../support/edge";

const configOf = (html: string) =>
	JSON.parse(/<script type="application\/json" id="px-config">(.*?)<\/script>/s.exec(html)![1]!);

describe("/player", () => {
	it("in development, embeds the demo key and loads the bundled player", async () => {
		const { res } = await callEdge("/player?screen=demo-lobby-1");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
		const html = await res.text();
		expect(configOf(html)).toEqual({ screen: "demo-lobby-1", key: "demo-publisher-key" });
		expect(html).toContain(`<script type="module" src="/player/player.js?v=${PLAYER_JS_ETAG}">`);
	});

	it("anywhere else, embeds no key, even with PLAYER_DEMO_KEY set by mistake", async () => {
		const { res } = await callEdge("/player?screen=s1&slot=main", {}, {
			ENVIRONMENT: "production",
		} as Partial<Env>);
		expect(configOf(await res.text())).toEqual({ screen: "s1", slot: "main" });
	});

	it("a screen id that could break the page is a 400 naming #/screen", async () => {
		for (const q of ["", "?screen=%3C%2Fscript%3E", "?screen=ok&slot=a%20b"]) {
			const { res } = await callEdge(`/player${q}`);
			expect(res.status).toBe(400);
			const problem = (await res.json()) as { errors: { pointer: string }[] };
			expect(problem.errors[0]!.pointer).toBe(q.includes("slot") ? "#/slot" : "#/screen");
		}
	});

	it("serves the script with an ETag and answers 304 when unchanged", async () => {
		const { res } = await callEdge("/player/player.js");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
		expect((await res.text()).length).toBeGreaterThan(1000);
		const again = await callEdge("/player/player.js", {
			headers: { "if-none-match": `"${PLAYER_JS_ETAG}"` },
		});
		expect(again.res.status).toBe(304);
	});
});
