// Browser sessions for the review desk and the operator console. A person signs in once with
// their reviewer or operator key; the browser then holds a signed session cookie instead of the
// key, so the key is never in a URL, a page, a script or the browser's history.
//
// - The cookie is `HttpOnly; Secure; SameSite=Strict; Path=/` with the `__Host-` prefix (no
//   Domain: only this host, only over https — browsers treat http://localhost as secure too, so
//   `npm run dev` works). Scripts cannot read it, other sites cannot send it.
// - Its value is a payload (role, the key's SHA-256, issue and expiry times) signed with
//   HMAC-SHA256 (WebCrypto) under the SESSION_SIGNING_KEY secret. Nothing secret is inside: the
//   key's hash is already in the configuration.
// - Every request re-checks the key's hash against REVIEWER_KEYS_SHA256 / OPERATOR_KEYS_SHA256,
//   so removing a key from the configuration ends its sessions at once; rotating
//   SESSION_SIGNING_KEY ends every session.
// - Sessions expire (SESSION_TTL_MS) and slide: a request in the second half of a session's life
//   gets a fresh cookie, so a wall screen that refreshes stays signed in, an abandoned one does not.
//   Renewals never go past SESSION_MAX_MS after the sign-in: then the person signs in again.
// - A signature cannot be taken back, so each session is also a row in the SessionBook Durable
//   Object (its id, `sid`, is in the cookie): sign-out closes the row, and every copy of the
//   cookie stops working at once.
// - State-changing requests carry a CSRF token bound to the session (csrfToken) and must come
//   from this origin (sameOrigin): SameSite=Strict alone would trust every browser to enforce it.
import { getCookie, setCookie } from "hono/cookie";
import { sessionBook } from "../services/stubs";
import { config } from "./config";
import type { ActiveSession, AppContext, Role, Session } from "./context";
import { hasRoleKey } from "./control/lookups";
import { hmacBase64url, sha256Hex, signJson, verifiedJson } from "./crypto";

/** Cookie names; hono adds the `__Host-` prefix (`__Host-px-review`, `__Host-px-ops`). */
const SESSION_COOKIE: Record<Role, string> = {
	reviewer: "px-review",
	operator: "px-ops",
};

/** A reviewer's working day; an operator's wall screen, renewed while it keeps refreshing. */
export const SESSION_TTL_MS: Record<Role, number> = {
	reviewer: 8 * 3_600_000,
	operator: 24 * 3_600_000,
};

/** However long a session keeps being renewed, it ends this long after the sign-in. */
export const SESSION_MAX_MS: Record<Role, number> = {
	reviewer: 12 * 3_600_000,
	operator: 7 * 24 * 3_600_000,
};

/** The signing secret (config.ts refuses a missing or short one before any route runs). */
function sessionSecret(env: Env): string {
	return config(env).SESSION_SIGNING_KEY;
}

/** Whether `key` is a configured key of `role`; returns its hash when it is. */
export async function checkKey(env: Env, role: Role, key: string): Promise<string | undefined> {
	const hash = await sha256Hex(key);
	return key !== "" && (await hasRoleKey(env, role, hash)) ? hash : undefined;
}

export function encodeSession(secret: string, session: Session): Promise<string> {
	return signJson(session, secret, "session.");
}

/** The session in `token` if its signature is genuine and it has not expired; else undefined. */
export async function decodeSession(
	secret: string,
	token: string,
	now = Date.now(),
): Promise<Session | undefined> {
	const s = (await verifiedJson(token, secret, "session.")) as Session | null | undefined;
	if (typeof s !== "object" || s === null) return undefined;
	if (s.role !== "reviewer" && s.role !== "operator") return undefined;
	if (typeof s.exp !== "number" || typeof s.iat !== "number" || s.exp <= now) return undefined;
	if (typeof s.key_sha256 !== "string" || typeof s.sid !== "string") return undefined;
	if (s.exp > s.iat + SESSION_MAX_MS[s.role]) return undefined;
	return s;
}

/**
 * The CSRF token of a session: derived from what stays fixed while it is renewed (role, key, issue
 * time), so a page rendered before a renewal still posts, and a new sign-in gets a new token.
 */
async function csrfToken(secret: string, session: Session): Promise<string> {
	return (
		await hmacBase64url(secret, `csrf.${session.role}.${session.key_sha256}.${session.iat}`)
	).slice(0, 32);
}

/** Constant-time string comparison (both sides are ours or an attacker's guess of ours). */
export function sameText(a: string, b: string): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
	return diff === 0;
}

/**
 * Whether a state-changing request comes from one of our own pages: its Origin is this origin,
 * or (browsers that omit Origin on same-origin requests) Sec-Fetch-Site says same-origin.
 */
export function sameOrigin(c: AppContext): boolean {
	const origin = c.req.header("origin");
	if (origin) return origin === new URL(c.req.url).origin;
	return c.req.header("sec-fetch-site") === "same-origin";
}

function setSessionCookie(c: AppContext, role: Role, value: string, maxAgeMs: number) {
	setCookie(c, SESSION_COOKIE[role], value, {
		path: "/",
		secure: true,
		httpOnly: true,
		sameSite: "Strict",
		maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)),
		prefix: "host",
	});
}

export function clearSessionCookie(c: AppContext, role: Role) {
	setSessionCookie(c, role, "", 0);
}

/**
 * The request's valid session for `role`, renewed when past half its life; undefined when there
 * is none, it is forged or expired, or its key is no longer configured.
 */
export async function currentSession(
	c: AppContext,
	role: Role,
	now = Date.now(),
): Promise<ActiveSession | undefined> {
	const secret = sessionSecret(c.env);
	const token = getCookie(c, SESSION_COOKIE[role], "host");
	if (!token) return undefined;
	const session = await decodeSession(secret, token, now);
	if (!session || session.role !== role) return undefined;
	if (!(await hasRoleKey(c.env, role, session.key_sha256))) return undefined;
	if (!(await sessionBook(c.env).isOpen(session.sid, role, session.key_sha256))) return undefined;
	const endsAt = session.iat + SESSION_MAX_MS[role];
	if (session.exp - now < SESSION_TTL_MS[role] / 2 && session.exp < endsAt) {
		const renewed = { ...session, exp: Math.min(endsAt, now + SESSION_TTL_MS[role]) };
		setSessionCookie(c, role, await encodeSession(secret, renewed), renewed.exp - now);
		return { ...renewed, csrf: await csrfToken(secret, renewed) };
	}
	return { ...session, csrf: await csrfToken(secret, session) };
}

/** Starts a session for a verified key hash (the caller checked the secret is configured). */
export async function startSession(
	c: AppContext,
	role: Role,
	keySha256: string,
	now = Date.now(),
): Promise<void> {
	const secret = sessionSecret(c.env);
	const session = {
		role,
		key_sha256: keySha256,
		iat: now,
		exp: now + SESSION_TTL_MS[role],
		sid: crypto.randomUUID(),
	};
	await sessionBook(c.env).open({
		sid: session.sid,
		role,
		keySha256,
		endsAt: now + SESSION_MAX_MS[role],
	});
	setSessionCookie(c, role, await encodeSession(secret, session), SESSION_TTL_MS[role]);
}

/** Ends a session for every copy of its cookie, and clears this browser's. */
export async function endSession(c: AppContext, session: Session): Promise<void> {
	await sessionBook(c.env).close(session.sid);
	clearSessionCookie(c, session.role);
}

/** Who made a decision, as the audit trail names them: the same fingerprint the JSON API uses. */
export const actorOf = (session: Session) => `reviewer:${session.key_sha256.slice(0, 12)}`;
