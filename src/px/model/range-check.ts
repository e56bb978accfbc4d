import type { z } from "zod";

/** A min/max pair the wrong way round is an issue on the min field, named as the schema spells it. */
export function checkRange<T extends object>(
	value: T,
	ctx: z.RefinementCtx,
	min: keyof T & string,
	max: keyof T & string,
): void {
	const lo = value[min];
	const hi = value[max];
	if (typeof lo === "number" && typeof hi === "number" && lo > hi) {
		ctx.addIssue({ code: "custom", path: [min], message: `${min} must not exceed ${max}` });
	}
}
