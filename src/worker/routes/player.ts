// GET /player?screen=<id>[&slot=<id>]: the demo web player, the player SDK playing a screen's
// ads full screen in a loop; GET /player/player.js: its script, bundled at build time
// (npm run generate) and served from the Worker, so there is no static-asset build step.
//
// The page needs a publisher key to ask for ads. Only where ENVIRONMENT is "development" does it
// embed PLAYER_DEMO_KEY (the demo publisher's key); anywhere else the device brings its own key
// (see demo/player/main.ts), and the edge never hands one out.
import { Hono } from "hono";
import { config as edgeConfig } from "../config";
import type { AppEnv } from "../context";
import { PLAYER_JS, PLAYER_JS_ETAG } from "../generated/player-bundle";
import { fieldsProblem, HttpProblem } from "../problem";

export const player = new Hono<AppEnv>();

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function idParam(value: string | undefined, name: string, required: boolean): string | undefined {
	if (value === undefined && !required) return undefined;
	if (value === undefined || !ID.test(value)) {
		throw new HttpProblem(
			fieldsProblem(
				[{ pointer: `#/${name}`, detail: "1-128 characters of A-Z a-z 0-9 . _ : -" }],
				"Invalid query",
			),
		);
	}
	return value;
}

/** JSON inside a <script> element: "<" escaped so no value can close the element. */
const inlineJson = (value: unknown) => JSON.stringify(value).replaceAll("<", "\\u003c");

player.get("/player", (c) => {
	const screen = idParam(c.req.query("screen"), "screen", true)!;
	const slot = idParam(c.req.query("slot"), "slot", false);
	const { ENVIRONMENT, PLAYER_DEMO_KEY } = edgeConfig(c.env);
	const demoKey = ENVIRONMENT === "development" && PLAYER_DEMO_KEY ? PLAYER_DEMO_KEY : undefined;
	const config = { screen, ...(slot ? { slot } : {}), ...(demoKey ? { key: demoKey } : {}) };
	const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>px-edge player · ${screen}</title>
<style>html,body{margin:0;height:100%;background:#000;overflow:hidden;cursor:none}
#stage{position:fixed;inset:0;color:#888;font:16px system-ui,sans-serif;display:grid;place-items:center}</style>
</head><body><div id="stage"></div>
<script type="application/json" id="px-config">${inlineJson(config)}</script>
<script type="module" src="/player/player.js?v=${PLAYER_JS_ETAG}"></script>
</body></html>`;
	return c.html(page, 200, {
		"cache-control": "no-store",
		// Creatives come from the buyers' CDNs and play from blob: URLs of the player's cache.
		"content-security-policy":
			"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src * blob: data:; media-src * blob:; connect-src *",
		"referrer-policy": "no-referrer",
	});
});

player.get("/player/player.js", (c) => {
	const etag = `"${PLAYER_JS_ETAG}"`;
	if (c.req.header("if-none-match") === etag) return c.body(null, 304, { etag });
	return c.body(PLAYER_JS, 200, {
		"content-type": "text/javascript; charset=utf-8",
		etag,
		"cache-control": "public, max-age=300",
	});
});
