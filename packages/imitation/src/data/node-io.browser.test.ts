import { describe, expect, it } from 'vitest';
import * as browser from './node-io.browser';

describe('data/node-io of the browser build', () => {
  it('refuses paths with a message pointing at the byte APIs, and rejects Minari', async () => {
    expect(() => browser.readFileBytes('expert.npz')).toThrow(
      /^expert\.npz: dataset files need Node\.js file system access, .*readNpz\(bytes\) or decodeNpz\(bytes\).*writeNpz\(dataset\)/,
    );
    expect(() => browser.isDirectory('minari/dataset')).toThrow(/^minari\/dataset: dataset files need Node\.js/);
    await expect(browser.importH5wasm()).rejects.toThrow(/Minari HDF5 files .* need Node; in a browser use \.npz bytes/);
    expect(browser.joinPath('a', '', 'b.json')).toBe('a/b.json');
    expect(browser.siblingPath('data/main_data.hdf5', 'metadata.json')).toBe('data/metadata.json');
    expect(browser.siblingPath('main_data.hdf5', 'metadata.json')).toBe('metadata.json');
  });
});
