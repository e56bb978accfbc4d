// Client telemetry (ad requested, played, error) goes through the report queue, which holds it
// for up to telemetryDelayMs so that one POST /v1/telemetry carries many events, and gives each
// an id so a retried batch is counted once.
import type { Clock } from "./clock";
import type { ReportQueue } from "./report-queue";
import type { TelemetryKind } from "./types";
import { uuid } from "./uuid";

const MAX_DETAIL = 1024;

export class Telemetry {
	constructor(
		private readonly queue: ReportQueue,
		private readonly screenId: string,
		private readonly clock: Clock,
		private readonly enabled = true,
	) {}

	record(kind: TelemetryKind, detail?: string): void {
		if (!this.enabled) return;
		void this.queue.addTelemetry({
			screen_id: this.screenId,
			kind,
			ts: this.clock.now(),
			id: uuid(),
			...(detail ? { detail: detail.slice(0, MAX_DETAIL) } : {}),
		});
	}
}
