import type { Context } from "hono";
import type { Publisher } from "../px/model";

export type AppEnv = {
	Bindings: Env;
	Variables: { requestId: string; publisher: Publisher };
};

export type AppContext = Context<AppEnv>;
