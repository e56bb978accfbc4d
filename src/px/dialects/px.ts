// The native dialect: the body already is a PX ad request.
import { pxAnswerBody } from "../api/answer";
import { AdRequest } from "../model/model";
import type { Dialect } from "./types";

export const px: Dialect<AdRequest> = {
	name: "px",
	schema: AdRequest,
	toPx: (input) => input,
	toDialectAnswer: pxAnswerBody,
};
