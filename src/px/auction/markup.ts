// The markup tokenizer and a minimal XML tree (names lower-cased, namespace prefixes dropped).
// Workers have no DOM, and bid markup is hostile input: every scan here is linear in the input
// (index loops and indexOf, no backtracking regular expression over the rest of the document),
// and the input is capped before it is read, so no markup can hold the isolate.

/** Longest markup (adm) read at all. A DOOH VAST or <img> snippet is a few KiB. */
export const MAX_MARKUP_LENGTH = 64 * 1024;
/** Longest single tag, attributes included. */
export const MAX_TAG_LENGTH = 8 * 1024;

export interface OpenToken {
	type: "open";
	name: string;
	attrs: Record<string, string>;
	selfClosing: boolean;
}
export type Token = OpenToken | { type: "close"; name: string } | { type: "text"; text: string };

export interface XmlElement {
	name: string;
	attrs: Record<string, string>;
	children: XmlElement[];
	/** Direct text content, CDATA included, entities decoded. */
	text: string;
}

export const HTML_RAW_TEXT = new Set(["script", "style"]);
const NO_RAW_TEXT = new Set<string>();
const MAX_TOKENS = 20_000;

/**
 * Undefined when the markup cannot be tokenized (unterminated comment, CDATA or tag, a tag over
 * MAX_TAG_LENGTH, more than MAX_TOKENS tokens). Callers cap the whole markup at MAX_MARKUP_LENGTH.
 */
export function tokenize(src: string, rawText: ReadonlySet<string>): Token[] | undefined {
	const tokens: Token[] = [];
	let lower: string | undefined;
	let i = 0;
	while (i < src.length) {
		if (tokens.length > MAX_TOKENS) return undefined;
		const lt = src.indexOf("<", i);
		if (lt < 0) {
			tokens.push({ type: "text", text: decodeEntities(src.slice(i)) });
			break;
		}
		if (lt > i) tokens.push({ type: "text", text: decodeEntities(src.slice(i, lt)) });
		const skip = skipSpecial(src, lt);
		if (skip === -1) return undefined;
		if (skip !== undefined) {
			if (src.startsWith("<![CDATA[", lt)) {
				tokens.push({ type: "text", text: src.slice(lt + 9, skip - 3) });
			}
			i = skip;
			continue;
		}
		if (!/[A-Za-z_/]/.test(src[lt + 1] ?? "")) {
			// A lone "<" in text ("a < b"): HTML tolerates it.
			tokens.push({ type: "text", text: "<" });
			i = lt + 1;
			continue;
		}
		const end = tagEnd(src, lt + 1);
		if (end < 0 || end - lt > MAX_TAG_LENGTH) return undefined;
		const tag = parseTag(src.slice(lt + 1, end));
		if (!tag) return undefined;
		tokens.push(tag);
		i = end + 1;
		if (tag.type === "open" && !tag.selfClosing && rawText.has(tag.name)) {
			// Script/style bodies are code, not markup: an <img> inside a string must not count.
			lower ??= src.toLowerCase();
			const close = lower.indexOf(`</${tag.name}`, i);
			i = close < 0 ? src.length : close;
		}
	}
	return tokens;
}

/** For comments, CDATA, <?...?> and <!...>: index just past it, -1 if unterminated. */
function skipSpecial(src: string, lt: number): number | undefined {
	const terminators: [string, string][] = [
		["<!--", "-->"],
		["<![CDATA[", "]]>"],
		["<?", "?>"],
		["<!", ">"],
	];
	for (const [open, close] of terminators) {
		if (!src.startsWith(open, lt)) continue;
		const end = src.indexOf(close, lt + open.length);
		return end < 0 ? -1 : end + close.length;
	}
	return undefined;
}

/**
 * Index of the ">" closing the tag that starts at `from`, ignoring ">" inside quotes; -1 when
 * there is none within MAX_TAG_LENGTH (so a flood of unterminated tags costs that much each).
 */
function tagEnd(src: string, from: number): number {
	let quote: string | undefined;
	const limit = Math.min(src.length, from + MAX_TAG_LENGTH);
	for (let j = from; j < limit; j++) {
		const c = src[j];
		if (quote) {
			if (c === quote) quote = undefined;
		} else if (c === '"' || c === "'") {
			quote = c;
		} else if (c === ">") {
			return j;
		}
	}
	return -1;
}

