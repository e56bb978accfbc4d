/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The operator console in the browser (/ops), for operator keys: the page, its panels alone (what
// the page's script reloads) and the same figures as JSON (/ops/metrics.json, for scripts and
// tests). Figures come from Analytics Engine's SQL API (ops/snapshot.ts); the header also says how
// old this isolate's control-plane snapshot is (control/snapshot.ts).
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { snapshotStatus } from "../control/snapshot";
import { opsSnapshot } from "../ops/snapshot";
import { page, render } from "../pages/layout";
import { OpsPage, OpsPanels } from "../pages/ops-page";
import { type PageEnv, requireSession, signInRoutes } from "./page-auth";

export const opsPages = new Hono<AppEnv>();
signInRoutes(opsPages, "operator");

const consolePages = new Hono<PageEnv>();
const signedIn = requireSession("operator");

const operatorOf = (keySha256: string) => `operator:${keySha256.slice(0, 12)}`;

consolePages.get("/", signedIn, async (c) => {
	const session = c.get("session");
	return page(
		c,
		<OpsPage
			s={await opsSnapshot(c.env)}
			csrf={session.csrf}
			actor={operatorOf(session.key_sha256)}
			control={snapshotStatus(c.env)}
		/>,
	);
});

consolePages.get("/panels", signedIn, async (c) => {
	c.header("cache-control", "no-store");
	return c.html(await render(<OpsPanels s={await opsSnapshot(c.env)} />));
});

consolePages.get("/metrics.json", signedIn, async (c) => {
	c.header("cache-control", "no-store");
	return c.json({ ...(await opsSnapshot(c.env)), control: snapshotStatus(c.env) });
});

opsPages.route("/", consolePages);
