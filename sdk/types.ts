// The wire types the SDK speaks, inferred from the same zod schemas the edge validates with
// (type-only imports: the SDK bundle carries no zod).
import type { z } from "zod";
import type {
	AdAnswer,
	FilledAnswer,
	PlacementDecision,
	ScheduleAnswer,
} from "../src/px/api/answer-schema";
import type {
	ExpiryRecorded,
	PlayAccepted,
	PlayBatchRequest,
	PlayBatchResult,
	PlayReport,
} from "../src/px/api/play-report";
import type { Problem } from "../src/px/api/problem-schema";
import type { ScreenAssets } from "../src/px/api/screen-assets";
import type { TelemetryRecord } from "../src/px/api/telemetry";
import type { AdRequestInput, Screen } from "../src/px/model/model";

export type {
	AdAnswer,
	AdRequestInput,
	ExpiryRecorded,
	FilledAnswer,
	PlacementDecision,
	PlayAccepted,
	PlayBatchRequest,
	PlayBatchResult,
	PlayReport,
	Problem,
	ScheduleAnswer,
	Screen,
	ScreenAssets,
	TelemetryRecord,
};
export type ScreenAsset = ScreenAssets["assets"][number];
export type TelemetryKind = TelemetryRecord["kind"];
export type BatchReportInput = PlayBatchRequest["reports"][number];
/** Keeps z referenced for readers: every type above is z.infer / z.input of an edge schema. */
export type Inferred<T extends z.ZodType> = z.infer<T>;
