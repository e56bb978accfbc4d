import type { ScreenDO } from "../durable-objects/screen-do";

/** The one place that knows how a screen's Durable Object is addressed. */
export function screenStub(
	env: Env,
	publisherId: string,
	screenId: string,
): DurableObjectStub<ScreenDO> {
	return env.SCREENS.get(env.SCREENS.idFromName(`${publisherId}:${screenId}`));
}
