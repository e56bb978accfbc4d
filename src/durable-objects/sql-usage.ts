// Rows read and written by one object's SQL since it started: SQLite-backed Durable Objects bill
// storage per row (a row written costs a thousand rows read), so the cost of a decision is
// measured, not guessed (test/integration/cost.test.ts). Counters are read off each cursor once
// the next statement runs, when the previous one has been consumed.

export interface SqlUsage {
	rowsRead: number;
	rowsWritten: number;
}

export function countingSql(sql: SqlStorage): { sql: SqlStorage; usage: () => SqlUsage } {
	const totals: SqlUsage = { rowsRead: 0, rowsWritten: 0 };
	let pending: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
	const fold = () => {
		for (const cursor of pending) {
			totals.rowsRead += cursor.rowsRead;
			totals.rowsWritten += cursor.rowsWritten;
		}
		pending = [];
	};
	const counted = new Proxy(sql, {
		get(target, property) {
			if (property !== "exec") {
				const value = Reflect.get(target, property, target);
				return typeof value === "function" ? value.bind(target) : value;
			}
			return (query: string, ...bindings: unknown[]) => {
				fold();
				const cursor = target.exec(query, ...bindings);
				pending.push(cursor);
				return cursor;
			};
		},
	});
	return {
		sql: counted,
		usage: () => {
			fold();
			return { ...totals };
		},
	};
}
