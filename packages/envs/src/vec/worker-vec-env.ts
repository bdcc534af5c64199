export interface WorkerVecEnvOptions {
  numWorkers?: number;
}
export class WorkerVecEnv {}
