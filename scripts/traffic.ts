// `npm run traffic -- [--edge http://127.0.0.1:8787] [--requests 600] [--every 1000]`: demo
// screens asking for ads and reporting plays against a running `npm run dev`, so the operator
// console (/ops) and `npm run report` show live figures. Ctrl-C stops it.
import { parseArgs } from "node:util";
import { playDemoTraffic } from "../demo/traffic";

const { values } = parseArgs({
	options: {
		edge: { type: "string", default: "http://127.0.0.1:8787" },
		requests: { type: "string", default: "600" },
		every: { type: "string", default: "1000" },
	},
});
const stop = new AbortController();
process.on("SIGINT", () => stop.abort());
const result = await playDemoTraffic(values.edge, {
	requests: Number(values.requests),
	everyMs: Number(values.every),
	signal: stop.signal,
	log: (line) => console.log(line),
});
console.log(
	`${result.requests} ad requests, ${result.filled} filled, ${result.plays} plays reported, ${result.expiries} expiries reported`,
);
