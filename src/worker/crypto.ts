// WebCrypto helpers shared by publisher auth, page sessions and proof-of-play tokens.
const encoder = new TextEncoder();

export async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function base64url(bytes: Uint8Array): string {
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes canonical unpadded base64url only: the one spelling base64url() produces. Decoders
 * ignore the unused low bits of the last character, so "…Q" and "…R" can decode alike; accepting
 * only the canonical form keeps one token, one spelling (no second URL for the same signature).
 */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
	if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
	const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
	const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
	return base64url(bytes) === text ? bytes : undefined;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

export function hmacKey(secret: string): Promise<CryptoKey> {
	let key = keyCache.get(secret);
	if (!key) {
		key = crypto.subtle.importKey(
			"raw",
			encoder.encode(secret),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["sign", "verify"],
		);
		keyCache.set(secret, key);
	}
	return key;
}

/** HMAC-SHA256 of `data` under `secret`, base64url. */
export async function hmacBase64url(secret: string, data: string): Promise<string> {
	const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(data));
	return base64url(new Uint8Array(mac));
}

/**
 * A signed token, `<payload>.<signature>`: `value` as JSON in base64url, and the HMAC of
 * `context + payload` (the context keeps a token of one kind from passing as another). Proof-of-
 * play tokens and page sessions are both made here.
 */
export async function signJson(value: unknown, secret: string, context = ""): Promise<string> {
	const payload = base64url(encoder.encode(JSON.stringify(value)));
	return `${payload}.${await hmacBase64url(secret, `${context}${payload}`)}`;
}

/**
 * The JSON a token made by signJson carries, when its signature is genuine (subtle.verify
 * compares in constant time) and it is in the one canonical spelling; else undefined. The caller
 * still validates its shape.
 */
export async function verifiedJson(
	token: string,
	secret: string,
	context = "",
): Promise<unknown | undefined> {
	const [payload, signature, extra] = token.split(".");
	if (!payload || !signature || extra !== undefined) return undefined;
	const mac = fromBase64url(signature);
	if (!mac) return undefined;
	const genuine = await crypto.subtle.verify(
		"HMAC",
		await hmacKey(secret),
		mac,
		encoder.encode(`${context}${payload}`),
	);
	if (!genuine) return undefined;
	const bytes = fromBase64url(payload);
	if (!bytes) return undefined;
	try {
		return JSON.parse(new TextDecoder().decode(bytes));
	} catch {
		return undefined;
	}
}
