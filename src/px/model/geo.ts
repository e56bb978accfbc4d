// Where and when a screen is, in the forms OpenRTB's Geo object wants (OpenRTB 2.6 §3.2.19):
// `region` is an ISO 3166-2 subdivision code (the 2-letter state code in the USA), `utcoffset`
// is the local time's offset from UTC in minutes at the moment the ad plays. Offsets come from
// Intl, which both Node and workerd ship with the IANA time zone data, so a DST change between
// the auction and the play is honoured without a dependency.

/**
 * The USA's ISO 3166-2 subdivisions: 50 states, DC, and the outlying areas that also have their
 * own ISO 3166-1 code (AS, GU, MP, PR, UM, VI).
 */
const US_REGIONS = new Set(
	(
		"AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM " +
		"NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI"
	).split(" "),
);

/** An ISO 3166-2 subdivision code after its country prefix: 1–3 upper-case letters or digits. */
export const SUBDIVISION_CODE = /^[A-Z0-9]{1,3}$/;

/** Why `region` is not an OpenRTB region for `country` (ISO 3166-1 alpha-3), or undefined. */
export function regionProblem(region: string, country: string | undefined): string | undefined {
	if (/^[A-Z]{2}-/.test(region)) {
		return `send the subdivision code without its country prefix ("${region.slice(3)}", not "${region}")`;
	}
	if (!SUBDIVISION_CODE.test(region)) {
		return "must be an ISO 3166-2 subdivision code (1-3 upper-case letters or digits, e.g. NY, BE, 13)";
	}
	if (country === "USA" && !US_REGIONS.has(region)) {
		return "must be a 2-letter US state code (ISO 3166-2:US, e.g. NY, CA, DC)";
	}
	return undefined;
}

/**
 * Zones Intl knows, each with its formatter. A new Intl.DateTimeFormat is ICU work (about a tenth
 * of an ad request's CPU in the round 4 profile, once to validate the screen's zone and once for
 * its offset): each zone is built once per isolate. Bounded, since Intl accepts any letter case of
 * a name and a hostile caller could mint variants; past the bound a zone is built per call.
 */
const MAX_CACHED_ZONES = 1_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** The formatter of a zone; throws a RangeError for a zone Intl does not know. */
function formatIn(timeZone: string): Intl.DateTimeFormat {
	let format = formats.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat("en-US", {
			timeZone,
			hourCycle: "h23",
			year: "numeric",
			month: "numeric",
			day: "numeric",
			hour: "numeric",
			minute: "numeric",
			second: "numeric",
		});
		if (formats.size < MAX_CACHED_ZONES) formats.set(timeZone, format);
	}
	return format;
}

export function isTimeZone(name: string): boolean {
	if (formats.has(name)) return true;
	try {
		formatIn(name);
		return true;
	} catch {
		return false;
	}
}

/**
 * Minutes local time in `timeZone` is ahead of UTC at epoch ms `at` (negative west of UTC), or
 * undefined for a zone Intl does not know.
 */
export function utcOffsetMinutes(timeZone: string, at: number): number | undefined {
	const local = localAsUtc(timeZone, at);
	if (local === undefined) return undefined;
	const wholeSecond = Math.floor(at / 1000) * 1000;
	return Math.round((local - wholeSecond) / 60_000);
}

/** The wall-clock time in `timeZone` at `at`, written as if it were UTC (epoch ms). */
function localAsUtc(timeZone: string, at: number): number | undefined {
	if (!isTimeZone(timeZone)) return undefined;
	const parts: Record<string, number> = {};
	for (const p of formatIn(timeZone).formatToParts(new Date(at))) {
		if (p.type !== "literal") parts[p.type] = Number(p.value);
	}
	const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
	return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Hours in a week: hourly audiences and dayparts count from Monday 00:00 local time. */
export const HOURS_PER_WEEK = 168;

/**
 * The local hour of the week in `timeZone` at `at`: 0 is Monday 00:00-01:00, 167 Sunday
 * 23:00-24:00; with the local day (0 Monday .. 6 Sunday) and hour (0..23). Read off the wall
 * clock, so a DST change moves it with the screen's own hours (a spring-forward day has no 02:00,
 * an autumn one has it twice). Undefined for a zone Intl does not know.
 */
export function localWeekHour(
	timeZone: string,
	at: number,
): { weekHour: number; day: number; hour: number } | undefined {
	const local = localAsUtc(timeZone, at);
	if (local === undefined) return undefined;
	const date = new Date(local);
	const day = (date.getUTCDay() + 6) % 7;
	const hour = date.getUTCHours();
	return { weekHour: day * 24 + hour, day, hour };
}

// The first time-zone-aware Intl object of an isolate loads ICU's zone data (about 30 ms of CPU):
// paid here, at startup, rather than inside the first ad request's deadline.
formatIn("UTC");
