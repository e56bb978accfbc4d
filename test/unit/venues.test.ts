import { describe, expect, it } from "vitest";
import taxonomy from "../../src/px/data/openooh-venues.json";
import {
	allVenueTypes,
	isKnownVenueType,
	OPENOOH_VENUETYPETAX,
	venueById,
	venueLineage,
} from "../../src/px/model/venues";

const count = (level: string) => allVenueTypes().filter((v) => v.level === level).length;

describe("OpenOOH 1.1 venue taxonomy", () => {
	it("has the 11 parents, 41 children and 47 grandchildren of OpenOOH 1.1", () => {
		expect(count("parent")).toBe(11);
		expect(count("child")).toBe(41);
		expect(count("grandchild")).toBe(47);
	});

	it("has no duplicate ids in the data file (a Map would hide them)", () => {
		const ids: number[] = [];
		const walk = (nodes: ReadonlyArray<{ id: number; children?: unknown }>) => {
			for (const node of nodes) {
				ids.push(node.id);
				if (Array.isArray(node.children)) walk(node.children);
			}
		};
		walk(taxonomy.categories);
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids.length).toBe(allVenueTypes().length);
	});

	it("numbers children parent×100+n and grandchildren child×100+n", () => {
		for (const venue of allVenueTypes()) {
			if (venue.parent === undefined) {
				expect(venue.level).toBe("parent");
				expect(venue.id).toBeGreaterThanOrEqual(1);
				expect(venue.id).toBeLessThan(100);
				continue;
			}
			const n = venue.id - venue.parent * 100;
			expect(n, `id ${venue.id}`).toBeGreaterThanOrEqual(1);
			expect(n, `id ${venue.id}`).toBeLessThan(100);
			expect(venueById(venue.parent)?.level).toBe(venue.level === "child" ? "parent" : "child");
		}
	});

	it("looks venues up by id with level and parent", () => {
		expect(venueById(70101)).toEqual({
			id: 70101,
			name: "Elevator",
			level: "grandchild",
			parent: 701,
		});
		expect(venueById(701)).toEqual({
			id: 701,
			name: "Office Buildings",
			level: "child",
			parent: 7,
		});
		expect(venueById(8)).toEqual({ id: 8, name: "Leisure", level: "parent" });
		expect(venueById(8)).not.toHaveProperty("parent");
		expect(venueById(810)?.name).toBe("High-End Dining");
		expect(venueById(10203)?.name).toBe("Bus (Outside)");
		expect(venueById(110102)?.parent).toBe(1101);
	});

	it("knows only real ids", () => {
		for (const id of [1, 11, 107, 303, 20303, 60203, 110101])
			expect(isKnownVenueType(id)).toBe(true);
		// 20202 looks plausible but Convenience Stores (202) has no grandchildren; 12 and 1102
		// are past the end; the dotted 1.0 strings are not ids at all.
		for (const id of [0, -1, 1.5, 12, 1102, 20202, 30104, 60101, 999999]) {
			expect(isKnownVenueType(id), String(id)).toBe(false);
		}
		expect(venueById(20202)).toBeUndefined();
	});

	it("gives the lineage parent first", () => {
		expect(venueLineage(80702)).toEqual([8, 807, 80702]);
		expect(venueLineage(302)).toEqual([3, 302]);
		expect(venueLineage(4)).toEqual([4]);
		expect(venueLineage(20202)).toEqual([]);
	});

	it("names OpenOOH 1.1 as venuetypetax 5", () => {
		expect(OPENOOH_VENUETYPETAX).toBe(5);
		expect(taxonomy.version).toBe("1.1");
	});
});
