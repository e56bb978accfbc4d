// Shared test data: the demo publisher key (its hash is in wrangler.toml) and screens.
import { demoScreens } from "../../demo/screens";
import type { ScreenInput } from "../../src/px/model/model";

export const PUBLISHER_KEY = "demo-publisher-key";
export const REVIEWER_KEY = "demo-reviewer-key";
export const BASE = "https://px-edge.test";

export const authHeaders = (key = PUBLISHER_KEY): Record<string, string> => ({
	authorization: `Bearer ${key}`,
	"content-type": "application/json",
});

/** The demo lobby screen (portrait, image + video 5–15 s, audience from a vendor), renamed. */
export function lobbyScreen(id = "lobby-1"): ScreenInput {
	return { ...structuredClone(screen("demo-lobby-1")), id };
}

/** The demo roadside billboard (static images only, 1400×400), renamed. */
export function billboardScreen(id = "billboard-1"): ScreenInput {
	const { audience: _, ...rest } = structuredClone(screen("demo-billboard-1"));
	return { ...rest, id };
}

function screen(id: string): ScreenInput {
	const found = demoScreens.find((s) => s.id === id);
	if (!found) throw new Error(`no demo screen ${id}`);
	return found;
}

/** The demo metro platform screen (a 1440×1080 main area and a 480×1080 side strip), renamed. */
export function transitScreen(id = "transit-1"): ScreenInput {
	return { ...structuredClone(screen("demo-transit-1")), id };
}
