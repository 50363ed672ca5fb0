import type { WorldTract } from '../emulators/world';
import { generateHouse, neighbourhoodOf, TRACT_BLOCKS, type AsOfDay } from './houses';
import { BLOCK_PITCH_U, BLOCK_PITCH_V, STREET_WIDTH_M, AVENUE_WIDTH_M, type GridLayout } from './layout';
import { DEMO_COUNTY, DEMO_COUNTY_FIPS, DEMO_STATE_FIPS, DEMO_STATE_NAME } from './names';
import { Stream } from './random';

/**
 * Census tracts of the demo town: blocks of TRACT_BLOCKS, bounded by street and avenue centre
 * lines (as real tract lines follow streets), each with ACS 5-year figures derived from the houses
 * inside it, so a tract's median year built and home value agree with its parcels.
 */

export interface TractGrid {
  cols: number;
  rows: number;
}

export function tractGrid(layout: GridLayout): TractGrid {
  return { cols: Math.ceil(layout.blockCols / TRACT_BLOCKS.cols), rows: Math.ceil(layout.blockRows / TRACT_BLOCKS.rows) };
}

/** The tract cell a local point falls in, or null outside the grid (streets around it included). */
export function tractCellAt(layout: GridLayout, grid: TractGrid, u: number, v: number): { col: number; row: number } | null {
  const cellU = TRACT_BLOCKS.cols * BLOCK_PITCH_U;
  const cellV = TRACT_BLOCKS.rows * BLOCK_PITCH_V;
  // Tract lines run along avenue and street centre lines, half a right-of-way beyond the blocks.
  const col = Math.floor((u + AVENUE_WIDTH_M / 2) / cellU);
  const row = Math.floor((v + STREET_WIDTH_M / 2) / cellV);
  if (col < 0 || row < 0 || col >= grid.cols || row >= grid.rows) return null;
  return { col, row };
}

export function tractCodeOf(grid: TractGrid, col: number, row: number): string {
  // Tract numbers 3010 and up, written as six digits without the decimal point (3010.00 → 301000).
  return `${String(3010 + row * grid.cols + col).padStart(4, '0')}00`;
}

export function buildTracts(seed: number, layout: GridLayout, asOf: AsOfDay): WorldTract[] {
  const grid = tractGrid(layout);
  const cells = grid.cols * grid.rows;
  const years: number[][] = Array.from({ length: cells }, () => []);
  const values: number[][] = Array.from({ length: cells }, () => []);
  const renters = new Uint32Array(cells);
  const affluence = new Float64Array(cells);
  for (let i = 0; i < layout.houseCount; i += 1) {
    const house = generateHouse(seed, layout, i, asOf);
    const cell = Math.floor(house.slot.blockRow / TRACT_BLOCKS.rows) * grid.cols + Math.floor(house.slot.blockCol / TRACT_BLOCKS.cols);
    years[cell]!.push(house.yearBuilt);
    if (house.ownerOccupied) values[cell]!.push(house.marketValueUsd);
    else renters[cell]! += 1;
    affluence[cell]! += neighbourhoodOf(seed, house.slot, asOf.year).affluence;
  }
  const vintage = asOf.year - 2;
  const tracts: WorldTract[] = [];
  for (let row = 0; row < grid.rows; row += 1) {
    for (let col = 0; col < grid.cols; col += 1) {
      const cell = row * grid.cols + col;
      const count = years[cell]!.length;
      if (count === 0) continue;
      const tractCode = tractCodeOf(grid, col, row);
      const geoid = `${DEMO_STATE_FIPS}${DEMO_COUNTY_FIPS}${tractCode}`;
      const s = new Stream(seed, 'tract', cell);
      const meanAffluence = affluence[cell]! / count;
      const owners = values[cell]!.length;
      // ACS counts are survey estimates: round to the nearest 5, as published tables often look.
      const estimate = (n: number) => Math.max(0, Math.round((n * s.between(0.96, 1.04)) / 5) * 5);
      const name = `Census Tract ${Number(tractCode.slice(0, 4))}; ${DEMO_COUNTY} County; ${DEMO_STATE_NAME}`;
      tracts.push({
        geoid,
        stateFips: DEMO_STATE_FIPS,
        countyFips: DEMO_COUNTY_FIPS,
        tractCode,
        name,
        ring: tractRing(layout, col, row),
        figures: {
          geoid,
          geography: 'tract',
          name,
          vintage,
          medianHouseholdIncomeUsd: Math.round((58_000 + 52_000 * (meanAffluence - 0.7)) * s.between(0.94, 1.06)),
          medianYearBuilt: median(years[cell]!),
          // ACS lags: a value survey of past years, a little under today's roll.
          medianHomeValueUsd: owners >= 5 ? Math.round((median(values[cell]!) * s.between(0.88, 0.97)) / 100) * 100 : null,
          ownerOccupiedUnits: estimate(owners),
          renterOccupiedUnits: estimate(renters[cell]!),
        },
      });
    }
  }
  return tracts;
}

function tractRing(layout: GridLayout, col: number, row: number) {
  const u0 = col * TRACT_BLOCKS.cols * BLOCK_PITCH_U - AVENUE_WIDTH_M / 2;
  const v0 = row * TRACT_BLOCKS.rows * BLOCK_PITCH_V - STREET_WIDTH_M / 2;
  return layout.ring(u0, v0, u0 + TRACT_BLOCKS.cols * BLOCK_PITCH_U, v0 + TRACT_BLOCKS.rows * BLOCK_PITCH_V);
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}
