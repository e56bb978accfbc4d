// The demo web player served at /player?screen=<id>: the player SDK with its browser parts,
// playing full screen in a loop. Bundled for the browser by `npm run generate` (esbuild) into
// src/worker/generated/player-bundle.ts, which the Worker serves as /player/player.js.
//
// The publisher key: in local development the page embeds the demo key (PLAYER_DEMO_KEY). A real
// player is provisioned with its key (kiosk setup, device management) and keeps it on the device;
// this page accepts it once in the URL fragment (#key=…, never sent to any server, so never in a
// log), keeps it in localStorage and removes it from the address bar.
import {
	CacheApiAssetStore,
	DomRenderer,
	EdgeClient,
	IndexedDbQueueStore,
	MemoryAssetStore,
	Player,
	type PlayerEvent,
} from "../../sdk/browser";
import { errorText } from "../../src/px/api/error-text";

interface PageConfig {
	screen: string;
	slot?: string;
	key?: string;
	minShare?: number;
}

/** What tests and the overlay read: every player event, newest last, in a serialisable form. */
interface PageState {
	events: Record<string, unknown>[];
	player?: Player;
	error?: string;
}

const KEY_STORAGE = "px-player-key";
const state: PageState = { events: [] };
(globalThis as unknown as { pxPlayer: PageState }).pxPlayer = state;

function readConfig(): PageConfig {
	const el = document.getElementById("px-config");
	return JSON.parse(el?.textContent ?? "{}") as PageConfig;
}

function publisherKey(config: PageConfig): string | undefined {
	const fromFragment = new URLSearchParams(location.hash.slice(1)).get("key");
	if (fromFragment) {
		localStorage.setItem(KEY_STORAGE, fromFragment);
		history.replaceState(null, "", location.pathname + location.search);
		return fromFragment;
	}
	return config.key ?? localStorage.getItem(KEY_STORAGE) ?? undefined;
}

function flatten(event: PlayerEvent): Record<string, unknown> {
	const at = Date.now();
	switch (event.type) {
		case "decision":
			return {
				type: event.type,
				at,
				decisionId: event.answer.decision_id,
				creative: event.answer.creative.id,
				mime: event.answer.creative.mime,
				cached: event.answer.cached,
			};
		case "report": {
			const { outcome } = event;
			const report = outcome.report;
			return {
				type: event.type,
				at,
				outcome: outcome.kind,
				kind: report.kind,
				decisionId: "decisionId" in report ? report.decisionId : undefined,
				status: "status" in outcome ? outcome.status : undefined,
				attempts: report.attempts,
			};
		}
		default:
			return { ...event, at };
	}
}

function overlay(text: string): void {
	if (!new URLSearchParams(location.search).has("overlay")) return;
	let el = document.getElementById("px-overlay");
	if (!el) {
		el = document.createElement("div");
		el.id = "px-overlay";
		el.style.cssText =
			"position:fixed;left:8px;bottom:8px;z-index:2;font:12px monospace;color:#0f0;background:#000a;padding:4px 6px";
		document.body.append(el);
	}
	el.textContent = text;
}

/**
 * A spot the pre-play check skipped is said on screen, overlay or not: in the demo a reviewer
 * rejecting a creative should see the screens stop playing it.
 */
function notice(text: string): void {
	const el = document.createElement("div");
	el.className = "px-notice";
	el.style.cssText =
		"position:fixed;left:8px;top:8px;z-index:3;font:14px sans-serif;color:#fff;background:#b00c;padding:6px 10px;border-radius:4px";
	el.textContent = text;
	document.body.append(el);
	setTimeout(() => el.remove(), 5_000);
}

async function main(): Promise<void> {
	const config = readConfig();
	const stage = document.getElementById("stage")!;
	const key = publisherKey(config);
	if (!config.screen || !key) {
		state.error = !config.screen ? "no screen" : "no key";
		stage.textContent = !config.screen
			? "Open /player?screen=<screen id>."
			: "This player has no publisher key. Open it once as /player?screen=<id>#key=<publisher key>.";
		return;
	}
	const client = new EdgeClient({ baseUrl: location.origin, apiKey: key });
	const slot = config.slot ?? (await client.screen(config.screen)).slots[0]?.id;
	if (!slot) throw new Error(`screen ${config.screen} has no slots`);
	const player = new Player({
		client,
		screenId: config.screen,
		slotId: slot,
		renderer: new DomRenderer(stage),
		// The Cache API exists only in secure contexts (https, localhost); elsewhere the page
		// still plays, straight from the network.
		assets: globalThis.caches ? new CacheApiAssetStore() : new MemoryAssetStore(),
		reports: new IndexedDbQueueStore(),
		...(config.minShare ? { minShare: config.minShare } : {}),
		// Demo assets change rarely; a short telemetry window keeps the demo's numbers fresh.
		queue: { telemetryDelayMs: 10_000 },
		onEvent: (event) => {
			const flat = flatten(event);
			state.events.push(flat);
			overlay(`${config.screen}/${slot} · ${JSON.stringify(flat)}`);
			if (event.type === "spot_revoked") {
				notice(`Skipped ${event.decisionId}: its creative was rejected since the auction`);
			}
		},
	});
	state.player = player;
	addEventListener("online", () => player.online());
	await player.start();
}

main().catch((err: unknown) => {
	state.error = errorText(err);
	const stage = document.getElementById("stage");
	if (stage) stage.textContent = `Player stopped: ${state.error}`;
});
