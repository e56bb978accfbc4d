import type { z } from "zod";
import type { Decided } from "../api/answer";
import type { AdRequestInput } from "../model/model";

/**
 * A publisher dialect: the request body a family of players already speaks, and how it maps
 * into the PX model. Adding a dialect is one module implementing this plus one line in
 * `./index.ts`.
 */
export interface Dialect<I> {
	name: string;
	/** Validates the dialect's own body; issue paths become pointers into that body. */
	schema: z.ZodType<I>;
	toPx(input: I): AdRequestInput;
	/**
	 * Maps a pointer into the PX request (from PX validation or from resolving the request
	 * against the screen profile) back to the field this dialect's body carried, so an error
	 * names what the publisher actually sent. Identity when absent.
	 */
	toDialectPointer?(pxPointer: string): string;
	/** Shapes the answer the way this dialect's players expect. */
	toDialectAnswer(decided: Decided): Record<string, unknown>;
}
