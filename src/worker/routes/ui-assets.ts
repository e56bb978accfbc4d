// The pages' stylesheet and scripts, served by the Worker itself: a few KB of text, versioned by
// the pages' ?v= parameter (ASSET_VERSION), so no asset pipeline or static-assets binding is needed.
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { OPS_JS } from "../pages/ops-script";
import { REVIEW_JS } from "../pages/review-script";
import { PX_CSS } from "../pages/style";

export const uiAssets = new Hono<AppEnv>();

const FILES: Record<string, { body: string; type: string }> = {
	"px.css": { body: PX_CSS, type: "text/css; charset=utf-8" },
	"review.js": { body: REVIEW_JS, type: "text/javascript; charset=utf-8" },
	"ops.js": { body: OPS_JS, type: "text/javascript; charset=utf-8" },
};

uiAssets.get("/:file", (c) => {
	const file = FILES[c.req.param("file")];
	if (!file) return c.notFound();
	return c.body(file.body, 200, {
		"content-type": file.type,
		"cache-control": "public, max-age=3600",
		"x-content-type-options": "nosniff",
	});
});
