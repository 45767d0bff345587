/** The project root (where package.json, profiles/ and capability/ live), from source or from dist/. */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'capability'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`Cannot find the project root (package.json and capability/) above ${__dirname}`);
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot();
export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);
