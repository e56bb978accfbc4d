// The OpenOOH venue taxonomy 1.1 (numeric ids; the dotted string values are deprecated by the
// taxonomy itself). The data lives in JSON so that a taxonomy update is a data change, reviewed
// against the upstream file named in its "source" field.
import taxonomy from "../data/openooh-venues.json";

/** OpenRTB 2.6 `dooh.venuetypetax` code for OpenOOH Venue Taxonomy 1.1 (AdCOM list). */
export const OPENOOH_VENUETYPETAX = 5;

type VenueLevel = "parent" | "child" | "grandchild";

interface VenueType {
	id: number;
	name: string;
	level: VenueLevel;
	/** The id one level up; absent for parents. */
	parent?: number;
}

interface TaxonomyNode {
	id: number;
	name: string;
	children?: TaxonomyNode[];
}

const LEVELS: readonly VenueLevel[] = ["parent", "child", "grandchild"];

function flatten(nodes: readonly TaxonomyNode[], depth: number, parent?: number): VenueType[] {
	const level = LEVELS[depth];
	if (nodes.length === 0) return [];
	if (!level) throw new Error("OpenOOH taxonomy data is deeper than three levels");
	return nodes.flatMap((node) => [
		parent === undefined
			? { id: node.id, name: node.name, level }
			: { id: node.id, name: node.name, level, parent },
		...flatten(node.children ?? [], depth + 1, node.id),
	]);
}

const categories: readonly TaxonomyNode[] = taxonomy.categories;
const byId = new Map(flatten(categories, 0).map((venue) => [venue.id, venue]));

export function venueById(id: number): VenueType | undefined {
	return byId.get(id);
}

export function isKnownVenueType(id: number): boolean {
	return byId.has(id);
}

/** Every venue type, parents before their children. */
export function allVenueTypes(): readonly VenueType[] {
	return [...byId.values()];
}

/** The id and its ancestors, parent first (OpenOOH's "enumerated list"); empty when unknown. */
export function venueLineage(id: number): number[] {
	const venue = byId.get(id);
	if (!venue) return [];
	return venue.parent === undefined ? [id] : [...venueLineage(venue.parent), id];
}
