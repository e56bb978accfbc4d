// The bench DSPs, run as a child process of bench/run.ts so they neither share an event loop
// with the load generator nor skew its timings. One HTTP server per DSP on loopback; each answers
// at once with a valid OpenRTB 2.6 bid built by the demo bidder logic (demo/dsps.ts), except
// that a DSP with `hangsFor` never answers every other request for a matching screen id.
// Notices (nurl/lurl/burl) are counted and answered 204. The parent asks for the counters over
// IPC ({ type: "stats" }).
import { createServer, type Server } from "node:http";
import type { BidRequest } from "iab-openrtb/v26";
import { staticSpot, videoSpot } from "../demo/dsps";
import { readBody } from "../demo/server";
import { BENCH_DSPS, type BenchDsp, HOST, PORTS } from "./config";

export interface DspStats {
	bidRequests: Record<string, number>;
	bids: Record<string, number>;
	hung: Record<string, number>;
	notices: Record<string, number>;
	errors: number;
}

/** Per DSP with `hangsFor`: whether the last matching request hung. */
const hangTurn = new Map<string, boolean>();
const stats: DspStats = { bidRequests: {}, bids: {}, hung: {}, notices: {}, errors: 0 };
const bump = (map: Record<string, number>, key: string) => {
	map[key] = (map[key] ?? 0) + 1;
};

function answer(dsp: BenchDsp, request: BidRequest, base: string) {
	const offer = { price: dsp.price, crid: dsp.crid, adomain: dsp.adomain, seat: dsp.name };
	const result =
		dsp.media === "video" && request.imp[0]?.video
			? videoSpot(request, base, offer)
			: staticSpot(request, base, offer);
	for (const bid of result.body?.seatbid?.[0]?.bid ?? []) {
		const notices = `${base}/notices/${dsp.name}`;
		bid.nurl = `${notices}/win?price=\${AUCTION_PRICE}&auction=\${AUCTION_ID}`;
		bid.burl = `${notices}/bill?price=\${AUCTION_PRICE}&mult=\${AUCTION_MULTIPLIER}`;
		bid.lurl = `${notices}/loss?reason=\${AUCTION_LOSS}&min=\${AUCTION_MIN_TO_WIN}`;
	}
	return result;
}

function serve(dsp: BenchDsp, port: number): Promise<Server> {
	const base = `http://${HOST}:${port}`;
	const server = createServer(async (req, res) => {
		const path = req.url ?? "/";
		if (req.method === "POST" && path === `/dsp/${dsp.name}`) {
			let request: BidRequest;
			try {
				request = JSON.parse(await readBody(req)) as BidRequest;
			} catch {
				stats.errors++;
				res.writeHead(400).end();
				return;
			}
			bump(stats.bidRequests, dsp.name);
			const ifa = request.device?.ifa ?? "";
			// Every other matching request hangs: a DSP that hung on every one would have its circuit
			// opened by the edge (px/pacing/circuit.ts) and be skipped, and the deadline would go untested.
			if (dsp.hangsFor && ifa.startsWith(dsp.hangsFor) && hangTurn.get(dsp.name) !== true) {
				hangTurn.set(dsp.name, true);
				bump(stats.hung, dsp.name);
				return; // never answers; the caller's deadline closes the connection
			}
			if (dsp.hangsFor && ifa.startsWith(dsp.hangsFor)) hangTurn.set(dsp.name, false);
			const { status, body } = answer(dsp, request, base);
			if (body) bump(stats.bids, dsp.name);
			res.writeHead(status, body ? { "content-type": "application/json" } : {});
			res.end(body ? JSON.stringify(body) : undefined);
			return;
		}
		if (path.startsWith(`/notices/${dsp.name}/`)) {
			bump(stats.notices, `${dsp.name}:${path.split("/")[3]?.split("?")[0]}`);
			res.writeHead(204).end();
			return;
		}
		res.writeHead(404).end();
	});
	server.keepAliveTimeout = 30_000;
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, HOST, () => resolve(server));
	});
}

const servers = await Promise.all(BENCH_DSPS.map((dsp, i) => serve(dsp, PORTS.dsp + i)));
process.on("message", (message: { type?: string }) => {
	if (message?.type === "stats") process.send?.({ type: "stats", stats });
});
process.on("disconnect", () => {
	for (const s of servers) s.closeAllConnections();
	process.exit(0);
});
process.send?.({ type: "ready" });
