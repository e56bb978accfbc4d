// Waiting for a platform call with a time limit. The call itself cannot be cancelled (a Durable
// Object RPC or a KV write keeps running); the caller just stops waiting and decides what a late
// or failed answer means for it.

type Budgeted<T> =
	| { ok: true; value: T }
	| { ok: false; why: "timeout" }
	| { ok: false; why: "error"; error: unknown };

export async function withinBudget<T>(work: Promise<T>, ms: number): Promise<Budgeted<T>> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<Budgeted<T>>((resolve) => {
		timer = setTimeout(() => resolve({ ok: false, why: "timeout" }), Math.max(0, ms));
	});
	try {
		return await Promise.race([
			work.then(
				(value): Budgeted<T> => ({ ok: true, value }),
				(error: unknown): Budgeted<T> => ({ ok: false, why: "error", error }),
			),
			late,
		]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Runs work that goes after the answer (ctx.waitUntil): whatever one part throws, synchronously
 * or not, is logged by `onError` and never reaches the response or the other parts.
 */
export function inBackground(
	parts: ReadonlyArray<() => unknown>,
	onError: (error: unknown) => void,
): Promise<void> {
	return Promise.all(
		parts.map(async (part) => {
			try {
				await part();
			} catch (error) {
				onError(error);
			}
		}),
	).then(() => undefined);
}
