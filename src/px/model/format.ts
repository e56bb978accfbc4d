// What a slot can play and a creative is. Its own module because the model and the floor rules
// the model's publisher carries (src/px/pricing) both need it, and neither may import the other.
import { z } from "zod";

export const Format = z.enum(["image", "video", "html"]);
export type Format = z.infer<typeof Format>;

/** The format a MIME type plays as; undefined for one no screen plays. */
export function formatOfMime(mime: string): Format | undefined {
	const lower = mime.toLowerCase();
	if (lower === "text/html") return "html";
	if (lower.startsWith("image/")) return "image";
	if (lower.startsWith("video/")) return "video";
	return undefined;
}
