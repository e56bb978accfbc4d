// Real OpenRTB DSPs on loopback for the workerd tests, well and badly behaved. One Node HTTP
// server; the path picks the behaviour, query parameters tune the bid:
//   /dsp/<behaviour>?tag=T&price=P&crid=C&adomain=D&delay=MS&dur=S&deal=ID&asset=URL&imp=ID&vast=1&cur=EUR
// (bids go to every imp the creative fits, or only to imp `imp`;
// `asset` swaps the file the markup points at, as a DSP reusing an approved crid would;
// `vast` puts a VAST <Impression> (kind imp) and <Error> (kind error) tracker in the markup).
// Notices (nurl/burl/lurl, and trackers) come back to /notices/<tag>/<kind> and are listed by GET /log?tag=T;
// every request that reached a notice URL (refused ones too) is listed by GET /log?tag=T~hits
// as "<kind> <Idempotency-Key>". /fx is an exchange-rate source (serveFx).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { BidRequest, BidResponse } from "iab-openrtb/v26";
import { respond, staticBid, videoBid } from "../../demo/dsps";
import { readBody } from "../../demo/server";
import { fuzzAnswer } from "./fuzz-dsp";

type Behaviour = (req: BidRequest, q: URLSearchParams, res: ServerResponse, base: string) => void;

function offerFrom(q: URLSearchParams, tag: string) {
	return {
		price: Number(q.get("price") ?? 5),
		crid: q.get("crid") ?? "test-creative",
		adomain: q.get("adomain") ?? "advertiser.example",
		seat: q.get("seat") ?? `seat-${tag}`,
		...(q.get("dur") ? { durationS: Number(q.get("dur")) } : {}),
	};
}

function send(res: ServerResponse, status: number, body?: unknown) {
	res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
	res.end(body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body));
}

/**
 * Valid bids from the demo bidder logic, one per imp it can fill (a video where the imp takes one
 * unless `media=image`), with this test's notice URLs and tweaks applied to each.
 */
function validResponse(req: BidRequest, q: URLSearchParams, base: string): BidResponse | undefined {
	const tag = q.get("tag") ?? "untagged";
	const offer = offerFrom(q, tag);
	const only = q.get("imp");
	const imps = req.imp.filter((imp) => only === null || imp.id === only);
	const body = respond(
		req,
		offer.seat,
		imps.map((imp) =>
			imp.video && q.get("media") !== "image"
				? videoBid(req, imp, base, offer)
				: staticBid(req, imp, base, offer),
		),
	).body;
	if (!body) return undefined;
	// cur=XXX: a buyer that bids in its own currency, whatever the request's cur asked.
	if (q.get("cur")) body.cur = q.get("cur")!;
	const notices = `${base}/notices/${tag}`;
	const failFirst = q.get("burlfail") ? `&failfirst=${q.get("burlfail")}` : "";
	for (const bid of body.seatbid![0]!.bid) {
		bid.price = offer.price;
		bid.nurl = `${notices}/nurl?price=\${AUCTION_PRICE}&auction=\${AUCTION_ID}&bid=\${AUCTION_BID_ID}&cur=\${AUCTION_CURRENCY}&mult=\${AUCTION_MULTIPLIER}`;
		bid.burl = `${notices}/burl?price=\${AUCTION_PRICE}&mult=\${AUCTION_MULTIPLIER}&ts=\${AUCTION_IMP_TS}${failFirst}`;
		bid.lurl = `${notices}/lurl?loss=\${AUCTION_LOSS}&min=\${AUCTION_MIN_TO_WIN}`;
		if (q.get("deal")) bid.dealid = q.get("deal")!;
		const asset = q.get("asset");
		if (asset && bid.adm) {
			bid.adm = bid.adm.replace(
				/(<MediaFile[^>]*>)<!\[CDATA\[[^\]]*\]\]>/,
				`$1<![CDATA[${asset}]]>`,
			);
		}
		if (q.get("exp")) bid.exp = Number(q.get("exp"));
		// adid=1: a bid that names an ad its DSP pre-registered, without markup (DSP accounts).
		if (q.get("adid")) {
			bid.adid = bid.crid;
			delete bid.adm;
			delete (bid as { crid?: string }).crid;
		}
		// vast=1: the buyer's own counters in its VAST, as a real ad server writes them.
		if (q.get("vast") && bid.adm) {
			bid.adm = bid.adm.replace(
				"<Impression><![CDATA[]]></Impression>",
				`<Impression><![CDATA[${notices}/imp?price=\${AUCTION_PRICE}&t=[TIMESTAMP]]]></Impression>` +
					`<Error><![CDATA[${notices}/error?code=[ERRORCODE]]]></Error>`,
			);
		}
	}
	return body;
}

