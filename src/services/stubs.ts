// How the Durable Objects are addressed, in one place for every shell. The stubs' RPC types come
// from Env (wrangler types names the classes), so no caller imports a Durable Object's module.

/** One object per screen, named after the publisher and the screen. */
export function screenStub(env: Pick<Env, "SCREENS">, publisherId: string, screenId: string) {
	return env.SCREENS.get(env.SCREENS.idFromName(`${publisherId}:${screenId}`));
}

/** One review desk for the whole exchange. */
export function reviewDesk(env: Pick<Env, "REVIEW_DESK">) {
	return env.REVIEW_DESK.get(env.REVIEW_DESK.idFromName("review-desk"));
}

/** One book of open page sessions (review desk, operator console) for the whole exchange. */
export function sessionBook(env: Pick<Env, "SESSION_BOOK">) {
	return env.SESSION_BOOK.get(env.SESSION_BOOK.idFromName("sessions"));
}

/** A screen's object as its callers see it (typed RPC). */
export type ScreenStub = ReturnType<typeof screenStub>;
