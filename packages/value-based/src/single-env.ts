/**
 * The step loop of the learners that update online from one env, step by step (tabular TD control,
 * linear Q-learning): reset when an episode ends, act, step, hand the transition to the learner,
 * record the episode, call the callbacks. A one-env VecEnv is unwrapped, so `tfrl train` and code
 * that always vectorises can use them.
 */
import {
  Algorithm,
  type AnyEnv,
  type BaseCallback,
  type Env,
  type EnvSpecifier,
  type StepResult,
  type TrainLoopInfo,
  isVecEnv,
  yieldToEventLoop,
} from '@tfrl/core';

export abstract class SingleEnvAlgorithm<H extends Record<string, any>, O = number, E = any> extends Algorithm<H, E> {
  /** Online (behaviour-policy) return of every episode finished since the last `learn` that reset the counters. */
  episodeReturns: number[] = [];
  episodeLengths: number[] = [];
  protected curObs: O | null = null;
  private epReturn = 0;
  private epLength = 0;
  private envSeeded = false;

  /** A single Env; a VecEnv of one env is unwrapped. */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    if (!isVecEnv(env)) return env;
    const inner = (env as { envs?: Env<any, any>[] }).envs;
    if (env.numEnvs === 1 && Array.isArray(inner) && inner.length === 1) return inner[0] as Env<any, any>;
    throw new TypeError(`${this.algorithmName}: learns from a single Env, got a VecEnv of ${env.numEnvs} envs`);
  }

  /** A new episode starts in `obs`. */
  protected beginEpisode(_obs: O): void {}
  /** The action to take in `obs`. */
  protected abstract act(obs: O): number;
  /** Learn from one transition. */
  protected abstract afterStep(obs: O, action: number, res: StepResult<O>): void;
  /** Scalars logged with the episode statistics. */
  protected abstract trainScalars(): Record<string, number>;

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback, info: TrainLoopInfo): Promise<void> {
    const env = this.env as Env<O, number>;
    if (info.resetNumTimesteps) {
      this.episodeReturns = [];
      this.episodeLengths = [];
      this.curObs = null;
    }
    let lastYield = performance.now();
    while (this.numTimesteps < totalTimesteps) {
      if (this.curObs === null) {
        // An episode is this loop's rollout: callbacks see its start and end (periodic checkpoints save here).
        await callback.rolloutStart(this.callbackContext());
        const { obs } = env.reset(this.envSeeded ? undefined : { seed: this.seed });
        this.envSeeded = true;
        this.curObs = obs;
        this.epReturn = 0;
        this.epLength = 0;
        this.beginEpisode(obs);
      }
      const obs = this.curObs;
      const a = this.act(obs);
      const res = env.step(a);
      this.numTimesteps++;
      this.epReturn += res.reward;
      this.epLength++;
      this.updateProgressRemaining();
      this.afterStep(obs, a, res);
      if (res.terminated || res.truncated) {
        this.finishEpisode();
        await callback.rolloutEnd(this.callbackContext());
      } else this.curObs = res.obs;
      if (!(await callback.step(this.callbackContext({ reward: res.reward, terminated: res.terminated, truncated: res.truncated })))) break;
      if (performance.now() - lastYield > 100) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  }

  private finishEpisode(): void {
    const ret = this.epReturn;
    const len = this.epLength;
    this.episodeReturns.push(ret);
    this.episodeLengths.push(len);
    this.recordEpisode(ret, len);
    this.curObs = null;
    const step = this.numTimesteps;
    this.logger.scalar('rollout/ep_return', ret, step);
    this.logger.scalar('rollout/ep_length', len, step);
    if (this.shouldLog(this.numEpisodes)) this.logTrainingStats(this.trainScalars());
  }
}