const behaviours: Record<string, Behaviour> = {
	bid: (req, q, res, base) => {
		const body = validResponse(req, q, base);
		const delay = Number(q.get("delay") ?? 0);
		setTimeout(() => (body ? send(res, 200, body) : send(res, 204)), delay);
	},
	nobid: (_req, q, res) => {
		const delay = Number(q.get("delay") ?? 0);
		if (delay > 0) setTimeout(() => send(res, 204), delay);
		else send(res, 204);
	},
	"empty-seatbid": (req, _q, res) => send(res, 200, { id: req.id, seatbid: [] }),
	hang: () => {},
	error500: (_req, _q, res) => send(res, 500, "upstream exploded"),
	garbage: (_req, _q, res) => send(res, 200, "<html>this is not OpenRTB</html>"),
	"wrong-id": (req, q, res, base) =>
		send(res, 200, { ...validResponse(req, q, base), id: "another-auction" }),
	"wrong-imp": (req, q, res, base) => {
		const body = validResponse(req, q, base)!;
		body.seatbid![0]!.bid[0]!.impid = "99";
		send(res, 200, body);
	},
	drip: (req, q, res, base) => {
		const text = JSON.stringify(validResponse(req, q, base));
		res.writeHead(200, { "content-type": "application/json" });
		let i = 0;
		const timer = setInterval(() => {
			if (res.destroyed || i >= text.length) return clearInterval(timer);
			res.write(text[i++]!);
		}, 50);
		res.on("close", () => clearInterval(timer));
	},
	/** One valid bid followed by every malformed shape seen from real DSPs, and 300 more bids. */
	hostile: (req, q, res, base) => {
		const body = validResponse(req, q, base)!;
		const valid = body.seatbid![0]!.bid[0]!;
		const junk = [
			{ ...valid, id: "neg", price: -1 },
			{ ...valid, id: "empty-domain", adomain: [""] },
			{ ...valid, id: "long-crid", crid: "c".repeat(300) },
			{ ...valid, id: "absurd", price: 1e17 },
			{ ...valid, id: "x".repeat(5000), adomain: ["d".repeat(5000)] },
			{
				...valid,
				id: "many-domains",
				adomain: Array.from({ length: 500 }, (_, i) => `a${i}.example`),
			},
			{ ...valid, id: "not-a-string-id", crid: { nested: true } },
			...Array.from({ length: 300 }, (_, i) => ({ ...valid, id: `flood-${i}`, price: 1 })),
		];
		body.seatbid![0]!.bid.push(...(junk as (typeof valid)[]));
		send(res, 200, body);
	},
	/** Ten bids, every field the auction record keeps at the longest it is kept (128 characters). */
	fat: (req, q, res, base) => {
		const body = validResponse(req, q, base)!;
		const valid = body.seatbid![0]!.bid[0]!;
		const long = (c: string) => c.repeat(128);
		body.seatbid![0]!.seat = long("s");
		body.seatbid![0]!.bid = Array.from({ length: 10 }, (_, i) => ({
			...valid,
			id: `${i}`.padEnd(128, "i"),
			crid: long("c"),
			adomain: Array.from({ length: 8 }, (_, d) => `${d}`.padEnd(128, "d")),
		}));
		send(res, 200, body);
	},
	/** A valid winner whose adomain list is long and whose domains are absurdly long. */
	"long-adomain": (req, q, res, base) => {
		const body = validResponse(req, q, base)!;
		body.seatbid![0]!.bid[0]!.adomain = [
			`${"a".repeat(600)}.example`,
			...Array.from({ length: 100 }, (_, i) => `brand${i}.example`),
		];
		send(res, 200, body);
	},
	/** A generated answer (test/support/fuzz-dsp.ts), deterministic per `seed`. */
	fuzz: (req, q, res, base) => {
		const answer = fuzzAnswer(Number(q.get("seed") ?? 0), req, base);
		send(res, answer.status, answer.body);
	},
	huge: (req, _q, res) =>
		send(res, 200, { id: req.id, seatbid: [], ext: { padding: "x".repeat(1_000_000) } }),
};

/**
 * Canned Analytics Engine answers for the console's queries (src/services/metrics.ts,
 * CONSOLE_QUERIES), in the API's JSON format: 64-bit integers and DateTimes as strings. Scenario
 * "fail" fails every query; "no-bids" fails only the bids query.
 */
