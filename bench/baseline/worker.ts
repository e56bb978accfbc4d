// The baseline for px-edge's hot path: receives the same PX ad request body, does the same 3 (or,
// with x-bench-dsps: 6, 6) parallel DSP fetches and returns the first bid as JSON. No validation, translation beyond the
// minimum a DSP needs, auction, approval lookup, Durable Object, notices, events or logging:
// what is left is the platform's cost of a request with 3 subrequests, the floor px-edge is
// compared against.
interface BaselineEnv {
	DSPS: string;
}

interface PxBody {
	screen_id?: string;
	slot_id?: string;
	timeout_ms?: number;
	screen?: {
		slots?: {
			id: string;
			w: number;
			h: number;
			mimes?: string[];
			min_duration?: number;
			max_duration?: number;
		}[];
	};
}

interface BidBody {
	seatbid?: { bid?: unknown[] }[];
}

let endpoints: { raw: string; urls: string[] } | undefined;

export default {
	async fetch(request: Request, env: BaselineEnv): Promise<Response> {
		if (request.method !== "POST") return new Response("baseline up\n");
		if (endpoints?.raw !== env.DSPS) endpoints = { raw: env.DSPS, urls: JSON.parse(env.DSPS) };
		const px = (await request.json()) as PxBody;
		const slot = px.screen?.slots?.find((s) => s.id === px.slot_id) ?? px.screen?.slots?.[0];
		const body = JSON.stringify({
			id: crypto.randomUUID(),
			imp: [
				{
					id: "1",
					banner: { w: slot?.w, h: slot?.h },
					video: {
						w: slot?.w,
						h: slot?.h,
						mimes: slot?.mimes?.filter((m) => m.startsWith("video/")) ?? ["video/mp4"],
						minduration: slot?.min_duration,
						maxduration: slot?.max_duration,
					},
				},
			],
			device: { ifa: px.screen_id, devicetype: 8 },
			tmax: px.timeout_ms ?? 500,
			cur: ["USD"],
		});
		// The same number of DSPs px-edge calls for this request (3, or 6 at the six-DSP venue).
		const count = Number(request.headers.get("x-bench-dsps") ?? 3);
		const answers = await Promise.all(
			endpoints.urls.slice(0, count).map(async (url) => {
				const res = await fetch(url, {
					method: "POST",
					headers: { "content-type": "application/json", "x-openrtb-version": "2.6" },
					body,
				});
				if (res.status !== 200) {
					await res.body?.cancel();
					return undefined;
				}
				return (await res.json()) as BidBody;
			}),
		);
		const bid = answers.find((a) => a?.seatbid?.[0]?.bid?.[0])?.seatbid?.[0]?.bid?.[0];
		return Response.json(bid ? { filled: true, bid } : { filled: false });
	},
};
