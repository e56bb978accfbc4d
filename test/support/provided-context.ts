// Values the Node global setup hands to the workerd tests.
declare module "vitest" {
	export interface ProvidedContext {
		dspBase: string;
	}
}

export {};
