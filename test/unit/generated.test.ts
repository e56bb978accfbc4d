// The committed build artefacts (OpenAPI document, browser bundle of the player) must be what
// `npm run generate` makes from the current sources: a stale one fails here, not in production.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedFiles } from "../../scripts/generate";

describe("generated files", () => {
	it("are up to date: run `npm run generate` after changing schemas, routes' docs or the SDK", async () => {
		for (const [file, text] of Object.entries(await generatedFiles())) {
			expect(readFileSync(file, "utf8"), file).toBe(text);
		}
	}, 30_000);

	it("the OpenAPI document is 3.1 and every operation has an id, a tag and responses", async () => {
		const spec = JSON.parse(readFileSync("src/worker/generated/openapi.json", "utf8"));
		expect(spec.openapi).toBe("3.1.0");
		const ops = Object.values(spec.paths).flatMap((methods) => Object.values(methods as object));
		const ids = ops.map((op) => op.operationId);
		expect(new Set(ids).size).toBe(ids.length);
		for (const op of ops) {
			expect(op.tags).toHaveLength(1);
			expect(Object.keys(op.responses).length).toBeGreaterThan(0);
		}
		// Every $ref points at a schema that exists.
		const refs = [...JSON.stringify(spec).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)];
		for (const [, name] of refs) expect(spec.components.schemas).toHaveProperty(name!);
	});

	it("the player bundle carries no zod and no Node modules", async () => {
		const bundle = readFileSync("src/worker/generated/player-bundle.ts", "utf8");
		expect(bundle).not.toMatch(/node:fs|ZodError|\$ZodType/);
		expect(bundle.length).toBeLessThan(40_000);
	});
});
