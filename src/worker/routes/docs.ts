// GET /openapi.json and GET /docs: the OpenAPI document generated at build time (npm run
// generate) and a plain page listing its operations. The page is rendered here from the same
// JSON, without scripts or CDNs, so it works offline and behind any CSP.
import { Hono } from "hono";
import type { AppEnv } from "../context";
import spec from "../generated/openapi.json";

export const docs = new Hono<AppEnv>();

const CACHE = { "cache-control": "public, max-age=300" };

docs.get("/openapi.json", (c) => c.json(spec, 200, CACHE));

docs.get("/docs", (c) =>
	c.html(renderDocs(spec as unknown as OpenApi), 200, {
		...CACHE,
		"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
	}),
);

interface OpenApi {
	info: { title: string; version: string; description?: string };
	tags: { name: string }[];
	paths: Record<string, Record<string, OperationObject>>;
	components: { schemas: Record<string, unknown> };
}

interface OperationObject {
	operationId: string;
	summary: string;
	description?: string;
	tags: string[];
	security?: Record<string, string[]>[];
	parameters?: { name: string; in: string; description: string; required: boolean }[];
	requestBody?: { required: boolean; content: Record<string, { schema?: { $ref?: string } }> };
	responses: Record<
		string,
		{ description: string; content?: Record<string, { schema?: { $ref?: string } }> }
	>;
}

const escapeHtml = (text: string) =>
	text.replace(
		/[&<>"']/g,
		(ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
	);

/** Escaped text with `code` spans, as the descriptions are written. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");

function schemaLink(content?: Record<string, { schema?: { $ref?: string } }>): string {
	if (!content) return "";
	return Object.entries(content)
		.map(([type, { schema }]) => {
			const name = schema?.$ref?.split("/").pop();
			return `<code>${escapeHtml(type)}</code>${name ? ` <a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>` : ""}`;
		})
		.join(", ");
}

function renderOperation(path: string, method: string, op: OperationObject): string {
	const auth = op.security?.length
		? `<span class="auth">${escapeHtml(Object.keys(op.security[0]!)[0]!)}</span>`
		: "";
	const params = op.parameters?.length
		? `<table><tr><th>parameter</th><th>in</th><th></th></tr>${op.parameters
				.map(
					(p) =>
						`<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? " *" : ""}</td><td>${escapeHtml(p.in)}</td><td>${prose(p.description)}</td></tr>`,
				)
				.join("")}</table>`
		: "";
	const body = op.requestBody
		? `<p>Body${op.requestBody.required ? "" : " (optional)"}: ${schemaLink(op.requestBody.content)}</p>`
		: "";
	const responses = `<table><tr><th>status</th><th></th><th></th></tr>${Object.entries(op.responses)
		.map(
			([status, r]) =>
				`<tr><td>${escapeHtml(status)}</td><td>${prose(r.description)}</td><td>${schemaLink(r.content)}</td></tr>`,
		)
		.join("")}</table>`;
	return `<section id="${escapeHtml(op.operationId)}"><h3><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code> ${auth}</h3>
<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ""}${params}${body}${responses}</section>`;
}

function renderDocs(doc: OpenApi): string {
	const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
		Object.entries(methods).map(([method, op]) => ({ path, method, op })),
	);
	const byTag = doc.tags
		.map(({ name }) => {
			const list = ops.filter((o) => o.op.tags.includes(name));
			return `<h2>${escapeHtml(name)}</h2>${list.map((o) => renderOperation(o.path, o.method, o.op)).join("\n")}`;
		})
		.join("\n");
	const schemas = Object.entries(doc.components.schemas)
		.map(
			([name, schema]) =>
				`<details id="schema-${escapeHtml(name)}"><summary><code>${escapeHtml(name)}</code></summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`,
		)
		.join("\n");
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(doc.info.title)} API ${escapeHtml(doc.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}h3{margin:.5rem 0;font-size:1rem}
.method{display:inline-block;min-width:3.5rem;font:bold 13px monospace;color:#fff;background:#357;padding:1px 6px;border-radius:3px}
.auth{font:12px monospace;color:#735}table{border-collapse:collapse;margin:.25rem 0}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top;font-size:14px}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:12px}code{font-size:13px}
</style></head><body>
<h1>${escapeHtml(doc.info.title)} API <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${prose(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
${byTag}
<h2>Schemas</h2>
${schemas}
</body></html>`;
}
