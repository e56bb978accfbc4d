import type { Context } from "hono";
import type { Publisher } from "../px/model";
import type { ActiveSession } from "./session";

export type AppEnv = {
	Bindings: Env;
	/** publisher: set by requirePublisher; session: by the pages' requireSession. */
	Variables: { requestId: string; publisher: Publisher; session: ActiveSession };
};

export type AppContext = Context<AppEnv>;
