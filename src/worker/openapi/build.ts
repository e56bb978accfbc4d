// The OpenAPI 3.1 document from the operation list. JSON Schema comes from zod 4's own
// z.toJSONSchema (draft 2020-12, which OpenAPI 3.1 uses); request bodies are described in their
// input form (defaults optional), answers in their output form (defaults filled in).
import { z } from "zod";
import { operations } from "./operations";
import { type Named, type Operation, schemas } from "./schemas";

const isNamed = (s: Named | z.ZodType): s is Named => "name" in s && "io" in s;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
	const { $schema: _, ...rest } = z.toJSONSchema(schema, {
		io,
		target: "draft-2020-12",
		// Refinements (a timestamp bound relative to now) have no JSON Schema; the text says them.
		unrepresentable: "any",
	}) as Record<string, unknown>;
	return rest;
}

function ref(schema: Named | z.ZodType, io: "input" | "output"): Record<string, unknown> {
	return isNamed(schema) ? { $ref: `#/components/schemas/${schema.name}` } : jsonSchema(schema, io);
}

function operationObject(op: Operation): Record<string, unknown> {
	const responses = Object.fromEntries(
		Object.entries(op.responses).map(([status, r]) => [
			status,
			{
				description: r.description,
				...(r.headers
					? {
							headers: Object.fromEntries(
								Object.entries(r.headers).map(([name, description]) => [
									name,
									{ description, schema: { type: "integer" } },
								]),
							),
						}
					: {}),
				...(r.content
					? {
							content: {
								[r.content.type]: r.content.schema
									? { schema: ref(r.content.schema, "output") }
									: {},
							},
						}
					: {}),
			},
		]),
	);
	return {
		operationId: op.operationId,
		summary: op.summary,
		...(op.description ? { description: op.description } : {}),
		tags: [op.tag],
		...(op.security ? { security: [{ [`${op.security}Key`]: [] }] } : {}),
		...(op.parameters
			? {
					parameters: op.parameters.map((p) => ({
						name: p.name,
						in: p.in,
						description: p.description,
						required: p.in === "path" ? true : (p.required ?? false),
						schema: jsonSchema(p.schema, "input"),
					})),
				}
			: {}),
		...(op.body
			? {
					requestBody: {
						required: op.body.required,
						...(op.body.description ? { description: op.body.description } : {}),
						content: { "application/json": { schema: ref(op.body.schema, "input") } },
					},
				}
			: {}),
		responses,
	};
}

export function buildOpenApi(version: string): Record<string, unknown> {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const op of operations) {
		paths[op.path] ??= {};
		paths[op.path]![op.method] = operationObject(op);
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "px-edge",
			version,
			description:
				"Programmatic ad decisioning for DOOH screens. Errors are RFC 9457 problem details (application/problem+json) that name the offending field. Generated from the zod schemas the Worker validates with (npm run generate).",
		},
		tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
		paths,
		components: {
			schemas: Object.fromEntries(
				Object.values(schemas).map((s) => [s.name, jsonSchema(s.schema, s.io)]),
			),
			securitySchemes: {
				publisherKey: {
					type: "http",
					scheme: "bearer",
					description: "The publisher key (also accepted as X-Api-Key); stored only as SHA-256",
				},
				reviewerKey: { type: "http", scheme: "bearer", description: "A reviewer key" },
				adminKey: {
					type: "http",
					scheme: "bearer",
					description:
						"An admin key (control plane role_keys); in production behind Cloudflare Access",
				},
				dspKey: {
					type: "http",
					scheme: "bearer",
					description: "A DSP account's key (POST /v1/admin/bidders/{name}/keys)",
				},
			},
		},
	};
}
