// Values the Node global setup hands to the workerd tests.
declare module "vitest" {
	export interface ProvidedContext {
		dspBase: string;
		/** migrations/*.sql, read in Node (readD1Migrations) for applyD1Migrations in workerd. */
		controlMigrations: { name: string; queries: string[] }[];
		/** Generated cases per fuzz property (FUZZ_RUNS; a small slice under npm test). */
		fuzzRuns: number;
	}
}

export {};
