// Signing in to the review desk and the operator console from workerd tests, as a browser would:
// the session cookie from Set-Cookie, the CSRF token from the page, Origin on every post.
import { callEdge } from "./edge";
import { BASE } from "./fixtures";

export const OPERATOR_KEY = "demo-operator-key";

export interface Browserish {
	cookie: string;
	/** The CSRF token the signed-in page carries. */
	csrf: string;
}

/** The `name=value` part of a Set-Cookie header named `name`. */
export function cookieFrom(res: Response, name: string): string | undefined {
	for (const header of res.headers.getSetCookie()) {
		const [pair] = header.split(";");
		if (pair?.startsWith(`${name}=`)) return pair;
	}
	return undefined;
}

export function formPost(
	body: Record<string, string | string[]>,
	headers: Record<string, string> = {},
): RequestInit {
	const form = new URLSearchParams();
	for (const [k, v] of Object.entries(body)) for (const x of [v].flat()) form.append(k, x);
	return {
		method: "POST",
		headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded", ...headers },
		body: form,
		redirect: "manual",
	};
}

export async function signIn(
	area: "review" | "ops",
	key: string,
	overrides: Partial<Env> = {},
): Promise<Browserish> {
	const name = area === "review" ? "__Host-px-review" : "__Host-px-ops";
	const { res } = await callEdge(`/${area}/sign-in`, formPost({ key }), overrides);
	if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
	const cookie = cookieFrom(res, name);
	if (!cookie) throw new Error("no session cookie");
	const page = await callEdge(`/${area}`, { headers: { cookie } }, overrides);
	const html = await page.res.text();
	const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
	if (!csrf) throw new Error(`no CSRF token on /${area}: ${html.slice(0, 300)}`);
	return { cookie, csrf };
}
