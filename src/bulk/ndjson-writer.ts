/**
 * Writes one resource type's NDJSON files, starting another file when one reaches the size limit.
 * Files are written as `<name>.part` and renamed when closed, so a file under its final name is
 * always complete, and a resumed job can delete whatever was left half-written.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { OutputFile } from './jobs';

export class NdjsonWriter {
  private stream?: WriteStream;
  private bytes = 0;
  private count = 0;
  private index = 0;
  private readonly files: OutputFile[] = [];
  private readonly parts: string[] = [];
  private failure?: Error;

  /** `prefix` keeps the manifest's error files apart from an exported type of the same name. */
  constructor(private readonly dir: string, private readonly type: string, private readonly maxBytes: number, private readonly prefix = '') {}

  fileName(index: number): string {
    return `${this.prefix}${this.type}-${index}.ndjson`;
  }

  /** Append resources (stored JSON, one line each), honouring the stream's back-pressure. */
  async write(jsonLines: string[]): Promise<void> {
    let chunk: string[] = [];
    const flush = async () => {
      if (this.failure) throw this.failure;
      if (!chunk.length) return;
      const s = this.stream!;
      const ok = s.write(chunk.join(''));
      chunk = [];
      if (!ok) await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => {
          s.off('drain', onDrain);
          reject(e);
        };
        const onDrain = () => {
          s.off('error', onError);
          resolve();
        };
        s.once('drain', onDrain);
        s.once('error', onError);
      });
    };
    for (const raw of jsonLines) {
      // Stored JSON is compact; re-serialise defensively if a line break ever slips in.
      const line = `${raw.includes('\n') ? JSON.stringify(JSON.parse(raw)) : raw}\n`;
      const size = Buffer.byteLength(line);
      if (!this.stream || (this.bytes > 0 && this.bytes + size > this.maxBytes)) {
        await flush();
        await this.next();
      }
      chunk.push(line);
      this.bytes += size;
      this.count++;
    }
    await flush();
  }

  /** Close the current file; returns every file written for the type (none when it had no resources). */
  async finish(): Promise<OutputFile[]> {
    await this.closeCurrent();
    return this.files;
  }

  /** Stop and delete whatever this writer produced (cancelled or interrupted). */
  async discard(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
    await Promise.all([...this.parts, ...this.files.map((f) => path.join(this.dir, f.file))].map((f) => rm(f, { force: true })));
  }

  private async next(): Promise<void> {
    await this.closeCurrent();
    this.index++;
    const part = path.join(this.dir, `${this.fileName(this.index)}.part`);
    this.parts.push(part);
    const stream = createWriteStream(part, { flags: 'w' });
    // Keep a write failure (disk full, directory removed) from becoming an uncaught 'error' event:
    // it is raised by the next write or close instead.
    stream.on('error', (e) => {
      this.failure ??= e;
    });
    await new Promise<void>((resolve, reject) => {
      stream.once('ready', resolve);
      stream.once('error', reject);
    });
    this.stream = stream;
    this.bytes = 0;
    this.count = 0;
  }

  private async closeCurrent(): Promise<void> {
    const s = this.stream;
    if (!s) return;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.end(() => resolve());
    });
    if (this.failure) throw this.failure;
    const name = this.fileName(this.index);
    await rename(path.join(this.dir, `${name}.part`), path.join(this.dir, name));
    this.parts.pop();
    this.files.push({ type: this.type, file: name, count: this.count });
  }
}
