import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { sharedFixtures } from '../../core/testing/fixtures';
import { parseSpcReports, reportDayFromYymmdd, spcFileNameFacts, spcTimeToUtc } from './parse';

const fixtures = sharedFixtures('noaa-spc');
const fixture = (name: string) => fixtures.text(name);
const day = '2018-06-15';

describe.skipIf(!fixtures.present)('SPC storm reports: the real 2018-06-15 files', () => {
  it('reads all 20 hail reports with sizes in inches and times across the 12Z–12Z day', () => {
    const { reports, rejected, kinds } = parseSpcReports(fixture('180615_rpts_filtered_hail.csv'), { reportDay: day, expectedKind: 'hail' });
    expect(rejected).toEqual([]);
    expect(kinds).toEqual(['hail']);
    expect(reports).toHaveLength(20);
    expect(reports[0]).toMatchObject({
      source: 'noaa-spc',
      kind: 'hail',
      occurredAt: '2018-06-15T13:35:00.000Z',
      lat: 44.78,
      lng: -89.69,
      hailSizeInches: 1,
      windSpeedKnots: null,
      tornadoScale: null,
      location: 'MOSINEE',
      county: 'MARATHON',
      state: 'WI',
      comments: '(GRB)',
    });
    const moose = reports.find((r) => r.location === 'MOOSE LAKE');
    expect(moose?.hailSizeInches).toBe(1.75);
    // 0000 and 0011 are after midnight UTC: the next calendar day, still the 15th's report day.
    expect(reports.find((r) => r.location === '17 NE RENO JUNCTION')?.occurredAt).toBe('2018-06-16T00:00:00.000Z');
    expect(reports.find((r) => r.location === '1 NNW ISHPEMING')?.occurredAt).toBe('2018-06-16T10:20:00.000Z');
    expect(reports.filter((r) => r.occurredAt.startsWith('2018-06-16'))).toHaveLength(5);
    expect(new Set(reports.map((r) => r.sourceRecordId)).size).toBe(20);
  });

  it('reads wind speeds (mph in the file) as knots and keeps unknown speeds unknown', () => {
    const { reports, rejected } = parseSpcReports(fixture('180615_rpts_filtered_wind.csv'), { reportDay: day, expectedKind: 'wind' });
    expect(rejected).toEqual([]);
    expect(reports).toHaveLength(25);
    const augusta = reports.find((r) => r.location === '2 WNW AUGUSTA')!;
    expect(augusta.comments).toContain('63 MPH WIND GUST');
    expect(augusta.windSpeedKnots).toBe(54.7);
    expect(reports.filter((r) => r.windSpeedKnots === null)).toHaveLength(22);
    // A marine zone stands where a county would.
    expect(reports[0]!.county).toBe('LSZ162');
    expect(reports.at(-1)!.occurredAt).toBe('2018-06-16T03:50:00.000Z');
  });

  it('reads the one tornado with its published rating', () => {
    const { reports } = parseSpcReports(fixture('180615_rpts_filtered_torn.csv'), { reportDay: day, expectedKind: 'tornado' });
    expect(reports).toEqual([expect.objectContaining({ kind: 'tornado', tornadoScale: 'UNK', occurredAt: '2018-06-15T22:25:00.000Z', state: 'AR' })]);
  });

  it('reads the bodies of the recorded HTTP exchanges exactly like the decoded files', () => {
    for (const kind of ['hail', 'wind', 'torn'] as const) {
      const [exchange] = readCassetteBodies(fixture(`siphon_cassette_spc_${kind}_after_2011_archive.yaml`));
      expect(exchange!.uri).toBe(`https://www.spc.noaa.gov/climo/reports/180615_rpts_filtered_${kind}.csv`);
      expect(exchange!.status).toBe(200);
      const fromCassette = parseSpcReports(exchange!.body, { reportDay: day });
      const fromFile = parseSpcReports(fixture(`180615_rpts_filtered_${kind}.csv`), { reportDay: day });
      expect(fromCassette.reports).toEqual(fromFile.reports);
    }
  });

  it('refuses the real 404 page as an HTML error page, naming SPC', () => {
    const attempt = () => parseSpcReports(fixture('404_not_found_page.html'), { reportDay: day });
    expect(attempt).toThrow(ConnectorError);
    expect(attempt).toThrow(/NOAA SPC answered with a web page \("Storm Prediction Center: Page Not Found"\)/);
    try {
      attempt();
    } catch (error) {
      expect((error as ConnectorError).kind).toBe('html-error-page');
    }
  });

  it('refuses a file of another kind than asked', () => {
    expect(() => parseSpcReports(fixture('180615_rpts_filtered_wind.csv'), { reportDay: day, expectedKind: 'hail' })).toThrow(/hail report file was expected/);
  });

  it('does not take the SPC WCM database for a daily report file', () => {
    expect(() => parseSpcReports(fixture('wcm_1955-2017_hail_TRUNCATED_first_4KB.csv'), { reportDay: day })).toThrow(/before any SPC header line/);
  });
});

