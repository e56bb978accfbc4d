// Proof-of-play tokens: `<payload>.<signature>`, both base64url; HMAC-SHA256 over the payload
// with POP_SIGNING_KEY. The signature makes the token unforgeable; single use is enforced by the
// screen's Durable Object ledger, keyed by the decision id inside.
import { z } from "zod";
import { signJson, verifiedJson } from "./crypto";

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

export function signPopToken(claims: PopClaims, secret: string): Promise<string> {
	return signJson(claims, secret);
}

/** The claims of a token whose signature is valid, or undefined for anything forged or malformed. */
export async function verifyPopToken(
	token: string,
	secret: string,
): Promise<PopClaims | undefined> {
	const parsed = PopClaims.safeParse(await verifiedJson(token, secret));
	return parsed.success ? parsed.data : undefined;
}