function aeAnswer(sql: string, scenario: string): { status: number; data: unknown[] } {
	if (scenario === "fail") return { status: 500, data: [] };
	const minute = (ago: number) =>
		new Date(Math.floor(Date.now() / 60_000) * 60_000 - ago * 60_000)
			.toISOString()
			.slice(0, 19)
			.replace("T", " ");
	if (sql.includes("toStartOfInterval")) {
		return {
			status: 200,
			data: [
				{ minute: minute(2), requests: "10", filled: "6", avg_latency_ms: 40 },
				{ minute: minute(1), requests: "30", filled: "24", avg_latency_ms: 60 },
			],
		};
	}
	// Before the bids: the calls query reads the same points (blob1 = 'bid', double7 = 1).
	if (sql.includes("AS calls")) {
		return {
			status: 200,
			data: [
				{
					bidder: "dsp-a",
					calls: "40",
					avg_latency_ms: 50,
					p99_latency_ms: 180,
					timeouts: 0,
					errors: "0",
					no_bids: "0",
				},
				{
					bidder: "<b>dsp-b</b>",
					calls: "40",
					avg_latency_ms: 90,
					p99_latency_ms: 250,
					timeouts: 5,
					errors: "2",
					no_bids: "13",
				},
			],
		};
	}
	if (sql.includes("blob1 = 'bid'")) {
		if (scenario === "no-bids") return { status: 422, data: [] };
		return {
			status: 200,
			data: [
				{ bidder: "dsp-a", outcome: "won", reason: "won", code: 0, bids: "30" },
				{ bidder: "dsp-a", outcome: "lost", reason: "lost_to_higher_bid", code: 102, bids: "10" },
				{
					bidder: "<b>dsp-b</b>",
					outcome: "filtered",
					reason: "below_auction_floor",
					code: 100,
					bids: "20",
				},
				{
					bidder: "<b>dsp-b</b>",
					outcome: "timeout",
					reason: "bidder_timeout",
					code: 500,
					bids: "5",
				},
				// Written before event schema 6: a bidder not called was a no_bid then.
				{
					bidder: "<b>dsp-b</b>",
					outcome: "no_bid",
					reason: "bidder_no_time",
					code: 508,
					bids: "3",
				},
				{
					bidder: "dsp-c",
					outcome: "not_called",
					reason: "bidder_circuit_open",
					code: 509,
					bids: "7",
				},
			],
		};
	}
	if (sql.includes("blob1 = 'win'")) {
		return { status: 200, data: [{ bidder: "dsp-a", wins: "30", audience: 300, ecpm: 4.5 }] };
	}
	if (sql.includes("blob1 = 'play'")) {
		return {
			status: 200,
			data: [
				{
					publisher_id: "demo-pub",
					bidder: "dsp-a",
					cur: "USD",
					plays: "25",
					gross: 1.25,
					take: 0.25,
					net: 1,
				},
				{
					publisher_id: "<i>pub-2</i>",
					bidder: "dsp-a",
					cur: "EUR",
					plays: "2",
					gross: 0.1,
					take: 0,
					net: 0.1,
				},
			],
		};
	}
	if (sql.includes("IN ('win', 'play', 'expiry')")) {
		return {
			status: 200,
			data: [
				{ metric: "win", bidder: "dsp-a", reason: "", events: "30" },
				{ metric: "play", bidder: "dsp-a", reason: "", events: "27" },
				{ metric: "expiry", bidder: "dsp-a", reason: "inferred", events: "2" },
			],
		};
	}
	if (sql.includes("blob1 = 'queue_batch'")) {
		return {
			status: 200,
			data: [
				{ queue: "px-events", batches: "12", avg_batch_size: 33.5, max_lag_ms: 5100, retried: 1 },
			],
		};
	}
	return { status: 422, data: [] };
}

/**
 * The creatives' asset host. Every /assets/<name>.<ext> answers small bytes of its own (its path),
 * typed by the extension; `PUT` replaces a path's bytes from then on (a host swapping the file
 * after review); /assets/big-<n>.<ext> is n bytes (`?chunked=1`: without a Content-Length);
 * /assets/status-<code>.<ext> answers that status.
 */
async function serveTestAsset(
	req: IncomingMessage,
	url: URL,
	res: ServerResponse,
	swapped: Map<string, Buffer>,
) {
	const path = url.pathname;
	if (req.method === "PUT") {
		swapped.set(path, Buffer.from(await readBody(req)));
		return send(res, 204);
	}
	const status = /^\/assets\/status-(\d{3})\./.exec(path);
	if (status) return send(res, Number(status[1]));
	const type = path.endsWith(".mp4") ? "video/mp4" : "image/png";
	const big = /^\/assets\/big-(\d+)\./.exec(path);
	const bytes = big
		? Buffer.alloc(Number(big[1]), 7)
		: (swapped.get(path) ?? Buffer.from(`test asset ${path}`));
	res.writeHead(
		200,
		url.searchParams.get("chunked")
			? { "content-type": type }
			: { "content-type": type, "content-length": String(bytes.byteLength) },
	);
	if (url.searchParams.get("chunked")) {
		// Written in pieces, so the length is known only by reading it all.
		for (let at = 0; at < bytes.byteLength; at += 1 << 20)
			res.write(bytes.subarray(at, at + (1 << 20)));
		return res.end();
	}
	res.end(bytes);
}