describe('SPC storm reports: the format rules', () => {
  it('places HHMM times in the 12Z–12Z day', () => {
    expect(spcTimeToUtc('2018-12-31', '1200')).toBe('2018-12-31T12:00:00.000Z');
    expect(spcTimeToUtc('2018-12-31', '2359')).toBe('2018-12-31T23:59:00.000Z');
    expect(spcTimeToUtc('2018-12-31', '0000')).toBe('2019-01-01T00:00:00.000Z');
    expect(spcTimeToUtc('2018-12-31', '1159')).toBe('2019-01-01T11:59:00.000Z');
    expect(spcTimeToUtc('2020-02-28', '0300')).toBe('2020-02-29T03:00:00.000Z');
    expect(spcTimeToUtc('2018-12-31', '2460')).toBeNull();
  });

  it('reads dates and kinds from SPC file names', () => {
    expect(spcFileNameFacts('/tmp/180615_rpts_filtered_hail.csv')).toEqual({ reportDay: '2018-06-15', kind: 'hail' });
    expect(spcFileNameFacts('180615_rpts_filtered_torn.csv')).toEqual({ reportDay: '2018-06-15', kind: 'tornado' });
    expect(spcFileNameFacts('today_filtered_wind.csv')).toEqual({ reportDay: null, kind: 'wind' });
    expect(reportDayFromYymmdd('181332')).toBeNull();
  });

  it('takes a header-only file as a day without reports, and an empty body as an error', () => {
    expect(parseSpcReports('Time,Size,Location,County,State,Lat,Lon,Comments\n', { reportDay: day })).toEqual({ reports: [], rejected: [], kinds: ['hail'] });
    expect(() => parseSpcReports('', { reportDay: day })).toThrow(/not even the header line/);
  });

  it('reads the combined three-section file, each header switching the kind', () => {
    const combined = [
      'Time,F_Scale,Location,County,State,Lat,Lon,Comments',
      '2225,EF1,5 W WYNNE,CROSS,AR,35.23,-90.88,(MEG)',
      'Time,Speed,Location,County,State,Lat,Lon,Comments',
      '0141,60,1 NW CHERRYVALE,SUMTER,SC,33.97,-80.48,52-KT (60 MPH, SHAW AFB) (CAE)',
      'Time,Size,Location,County,State,Lat,Lon,Comments',
      '1510,175,MOOSE LAKE,CARLTON,MN,46.45,-92.77,(DLH)',
      '',
    ].join('\n');
    const { reports, kinds } = parseSpcReports(combined, { reportDay: day });
    expect(kinds).toEqual(['tornado', 'wind', 'hail']);
    expect(reports.map((r) => [r.kind, r.tornadoScale ?? r.windSpeedKnots ?? r.hailSizeInches])).toEqual([
      ['tornado', 'EF1'],
      ['wind', 52.1],
      ['hail', 1.75],
    ]);
    // The unquoted comma inside the comment is part of the comment.
    expect(reports[1]!.comments).toBe('52-KT (60 MPH, SHAW AFB) (CAE)');
  });

  it('rejects unreadable rows with their line and reason and keeps the rest', () => {
    const text = [
      'Time,Size,Location,County,State,Lat,Lon,Comments',
      '1335,100,MOSINEE,MARATHON,WI,44.78,-89.69,(GRB)',
      '2575,100,X,Y,WI,44.78,-89.69,',
      '1400,big,X,Y,WI,44.78,-89.69,',
      '1400,100,X,Y,WI,144.78,-89.69,',
      '1400,100,X',
      '',
    ].join('\n');
    const { reports, rejected } = parseSpcReports(text, { reportDay: day });
    expect(reports).toHaveLength(1);
    expect(rejected).toEqual([
      { line: 3, reason: 'Time "2575" is not an HHMM time from 0000 to 2359' },
      { line: 4, reason: 'Size "big" is not a hail size in hundredths of an inch' },
      { line: 5, reason: 'Lat "144.78" is not a latitude' },
      { line: 6, reason: 'expected 8 columns (Time,Size,Location,County,State,Lat,Lon,Comments) but found 3' },
    ]);
  });

  it('rejects a last row without the final newline: the file may have been cut there', () => {
    const cut = 'Time,Size,Location,County,State,Lat,Lon,Comments\n1335,100,MOSINEE,MARATHON,WI,44.78,-89.69,(GRB)\n1431,100,WAUSAU,MARATHON,WI,44.96,-89.6';
    const { reports, rejected } = parseSpcReports(cut, { reportDay: day });
    expect(reports.map((r) => r.location)).toEqual(['MOSINEE']);
    expect(rejected).toEqual([{ line: 3, reason: 'the file ends part-way through this row (no final newline): it may have been cut off; download it again' }]);
  });

  it('refuses a report day that is not a date', () => {
    expect(() => parseSpcReports('Time,Size,Location,County,State,Lat,Lon,Comments\n', { reportDay: '2018-02-30' })).toThrow(/not a report day/);
  });
});

