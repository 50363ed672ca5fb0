import { describe, expect, it } from 'vitest';
import { baseStyle, NATURAL_EARTH_ATTRIBUTION } from './base-style';
import { baseGeography } from './natural-earth';

describe('the offline base map', () => {
  const geography = baseGeography();
  const style = baseStyle(geography);

  it('needs no network: no tile, sprite, glyph or data URL anywhere in the style', () => {
    expect(JSON.stringify(style)).not.toMatch(/:\/\//);
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    // Text layers would need glyphs from somewhere.
    expect(style.layers.filter((layer) => layer.type === 'symbol')).toEqual([]);
  });

  it('draws the countries from the bundled Natural Earth data and credits it', () => {
    const names = geography.countries.features.map((f) => f.properties.name);
    expect(names).toContain('United States of America');
    expect(names).toContain('Canada');
    expect(geography.borders.geometry.coordinates.length).toBeGreaterThan(100);
    const countries = style.sources.countries;
    expect(countries && 'attribution' in countries && countries.attribution).toBe(NATURAL_EARTH_ATTRIBUTION);
  });

  it('draws US state lines from the bundled Census boundaries', () => {
    // The mesh merges shared borders into continuous lines: dozens of them, thousands of points.
    const lines = geography.stateLines.geometry.coordinates;
    expect(lines.length).toBeGreaterThan(40);
    expect(lines.reduce((n, line) => n + line.length, 0)).toBeGreaterThan(2000);
    expect(style.layers.map((layer) => layer.id)).toContain('state-lines');
  });
});
