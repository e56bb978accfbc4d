import type { Context } from "hono";
import type { Publisher } from "../px/model/model";

export type AppEnv = {
	Bindings: Env;
	/** publisher: set by requirePublisher; session: by the pages' requireSession. */
	Variables: { requestId: string; publisher: Publisher; session: ActiveSession };
};

export type AppContext = Context<AppEnv>;

/** Who signs in to the pages (session.ts). */
export type Role = "reviewer" | "operator";

export interface Session {
	role: Role;
	/** SHA-256 (hex) of the key the person signed in with. */
	key_sha256: string;
	/** Issued at (the sign-in, kept across renewals) and expires at, epoch ms. */
	iat: number;
	exp: number;
	/** The session's row in the SessionBook: sign-out closes it for every copy of the cookie. */
	sid: string;
}

export interface ActiveSession extends Session {
	/** The token state-changing requests of this session must carry. */
	csrf: string;
}
