// The demo DSP host for local development: OpenRTB bidders, their creative assets and a notice
// sink, on one loopback port. Started by `npm run dev`; never deployed.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BidRequest } from "iab-openrtb/v26";
import { demoDsps } from "./dsps";
import { gradientPng } from "./png";

const assetsDir = join(dirname(fileURLToPath(import.meta.url)), "assets");
const palette: Record<string, [[number, number, number], [number, number, number]]> = {
	"demo-static-urbanbank": [
		[12, 52, 110],
		[40, 170, 200],
	],
	"demo-sometimes-metrotravel": [
		[120, 30, 60],
		[250, 170, 60],
	],
	"demo-newcomer-freshjuice": [
		[255, 140, 0],
		[60, 180, 75],
	],
};

export interface DemoServer {
	server: Server;
	port: number;
	/** Notices (win/bill/loss) the demo DSPs received, newest last. */
	notices: string[];
	close(): Promise<void>;
}

export function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}

/**
 * Web players (the demo player at /player) download creatives with fetch() from another origin
 * to cache them, which needs CORS, as on any CDN that serves DOOH creatives to browser players.
 */
const ASSET_HEADERS = {
	"cache-control": "public, max-age=86400",
	"access-control-allow-origin": "*",
};

function serveAsset(path: string, res: ServerResponse): boolean {
	// The newcomer's spot is the demo spot under its own name: another advertiser's file.
	const video = /^\/assets\/(?:spot|freshjuice)-(portrait|landscape)\.mp4$/.exec(path);
	if (video) {
		res.writeHead(200, { "content-type": "video/mp4", ...ASSET_HEADERS });
		res.end(readFileSync(join(assetsDir, `spot-${video[1]}.mp4`)));
		return true;
	}
	const image = /^\/assets\/([a-z-]+)-(\d{2,4})x(\d{2,4})\.png$/.exec(path);
	const colours = image && palette[image[1]!];
	if (image && colours) {
		const png = gradientPng(Number(image[2]), Number(image[3]), colours[0], colours[1]);
		res.writeHead(200, { "content-type": "image/png", ...ASSET_HEADERS });
		res.end(png);
		return true;
	}
	return false;
}

export function startDemoServer(port = 8790, host = "127.0.0.1"): Promise<DemoServer> {
	const notices: string[] = [];
	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? "/", `http://${host}:${port}`);
		const dsp = /^\/dsp\/([a-z]+)$/.exec(url.pathname);
		if (req.method === "POST" && dsp && demoDsps[dsp[1]!]) {
			let request: BidRequest;
			try {
				request = JSON.parse(await readBody(req)) as BidRequest;
			} catch {
				res.writeHead(400).end();
				return;
			}
			// The bound port, not the requested one: with port 0 the asset URLs (which approval
			// covers) must name the port the assets are really served on.
			const address = server.address();
			const bound = typeof address === "object" && address ? address.port : port;
			const answer = demoDsps[dsp[1]!]!(request, `http://${host}:${bound}`);
			res.writeHead(answer.status, answer.body ? { "content-type": "application/json" } : {});
			res.end(answer.body ? JSON.stringify(answer.body) : undefined);
			return;
		}
		if (url.pathname.startsWith("/notices/")) {
			notices.push(`${url.pathname}${url.search}`);
			res.writeHead(200).end();
			return;
		}
		if (req.method === "GET" && serveAsset(url.pathname, res)) return;
		res.writeHead(404).end();
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, host, () => {
			const address = server.address();
			resolve({
				server,
				port: typeof address === "object" && address ? address.port : port,
				notices,
				close: () => new Promise((r) => server.close(() => r())),
			});
		});
	});
}
