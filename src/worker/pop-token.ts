// Proof-of-play tokens: `<payload>.<signature>`, both base64url; HMAC-SHA256 over the payload
// with POP_SIGNING_KEY. The signature makes the token unforgeable; single use is enforced by the
// screen's Durable Object ledger, keyed by the decision id inside.
import { z } from "zod";
import { base64url, fromBase64url, hmacKey } from "./crypto";

export const PopClaims = z.object({
	v: z.literal(1),
	/** decision id */
	d: z.string(),
	/** publisher id and screen id: which ScreenDO holds the ledger entry */
	p: z.string(),
	s: z.string(),
	/** play window and the last moment a report is accepted, epoch ms */
	nb: z.number(),
	na: z.number(),
	ru: z.number(),
});
export type PopClaims = z.infer<typeof PopClaims>;

const encoder = new TextEncoder();

export async function signPopToken(claims: PopClaims, secret: string): Promise<string> {
	const payload = base64url(encoder.encode(JSON.stringify(claims)));
	const signature = await crypto.subtle.sign(
		"HMAC",
		await hmacKey(secret),
		encoder.encode(payload),
	);
	return `${payload}.${base64url(new Uint8Array(signature))}`;
}

/** The claims of a token whose signature is valid, or undefined for anything forged or malformed. */
export async function verifyPopToken(
	token: string,
	secret: string,
): Promise<PopClaims | undefined> {
	const [payload, signature, extra] = token.split(".");
	if (!payload || !signature || extra !== undefined) return undefined;
	const sig = fromBase64url(signature);
	if (!sig) return undefined;
	const valid = await crypto.subtle.verify(
		"HMAC",
		await hmacKey(secret),
		sig,
		encoder.encode(payload),
	);
	if (!valid) return undefined;
	const bytes = fromBase64url(payload);
	if (!bytes) return undefined;
	try {
		const parsed = PopClaims.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}