/**
 * An exchange-rate source (FX_RATES_URL) in Frankfurter's shape: `base` (default USD), `date` and
 * one parameter per rate (`EUR=0.94`); `status=S` answers S, `garbage=1` a body that is not JSON,
 * `bytes=N` pads the JSON to N bytes, `delay=MS` answers only after MS ms.
 */
function serveFx(q: URLSearchParams, res: ServerResponse) {
	const answer = () => {
		if (q.get("status")) return send(res, Number(q.get("status")), "upstream trouble");
		if (q.get("garbage")) return send(res, 200, "{ rates: EUR=0.94 ");
		const rates = Object.fromEntries(
			[...q].filter(([k]) => /^[A-Z]{3}$/.test(k)).map(([k, v]) => [k, Number(v)]),
		);
		const body = { amount: 1, base: q.get("base") ?? "USD", date: q.get("date"), rates };
		const padding = Math.max(0, Number(q.get("bytes") ?? 0) - JSON.stringify(body).length);
		send(res, 200, { ...body, ...(padding ? { padding: "x".repeat(padding) } : {}) });
	};
	const delay = Number(q.get("delay") ?? 0);
	if (delay) setTimeout(() => res.destroyed || answer(), delay);
	else answer();
}

export interface DspServer {
	server: Server;
	base: string;
	close(): Promise<void>;
}

export function startDspServer(): Promise<DspServer> {
	const log = new Map<string, string[]>();
	const failures = new Map<string, number>();
	const swapped = new Map<string, Buffer>();
	let base = "";
	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? "/", base);
		const dsp = /^\/dsp\/([a-z0-9-]+)$/.exec(url.pathname);
		if (req.method === "POST" && dsp && behaviours[dsp[1]!]) {
			const text = await readBody(req);
			let request: BidRequest;
			try {
				request = JSON.parse(text) as BidRequest;
			} catch {
				return send(res, 400);
			}
			const tag = url.searchParams.get("tag") ?? "untagged";
			log.set(tag, [
				...(log.get(tag) ?? []),
				`request ${dsp[1]} ${req.headers["x-openrtb-version"]} ${text}`,
			]);
			return behaviours[dsp[1]!]!(request, url.searchParams, res, base);
		}
		const notice = /^\/notices\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
		if (notice) {
			const hits = `${notice[1]}~hits`;
			log.set(hits, [
				...(log.get(hits) ?? []),
				`${notice[2]} ${req.headers["idempotency-key"] ?? "-"}`,
			]);
			// refuse=S: the buyer's server answers status S for good (nothing logged).
			const refuse = Number(url.searchParams.get("refuse") ?? 0);
			if (refuse) return send(res, refuse);
			// failfirst=N: the buyer's server refuses the first N notices of this kind (503).
			const refusals = `${notice[1]}/${notice[2]}`;
			const refused = failures.get(refusals) ?? 0;
			if (refused < Number(url.searchParams.get("failfirst") ?? 0)) {
				failures.set(refusals, refused + 1);
				return send(res, 503);
			}
			const entry = `${notice[2]} ${url.search}`;
			log.set(notice[1]!, [...(log.get(notice[1]!) ?? []), entry]);
			// slow=MS: a slow but alive buyer's server, answering 200 only after MS ms.
			const slow = Number(url.searchParams.get("slow") ?? 0);
			if (slow) {
				setTimeout(() => res.destroyed || send(res, 200), slow);
				return;
			}
			return send(res, 200);
		}
		// A stand-in for the Analytics Engine SQL API (the operator console's source).
		if (req.method === "POST" && url.pathname.endsWith("/analytics_engine/sql")) {
			const sql = await readBody(req);
			const tag = url.searchParams.get("tag") ?? "ae";
			log.set(tag, [...(log.get(tag) ?? []), `${req.headers.authorization ?? ""}\n${sql}`]);
			const answer = aeAnswer(sql, url.searchParams.get("scenario") ?? "ok");
			return answer.status === 200
				? send(res, 200, { meta: [], data: answer.data, rows: answer.data.length })
				: send(res, answer.status, "Invalid query: something the API did not like");
		}
		if (url.pathname === "/fx") return serveFx(url.searchParams, res);
		if (url.pathname === "/log")
			return send(res, 200, log.get(url.searchParams.get("tag") ?? "") ?? []);
		if (url.pathname.startsWith("/assets/")) return serveTestAsset(req, url, res, swapped);
		return send(res, 404);
	});
	return new Promise((resolve) => {
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			base = `http://127.0.0.1:${port}`;
			resolve({
				server,
				base,
				close: () =>
					new Promise((r) => {
						server.closeAllConnections();
						server.close(() => r());
					}),
			});
		});
	});
}
