import type { LatLng } from '../core/domain/geo';
import type { PostalAddress } from '../core/domain/records';
import type { WorldPermit } from '../emulators/world';
import type { DemoHouse, OtherPermitKind } from './houses';
import { Stream } from './random';

/**
 * The town's building permits as a city portal would publish them: re-roofs (the signal a rep
 * cares about: a new roof is not a lead) and the other work homeowners pull permits for, some of
 * which mention the roof without being roofing work (rooftop solar), so a filter must be careful.
 */

const REROOF_DESCRIPTIONS = [
  'RE-ROOF SFR - TEAR OFF AND REPLACE COMPOSITION SHINGLES',
  'Residential re-roof, architectural shingles, no decking replacement',
  'ROOF REPLACEMENT DUE TO HAIL DAMAGE - INSURANCE CLAIM',
  'Reroof single family dwelling, remove existing roofing and install new',
  'RESIDENTIAL REROOF W/ NEW UNDERLAYMENT AND DRIP EDGE',
];

const OTHER: Record<OtherPermitKind, { workClass: string; descriptions: string[]; valuation: [number, number] }> = {
  pool: { workClass: 'Swimming Pool', descriptions: ['IN-GROUND GUNITE POOL AND SPA', 'Residential swimming pool with equipment pad'], valuation: [38_000, 85_000] },
  fence: { workClass: 'Fence', descriptions: ['8 FT CEDAR BOARD-ON-BOARD FENCE', 'Replace wood privacy fence along rear lot line'], valuation: [3_500, 12_000] },
  remodel: { workClass: 'Remodel', descriptions: ['KITCHEN REMODEL - NON-STRUCTURAL', 'Interior remodel of primary bath'], valuation: [18_000, 95_000] },
  solar: { workClass: 'Electrical - Solar', descriptions: ['ROOF MOUNTED SOLAR PV SYSTEM 7.6 KW', 'Install rooftop photovoltaic panels and inverter'], valuation: [16_000, 34_000] },
  hvac: { workClass: 'Mechanical', descriptions: ['HVAC CHANGE OUT 4 TON SPLIT SYSTEM', 'Replace furnace and condensing unit'], valuation: [7_000, 15_000] },
  foundation: { workClass: 'Foundation Repair', descriptions: ['FOUNDATION REPAIR - 14 PRESSED PILINGS', 'Slab foundation repair with steel piers'], valuation: [6_000, 22_000] },
};

interface Draft {
  date: string;
  houseIndex: number;
  roofing: boolean;
  workClass: string;
  description: string;
  valuationUsd: number | null;
  address: PostalAddress;
  location: LatLng;
}

/** Every permit of the town, in issue order, numbered per year as the portal would (BP24-00017). */
export function buildPermits(seed: number, houses: Iterable<DemoHouse>, addressOf: (house: DemoHouse) => PostalAddress): WorldPermit[] {
  const drafts: Draft[] = [];
  for (const house of houses) {
    const s = new Stream(seed, 'permit', house.index);
    if (house.reroofPermitDate) {
      drafts.push({
        date: house.reroofPermitDate,
        houseIndex: house.index,
        roofing: true,
        workClass: s.chance(0.7) ? 'Re-Roof' : 'Roofing',
        description: s.pick(REROOF_DESCRIPTIONS),
        // About $4–$7 a square foot of roof, as Texas roofers bid.
        valuationUsd: s.chance(0.08) ? null : Math.round((house.footprintSqm * 10.7639 * 1.15 * s.between(4, 7)) / 100) * 100,
        address: addressOf(house),
        location: house.centroid,
      });
    }
    if (house.otherPermit) {
      const kind = OTHER[house.otherPermit.kind];
      drafts.push({
        date: house.otherPermit.date,
        houseIndex: house.index,
        roofing: false,
        workClass: kind.workClass,
        description: s.pick(kind.descriptions),
        valuationUsd: Math.round(s.between(kind.valuation[0], kind.valuation[1]) / 100) * 100,
        address: addressOf(house),
        location: house.centroid,
      });
    }
  }
  drafts.sort((a, b) => a.date.localeCompare(b.date) || a.houseIndex - b.houseIndex || Number(b.roofing) - Number(a.roofing));
  const perYear = new Map<string, number>();
  return drafts.map((draft) => {
    const year = draft.date.slice(0, 4);
    const sequence = (perYear.get(year) ?? 0) + 1;
    perYear.set(year, sequence);
    return {
      permitNumber: `BP${year.slice(2)}-${String(sequence).padStart(5, '0')}`,
      issuedAt: `${draft.date}T00:00:00.000Z`,
      description: draft.description,
      workClass: draft.workClass,
      isRoofing: draft.roofing,
      valuationUsd: draft.valuationUsd,
      address: draft.address,
      location: draft.location,
    };
  });
}
