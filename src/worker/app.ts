import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { errorText, log } from "../services/log";
import { ConfigError, config } from "./config";
import type { AppEnv } from "./context";
import { admin } from "./control/admin";
import { dsp } from "./control/dsp-api";
import { accessLog } from "./middleware/access-log";
import { HttpProblem, problemResponse, problems } from "./problem";
import { adRequests } from "./routes/ad-requests";
import { assets } from "./routes/assets";
import { docs } from "./routes/docs";
import { opsPages } from "./routes/ops-console";
import { player } from "./routes/player";
import { plays } from "./routes/plays";
import { review } from "./routes/review";
import { reviewPages } from "./routes/review-desk";
import { screens } from "./routes/screens";
import { supplyChain } from "./routes/supply-chain";
import { telemetry } from "./routes/telemetry";
import { uiAssets } from "./routes/ui-assets";

/** Largest request body any endpoint accepts; an ad request is a few KB. */
const MAX_BODY_BYTES = 64 * 1024;

function createApp() {
	const app = new Hono<AppEnv>();
	app.use(requestId());
	app.use(accessLog);
	// Every request needs a valid environment: a bad one fails loudly, naming the variables.
	app.use(async (c, next) => {
		config(c.env);
		await next();
	});
	app.use(
		bodyLimit({
			maxSize: MAX_BODY_BYTES,
			onError: () => {
				throw new HttpProblem(problems.tooLarge(MAX_BODY_BYTES));
			},
		}),
	);

	// Browsers ask for it on every page; there is none, and a 404 would only be noise in logs.
	app.get("/favicon.ico", (c) => c.body(null, 204));
	app.get("/healthz", (c) => c.json({ status: "ok", environment: config(c.env).ENVIRONMENT }));

	app.route("/v1/screens", screens);
	app.route("/v1/ad-requests", adRequests);
	app.route("/v1/plays", plays);
	app.route("/v1/assets", assets);
	app.route("/v1/review", review);
	app.route("/v1/telemetry", telemetry);
	app.route("/v1/admin", admin);
	app.route("/v1/dsp", dsp);
	app.route("/", supplyChain);
	app.route("/", docs);
	app.route("/", player);
	// The browser pages: the review desk and the operator console, with their styles and scripts.
	app.route("/review", reviewPages);
	app.route("/ops", opsPages);
	app.route("/ui", uiAssets);

	app.notFound((c) =>
		problemResponse(problems.notFound(`No route for ${c.req.method} ${c.req.path}`)),
	);
	app.onError((err, c) => {
		if (err instanceof HttpProblem) return problemResponse(err.problem, c.get("requestId"));
		if (err instanceof ConfigError) {
			// Never a secret's value: only the names and what is wrong with them.
			log("error", "config_invalid", { request_id: c.get("requestId"), problems: err.problems });
			return problemResponse(problems.internal(), c.get("requestId"));
		}
		log("error", "unhandled", {
			request_id: c.get("requestId"),
			route: c.req.routePath,
			error: errorText(err),
		});
		return problemResponse(problems.internal(), c.get("requestId"));
	});
	return app;
}

export const app = createApp();
