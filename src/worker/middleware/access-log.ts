import { createMiddleware } from "hono/factory";
import { log } from "../../services/log";
import type { AppEnv } from "../context";

/** One structured line per request; routePath (not the raw URL) keeps tokens and ids out of logs. */
export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
	const started = Date.now();
	await next();
	log("info", "request", {
		request_id: c.get("requestId"),
		method: c.req.method,
		route: c.req.routePath,
		status: c.res.status,
		duration_ms: Date.now() - started,
	});
});
