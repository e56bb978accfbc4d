// Data collection API: publishers register and update their screens; ad requests may then carry
// only a screen id and slot id.
import { Hono } from "hono";
import { z } from "zod";
import { AssetsQuery } from "../../px/api/screen-assets";
import { Screen } from "../../px/model/model";
import { screenStub } from "../../services/stubs";
import { requirePublisher } from "../auth";
import { readJson } from "../body";
import type { AppEnv } from "../context";
import { fieldsProblem, HttpProblem, problems, validationProblem } from "../problem";
import { screenAssets } from "../screen-assets";

const ScreenId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);

export const screens = new Hono<AppEnv>();
screens.use(requirePublisher);

function screenIdOf(raw: string): string {
	if (!ScreenId.safeParse(raw).success) {
		throw new HttpProblem(
			fieldsProblem(
				[{ pointer: "#/screenId", detail: "1-128 characters of A-Z a-z 0-9 . _ : -" }],
				"Invalid screen id",
			),
		);
	}
	return raw;
}

screens.put("/:screenId", async (c) => {
	const screenId = screenIdOf(c.req.param("screenId"));
	const body = await readJson(c, z.looseObject({}));
	const screen = Screen.safeParse({ ...body, id: body.id ?? screenId });
	if (!screen.success) {
		throw new HttpProblem(validationProblem(screen.error.issues, "Invalid screen"));
	}
	if (screen.data.id !== screenId) {
		throw new HttpProblem(
			fieldsProblem(
				[{ pointer: "#/id", detail: "must equal the screen id in the path" }],
				"Invalid screen",
			),
		);
	}
	const stored = await screenStub(c.env, c.get("publisher").id, screenId).putProfile(screen.data);
	return c.json(stored.screen, stored.created ? 201 : 200);
});

screens.patch("/:screenId", async (c) => {
	const screenId = screenIdOf(c.req.param("screenId"));
	const patch = await readJson(c, z.looseObject({}));
	if ("id" in patch && patch.id !== screenId) {
		throw new HttpProblem(
			fieldsProblem([{ pointer: "#/id", detail: "a screen's id cannot change" }], "Invalid screen"),
		);
	}
	const result = await screenStub(c.env, c.get("publisher").id, screenId).patchProfile(patch);
	if (!result) throw new HttpProblem(problems.notFound(`Screen ${screenId} is not registered`));
	if (!result.ok) {
		throw new HttpProblem(validationProblem(result.issues, "Invalid screen"));
	}
	return c.json(result.screen);
});

screens.get("/:screenId", async (c) => {
	const screenId = screenIdOf(c.req.param("screenId"));
	const profile = await screenStub(c.env, c.get("publisher").id, screenId).getProfile();
	if (!profile) throw new HttpProblem(problems.notFound(`Screen ${screenId} is not registered`));
	return c.json(profile);
});

screens.get("/:screenId/assets", async (c) => {
	const screenId = screenIdOf(c.req.param("screenId"));
	const query = AssetsQuery.safeParse({ hours: c.req.query("hours") });
	if (!query.success) {
		throw new HttpProblem(validationProblem(query.error.issues, "Invalid query"));
	}
	const listed = await screenAssets(c.env, c.get("publisher"), screenId, query.data.hours, {
		origin: new URL(c.req.url).origin,
	});
	if (!listed) throw new HttpProblem(problems.notFound(`Screen ${screenId} is not registered`));
	// Players poll this every few minutes; a short private cache spares the desk repeated reads.
	return c.json(listed, 200, { "cache-control": "private, max-age=60" });
});
