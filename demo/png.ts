// A tiny PNG encoder so demo creatives exist at any slot size without shipping image files.
import { crc32, deflateSync } from "node:zlib";

function chunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([length, body, crc]);
}

/** A w×h RGB image: a vertical gradient between two colours with a diagonal band. */
export function gradientPng(
	w: number,
	h: number,
	from: [number, number, number],
	to: [number, number, number],
): Buffer {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(w, 0);
	header.writeUInt32BE(h, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // truecolour
	const rows = Buffer.alloc((w * 3 + 1) * h);
	for (let y = 0; y < h; y++) {
		const t = h > 1 ? y / (h - 1) : 0;
		const offset = y * (w * 3 + 1);
		for (let x = 0; x < w; x++) {
			const band = Math.abs(((x + y) % 400) - 200) < 30 ? 40 : 0;
			for (let c = 0; c < 3; c++) {
				rows[offset + 1 + x * 3 + c] = Math.min(
					255,
					Math.round(from[c]! + (to[c]! - from[c]!) * t) + band,
				);
			}
		}
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk("IHDR", header),
		chunk("IDAT", deflateSync(rows)),
		chunk("IEND", Buffer.alloc(0)),
	]);
}
