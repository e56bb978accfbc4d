// The one signed-token format (src/worker/crypto.ts): proof-of-play tokens and page sessions.
import { describe, expect, it } from "vitest";
import { signJson, verifiedJson } from "../../src/worker/crypto";

describe("signed JSON tokens", () => {
	it("carry their value back only under the same secret and context", async () => {
		const token = await signJson({ d: "dec-1", n: 3 }, "secret-a", "session.");
		expect(await verifiedJson(token, "secret-a", "session.")).toEqual({ d: "dec-1", n: 3 });
		// A session cannot pass as a proof-of-play token (no context), nor under another key.
		expect(await verifiedJson(token, "secret-a")).toBeUndefined();
		expect(await verifiedJson(token, "secret-b", "session.")).toBeUndefined();
	});

	it("refuses a changed payload, a third part and a non-canonical signature", async () => {
		const token = await signJson({ d: "dec-1" }, "k");
		const [payload, signature] = token.split(".") as [string, string];
		const other = (await signJson({ d: "dec-2" }, "k")).split(".")[0]!;
		expect(await verifiedJson(`${other}.${signature}`, "k")).toBeUndefined();
		expect(await verifiedJson(`${token}.x`, "k")).toBeUndefined();
		expect(await verifiedJson(`${payload}.${signature}=`, "k")).toBeUndefined();
	});
});
