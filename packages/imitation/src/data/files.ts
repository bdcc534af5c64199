/**
 * Dataset files by extension: `.npz` (the D4RL / imitation flat layout) or `.h5` / `.hdf5`
 * (Minari's `main_data.hdf5`). One place for the choice, so every reader and writer agrees.
 */
import { readMinari, writeMinari } from './minari';
import { readNpz, writeNpz } from './npz';
import type { Dataset } from './trajectory';

export type DatasetFileFormat = 'npz' | 'minari';

/** Extensions of dataset files, in the order error messages list them. */
export const DATASET_EXTENSIONS = ['.npz', '.h5', '.hdf5'] as const;

/** The format a file name stands for, or undefined for any other extension. */
export function datasetFileFormat(file: string): DatasetFileFormat | undefined {
  const dot = file.lastIndexOf('.');
  const ext = dot > Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) ? file.slice(dot).toLowerCase() : '';
  if (ext === '.npz') return 'npz';
  if (ext === '.h5' || ext === '.hdf5') return 'minari';
  return undefined;
}

function formatOrThrow(file: string, who: string): DatasetFileFormat {
  const format = datasetFileFormat(file);
  if (!format) throw new Error(`${who}: ${file}: expected a dataset file ending in ${DATASET_EXTENSIONS.join(', ')}`);
  return format;
}

/** Read a dataset file, `.npz` or Minari HDF5 by its extension. */
export async function readDataset(file: string): Promise<Dataset> {
  return formatOrThrow(file, 'readDataset') === 'npz' ? readNpz(file) : readMinari(file);
}

/** Write a dataset file, `.npz` or Minari HDF5 by its extension. */
export async function writeDataset(dataset: Dataset, file: string): Promise<void> {
  if (formatOrThrow(file, 'writeDataset') === 'npz') writeNpz(dataset, file);
  else await writeMinari(dataset, file);
}
