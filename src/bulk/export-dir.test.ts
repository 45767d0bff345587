import path from 'node:path';
import { loadConfig } from '../config';
import { exportDirOf } from './index';

describe('where export files live', () => {
  it('defaults to DATA_DIR/export, so servers with data folders of their own never sweep each other\'s files', () => {
    expect(exportDirOf(loadConfig({ DATA_DIR: '/srv/a' }))).toBe(path.resolve('/srv/a/export'));
    expect(exportDirOf(loadConfig({ DATA_DIR: '/srv/b' }))).toBe(path.resolve('/srv/b/export'));
    expect(exportDirOf(loadConfig({}))).toBe(path.resolve('data/export'));
  });

  it('takes EXPORT_DIR when it is set (a volume shared by the instances of one database)', () => {
    expect(exportDirOf(loadConfig({ DATA_DIR: '/srv/a', EXPORT_DIR: '/shared/export' }))).toBe(path.resolve('/shared/export'));
  });
});
