import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NdjsonWriter } from './ndjson-writer';

describe('NdjsonWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ndjson-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const line = (i: number) => JSON.stringify({ resourceType: 'Patient', id: `p${String(i).padStart(3, '0')}` });

  it('splits a type into several files at the size limit, one resource a line, counts per file', async () => {
    const w = new NdjsonWriter(dir, 'Patient', 3 * (line(0).length + 1));
    await w.write([0, 1, 2, 3].map(line));
    await w.write([4, 5, 6].map(line));
    const files = await w.finish();
    expect(files).toEqual([
      { type: 'Patient', file: 'Patient-1.ndjson', count: 3 },
      { type: 'Patient', file: 'Patient-2.ndjson', count: 3 },
      { type: 'Patient', file: 'Patient-3.ndjson', count: 1 },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['Patient-1.ndjson', 'Patient-2.ndjson', 'Patient-3.ndjson']);
    const all = files.flatMap((f) => readFileSync(path.join(dir, f.file), 'utf8').split('\n').filter(Boolean));
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6].map(line));
  });

  it('a resource larger than the limit gets a file of its own rather than being dropped', async () => {
    const w = new NdjsonWriter(dir, 'Patient', 5);
    await w.write([line(1), line(2)]);
    expect((await w.finish()).map((f) => f.count)).toEqual([1, 1]);
  });

  it('writes nothing for a type without resources, and re-serialises a line that contains a line break', async () => {
    const empty = new NdjsonWriter(dir, 'Goal', 1000);
    await empty.write([]);
    expect(await empty.finish()).toEqual([]);
    const w = new NdjsonWriter(dir, 'Patient', 1000);
    await w.write(['{\n"resourceType": "Patient"}']);
    await w.finish();
    expect(readFileSync(path.join(dir, 'Patient-1.ndjson'), 'utf8')).toBe('{"resourceType":"Patient"}\n');
  });

  it('discard removes finished and half-written files alike', async () => {
    const w = new NdjsonWriter(dir, 'Patient', 2 * (line(0).length + 1));
    await w.write([0, 1, 2].map(line));
    expect(readdirSync(dir).sort()).toEqual(['Patient-1.ndjson', 'Patient-2.ndjson.part']);
    await w.discard();
    expect(readdirSync(dir)).toEqual([]);
  });
});
