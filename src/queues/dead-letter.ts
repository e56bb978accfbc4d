// Dead-letter consumer: whatever failed every retry is kept raw in R2, one object per message,
// so nothing is silently dropped and an operator can replay it.
export async function keepDeadLetters(batch: MessageBatch, bucket: R2Bucket): Promise<number> {
	let retried = 0;
	await Promise.all(
		batch.messages.map(async (message) => {
			const day = message.timestamp.toISOString().slice(0, 10);
			try {
				await bucket.put(
					`dead-letter/dt=${day}/${message.id}.json`,
					JSON.stringify({
						id: message.id,
						timestamp: message.timestamp.toISOString(),
						attempts: message.attempts,
						queue: batch.queue,
						body: message.body,
					}),
					{ httpMetadata: { contentType: "application/json" } },
				);
				message.ack();
			} catch {
				retried++;
				message.retry();
			}
		}),
	);
	return retried;
}
