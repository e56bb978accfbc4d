// What the dead-letter consumer (src/queues/dead-letter.ts) could not process, kept in R2 for an
// operator: one JSON object per message under `quarantine/`, read by `npm run report`. Its shape
// is here, beside the event schema, because the consumer writes it and the report reads it.

/** Where quarantined messages live in the archive bucket. */
export const QUARANTINE_PREFIX = "quarantine/";

export interface QuarantineEntry {
	/** The dead-letter queue it came from, e.g. px-events-dlq. */
	queue: string;
	message_id: string;
	/** When the message reached the dead-letter queue, ISO 8601 UTC. */
	first_seen: string;
	/** The dead-letter delivery that wrote this entry, ISO 8601 UTC. */
	last_seen: string;
	/** Deliveries from the dead-letter queue so far. */
	attempts: number;
	/** Why it could not be processed (the first record's reason), what the report groups on. */
	error: string;
	/** What was not processed: an events message's failed records, any other message whole. */
	body: unknown;
	/** One reason per record of `body` for an events message, else [error]. */
	errors: string[];
	/** The message's records that were processed (archived) all the same. */
	records_processed: number;
}

/**
 * One object per message, keyed by the day it reached the dead-letter queue: a later delivery of
 * the same message overwrites its entry (last_seen, attempts) instead of adding another.
 */
export function quarantineKey(entry: Pick<QuarantineEntry, "queue" | "message_id" | "first_seen">) {
	return `${QUARANTINE_PREFIX}dt=${entry.first_seen.slice(0, 10)}/${entry.queue}/${entry.message_id}.json`;
}
