import { describe, expect, it } from 'vitest';
import { datasetFileFormat, readDataset, writeDataset } from './files';

describe('dataset files by extension', () => {
  it('maps .npz to the flat layout and .h5 / .hdf5 to Minari, case-insensitively; anything else to none', () => {
    expect(datasetFileFormat('expert.npz')).toBe('npz');
    expect(datasetFileFormat('/a.b/expert.NPZ')).toBe('npz');
    expect(datasetFileFormat('data/main_data.hdf5')).toBe('minari');
    expect(datasetFileFormat('x.H5')).toBe('minari');
    expect(datasetFileFormat('expert.csv')).toBeUndefined();
    expect(datasetFileFormat('dir.npz/expert')).toBeUndefined();
  });

  it('refuses another extension before touching the file system', async () => {
    await expect(readDataset('/nonexistent/expert.csv')).rejects.toThrow(/expected a dataset file ending in \.npz, \.h5, \.hdf5/);
    await expect(writeDataset({} as never, '/nonexistent/expert.json')).rejects.toThrow(/expected a dataset file ending in/);
  });
});
