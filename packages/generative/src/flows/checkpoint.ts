/** Saving and restoring flows with the tfrl checkpoint format (atomic, checksummed). */
import type * as tf from '@tensorflow/tfjs';
import {
  type Adam,
  type CheckpointManifest,
  type CheckpointTarget,
  type CheckpointTensor,
  type RngState,
  assertFiniteCheckpoint,
  checkpointLabel,
  checkpointTensorToTf,
  loadCheckpoint,
  saveCheckpoint,
} from '@tfrl/core';
import { resolveModelDir } from '../model-dir';
import { createFlow, type FlowConfig, type NormalizingFlow } from './flow';

export const FLOW_CHECKPOINT_ALGORITHM = 'NormalizingFlow';

export interface SaveFlowOptions {
  optimizer?: Adam;
  /** Updates applied so far (stored as the checkpoint's numUpdates). */
  step?: number;
  rngState?: RngState | null;
  training?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

function toCheckpointTensor(t: tf.Tensor): CheckpointTensor {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const data = dtype === 'int32' ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync());
  return { dtype, shape: [...t.shape], data };
}

/** Writes `flow` (its config, every variable and buffer, and optionally the optimizer) to `dir`. */
export async function saveFlow(dir: CheckpointTarget, flow: NormalizingFlow, options: SaveFlowOptions = {}): Promise<CheckpointManifest> {
  const tensors: Record<string, CheckpointTensor> = {};
  for (const [k, v] of Object.entries(flow.namedState())) tensors[`flow/${k}`] = toCheckpointTensor(v);
  if (options.optimizer) {
    const st = options.optimizer.getStateTensors('adam');
    for (const [k, v] of Object.entries(st)) {
      tensors[k] = toCheckpointTensor(v);
      v.dispose();
    }
  }
  const step = options.step ?? 0;
  assertFiniteCheckpoint('Flow', checkpointLabel(dir), tensors);
  return saveCheckpoint(dir, {
    algorithm: FLOW_CHECKPOINT_ALGORITHM,
    hyperparameters: { flow: flow.config as unknown as Record<string, unknown>, training: options.training ?? {} },
    counters: { numTimesteps: step, numUpdates: step, episodes: 0 },
    rngState: options.rngState ?? null,
    extra: options.extra ?? {},
    tensors,
  });
}

export interface LoadedFlow {
  flow: NormalizingFlow;
  manifest: CheckpointManifest;
  /** Optimizer tensors (`adam/m`, `adam/v`, `adam/step`) if saved; pass to `Adam.setStateTensors`. */
  optimizerState: Record<string, tf.Tensor> | undefined;
}

/**
 * Rebuilds a flow from a checkpoint written by {@link saveFlow} (verifying its checksums); `dir`
 * may also be a run directory (its `model/`), or a `CheckpointStore`.
 */
export async function loadFlow(runOrModelDir: CheckpointTarget): Promise<LoadedFlow> {
  const source = typeof runOrModelDir === 'string' ? resolveModelDir(runOrModelDir) : runOrModelDir;
  const { manifest, tensors } = await loadCheckpoint(source);
  const dir = checkpointLabel(source);
  if (manifest.algorithm !== FLOW_CHECKPOINT_ALGORITHM) {
    throw new Error(`loadFlow ${dir}: checkpoint holds algorithm ${JSON.stringify(manifest.algorithm)}, not ${FLOW_CHECKPOINT_ALGORITHM}`);
  }
  const config = (manifest.hyperparameters as { flow?: FlowConfig }).flow;
  if (!config) throw new Error(`loadFlow ${dir}: manifest has no hyperparameters.flow config`);
  const flow = createFlow(config);
  const weights: Record<string, CheckpointTensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('flow/')) weights[k.slice(5)] = v;
  try {
    flow.setWeights(weights as Record<string, { shape: number[]; data: Float32Array | Int32Array }>);
  } catch (e) {
    flow.dispose();
    throw new Error(`loadFlow ${dir}: ${(e as Error).message}`);
  }
  let optimizerState: Record<string, tf.Tensor> | undefined;
  if (tensors['adam/m'] && tensors['adam/v'] && tensors['adam/step']) {
    optimizerState = {};
    for (const k of ['adam/m', 'adam/v', 'adam/step']) {
      const t = tensors[k] as CheckpointTensor;
      optimizerState[k] = checkpointTensorToTf(t);
    }
  }
  return { flow, manifest, optimizerState };
}