interface RecordedExchange {
  uri: string;
  status: number;
  body: string;
}

/**
 * The recorded exchanges in a vcrpy cassette (siphon's test fixtures): just enough YAML for them.
 * A body is either `!!binary |` base64 (gunzipped when it is gzip) or a single-quoted scalar,
 * folded the YAML way (a line break is a space, an empty line a newline, '' a quote).
 */
function readCassetteBodies(yaml: string): RecordedExchange[] {
  return yaml.split(/^- request:/m).slice(1).map((chunk) => {
    const uri = /^\s+uri: (\S+)/m.exec(chunk)?.[1] ?? '';
    const status = Number(/^\s+code: (\d+)/m.exec(chunk)?.[1]);
    const binary = /string: !!binary \|\n((?:\s+[A-Za-z0-9+/=]+\n)+)/.exec(chunk);
    if (binary) {
      const bytes = Buffer.from(binary[1]!.replace(/\s+/g, ''), 'base64');
      return { uri, status, body: (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8') };
    }
    const quoted = /string: '((?:[^']|'')*)'/.exec(chunk);
    if (!quoted) throw new Error(`no response body in the cassette exchange for ${uri}`);
    const lines = quoted[1]!.split('\n').map((line, i) => (i === 0 ? line.trimEnd() : line.trim()));
    let body = lines[0]!;
    let blanks = 0;
    for (const line of lines.slice(1)) {
      if (line === '') {
        blanks += 1;
        continue;
      }
      body += blanks > 0 ? '\n'.repeat(blanks) + line : ` ${line}`;
      blanks = 0;
    }
    if (blanks > 0) body += '\n'.repeat(blanks);
    return { uri, status, body: body.replace(/''/g, "'") };
  });
}
