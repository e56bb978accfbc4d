/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The shell of every page and the headers every page is served with. Pages are rendered on the
// server with hono/jsx, which escapes every text and attribute value: what a DSP sends (crid,
// advertiser domains, asset URLs) reaches the page only as escaped text. The CSP allows scripts
// and styles from this origin only (no inline ones), so even a value that slipped through could
// not run; images and videos may come from any https host (the DSPs' asset servers).
import type { Child } from "hono/jsx";
import { config } from "../config";
import type { AppContext } from "../context";

export function Document(props: {
	title: string;
	dark?: boolean;
	script?: string;
	children?: Child;
	/** Data for the page's script, as data-* attributes on <body>. */
	data?: Record<string, string>;
}) {
	const data = Object.fromEntries(
		Object.entries(props.data ?? {}).map(([k, v]) => [`data-${k}`, v]),
	);
	return (
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<meta name="referrer" content="same-origin" />
				<title>{props.title}</title>
				<link rel="stylesheet" href={`/ui/px.css?v=${ASSET_VERSION}`} />
				{props.script ? <script src={`/ui/${props.script}?v=${ASSET_VERSION}`} defer /> : null}
			</head>
			<body class={props.dark ? "dark" : ""} {...data}>
				{props.children}
			</body>
		</html>
	);
}

/** Bumped with the CSS and scripts, so a browser never mixes a new page with an old script. */
export const ASSET_VERSION = "2";

/**
 * Where the pages may load from. Creatives are served by DSPs from anywhere, over https; where
 * http creatives are allowed (local development, REQUIRE_SECURE_CREATIVES=false) http too.
 */
function contentSecurityPolicy(env: Env): string {
	const assets = config(env).REQUIRE_SECURE_CREATIVES ? "https:" : "https: http:";
	return [
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		`img-src 'self' data: ${assets}`,
		`media-src ${assets}`,
		"connect-src 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
	].join("; ");
}

/** A page: HTML with the CSP, never cached (it shows live state), never framed. */
export async function page(c: AppContext, body: Child, status = 200): Promise<Response> {
	c.header("content-security-policy", contentSecurityPolicy(c.env));
	c.header("cache-control", "no-store");
	c.header("x-content-type-options", "nosniff");
	c.header("x-frame-options", "DENY");
	c.header("referrer-policy", "same-origin");
	return c.html(`<!doctype html>\n${await render(body)}`, status as 200);
}

/** A JSX tree as HTML text (components may be async, so this may wait). */
export async function render(node: Child): Promise<string> {
	return await (node as { toString(): string | Promise<string> }).toString();
}

/** "2026-11-20 08:01 UTC": one time zone for every reviewer and every log. */
export function utc(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms)) return "n/a";
	return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Who is signed in, and the form that ends the session (its CSRF token included). */
export function SignedIn(props: { actor: string; csrf: string; signOut: string }) {
	return (
		<div class="who">
			<span class="mono">{props.actor}</span>
			<form method="post" action={props.signOut}>
				<input type="hidden" name="csrf" value={props.csrf} />
				<button type="submit">Sign out</button>
			</form>
		</div>
	);
}