function parseTag(body: string): Token | undefined {
	const close = /^\/\s*([A-Za-z_][\w:.-]*)\s*$/.exec(body);
	if (close) return { type: "close", name: localName(close[1] as string) };
	const open = /^([A-Za-z_][\w:.-]*)/.exec(body);
	if (!open) return undefined;
	const rest = body.slice(open[0].length);
	return {
		type: "open",
		name: localName(open[1] as string),
		attrs: parseAttributes(rest),
		selfClosing: rest.trimEnd().endsWith("/"),
	};
}

const isSpace = (c: string | undefined) =>
	c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";
/** Characters that end an attribute name. */
const NAME_END = new Set(["=", "/", '"', "'", ">"]);

/**
 * `name="v"`, `name='v'`, `name=v` and valueless `name`, in one left-to-right pass: the index
 * only moves forward. (A regular expression here backtracked over the whole rest of the tag at
 * every position: a 60 KB `<img aaaa…>` took seconds.) The first of repeated names wins.
 */
function parseAttributes(rest: string): Record<string, string> {
	const attrs: Record<string, string> = {};
	const n = rest.length;
	let i = 0;
	while (i < n) {
		while (i < n && (isSpace(rest[i]) || NAME_END.has(rest[i]!))) i++;
		const start = i;
		while (i < n && !isSpace(rest[i]) && !NAME_END.has(rest[i]!)) i++;
		if (i === start) break;
		const name = localName(rest.slice(start, i));
		let j = i;
		while (j < n && isSpace(rest[j])) j++;
		if (rest[j] !== "=") {
			i = j;
			continue;
		}
		j++;
		while (j < n && isSpace(rest[j])) j++;
		const quote = rest[j];
		let value: string;
		if (quote === '"' || quote === "'") {
			const close = rest.indexOf(quote, j + 1);
			if (close < 0) break;
			value = rest.slice(j + 1, close);
			i = close + 1;
		} else {
			const from = j;
			while (j < n && !isSpace(rest[j]) && rest[j] !== '"' && rest[j] !== "'" && rest[j] !== ">")
				j++;
			if (j === from) {
				i = j;
				continue;
			}
			value = rest.slice(from, j);
			i = j;
		}
		if (!(name in attrs)) attrs[name] = decodeEntities(value);
	}
	return attrs;
}

function localName(qualified: string): string {
	const colon = qualified.lastIndexOf(":");
	return (colon < 0 ? qualified : qualified.slice(colon + 1)).toLowerCase();
}

const NAMED_ENTITIES: Record<string, string> = {
	amp: "&",
	lt: "<",
	gt: ">",
	quot: '"',
	apos: "'",
};

function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ent: string) => {
		if (ent[0] === "#") {
			const code =
				ent[1] === "x" || ent[1] === "X" ? Number.parseInt(ent.slice(2), 16) : Number(ent.slice(1));
			return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
		}
		return NAMED_ENTITIES[ent.toLowerCase()] ?? whole;
	});
}

/** A strict tree: mismatched or unclosed elements make the document unreadable. */
export function parseXml(src: string): XmlElement | undefined {
	const tokens = tokenize(src, NO_RAW_TEXT);
	if (!tokens) return undefined;
	const doc: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
	const stack: XmlElement[] = [doc];
	for (const token of tokens) {
		const top = stack[stack.length - 1] as XmlElement;
		if (token.type === "text") {
			top.text += token.text;
		} else if (token.type === "open") {
			const el: XmlElement = { name: token.name, attrs: token.attrs, children: [], text: "" };
			top.children.push(el);
			if (!token.selfClosing) stack.push(el);
		} else {
			if (top.name !== token.name || stack.length === 1) return undefined;
			stack.pop();
		}
	}
	if (stack.length !== 1 || doc.children.length !== 1) return undefined;
	return doc.children[0];
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
	return el ? el.children.filter((c) => c.name === name) : [];
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
	return el?.children.find((c) => c.name === name);
}
