import { parquetMetadata } from "hyparquet";
import { gzipSync } from "node:zlib";
import { buildEvents, archiveGroups } from "../pipeline";
import { encodeEvents } from "../../src/queues/parquet";
const ev = buildEvents(10000);
const g = archiveGroups(ev);
const sizes: Record<string, number> = {}; let meta = 0; let total = 0;
for (const f of g) {
  const buf = encodeEvents(f); total += buf.byteLength;
  const md = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  meta += md.metadata_length + 8 + 4;
  for (const rg of md.row_groups) for (const c of rg.columns) { const n = c.meta_data!.path_in_schema.join("."); sizes[n] = (sizes[n] ?? 0) + Number(c.meta_data!.total_compressed_size); }
}
console.log({ total, meta, files: g.length, one: encodeEvents(ev.slice(0,1)).byteLength });
console.log(Object.entries(sizes).sort((a,b)=>b[1]-a[1]).map(([k,v])=>`${k} ${v} ${(v/total*100).toFixed(1)}%`).join("\n"));
const one = encodeEvents(ev); const md = parquetMetadata(one.buffer.slice(one.byteOffset, one.byteOffset+one.byteLength));
console.log("one file", one.byteLength, md.metadata_length);
for (const c of md.row_groups[0]!.columns) console.log(c.meta_data!.path_in_schema.join("."), c.meta_data!.total_compressed_size, c.meta_data!.encodings, c.meta_data!.codec);
console.log("auction json bytes", ev.filter(e=>e.type==="auction").reduce((n,e)=>n+JSON.stringify(e).length,0), "all", ev.reduce((n,e)=>n+JSON.stringify(e).length,0));
