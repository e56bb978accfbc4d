// GET /v1/assets/{sha256}, described apart from operations.ts to keep that list's file short.
import { z } from "zod";
import { type Operation, problem } from "./schemas";

export const assetOperation: Operation = {
	method: "get",
	path: "/v1/assets/{sha256}",
	operationId: "getAsset",
	summary: "An approved creative's file, as the reviewer approved it (also HEAD)",
	description:
		"The exchange's copy of an approved asset, named by the SHA-256 of its bytes: what answers' `creative.asset_url` and the pre-cache list point to. Content-addressed and immutable (`Cache-Control: public, max-age=31536000, immutable`, `ETag` the quoted hash, `If-None-Match` → 304), so no key is needed. Byte ranges (`Range: bytes=…`, one range) answer 206 with `Content-Range`; a range past the end 416.",
	tag: "player",
	parameters: [
		{
			name: "sha256",
			in: "path",
			description: "SHA-256 of the file, lower-case hex (answers' creative.sha256)",
			schema: z.string(),
			required: true,
		},
		{
			name: "Range",
			in: "header",
			description: "bytes=first-last, bytes=first- or bytes=-suffix",
			schema: z.string(),
		},
	],
	responses: {
		"200": { description: "The file", content: { type: "application/octet-stream" } },
		"206": { description: "The asked range", content: { type: "application/octet-stream" } },
		"304": { description: "Not modified (If-None-Match names this file)" },
		"404": problem("No such asset"),
		"416": { description: "The range starts past the end (Content-Range: bytes */size)" },
	},
};
