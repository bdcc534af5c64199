/**
 * Tag styles. tfrl's learners write Stable-Baselines3's tags (`rollout/ep_rew_mean`,
 * `train/value_loss`, …). With `tagStyle: 'cleanrl'` (or `'both'`) the file sinks also get CleanRL's
 * names (`charts/episodic_return`, `losses/value_loss`, …), so dashboards and scripts written for
 * CleanRL runs read tfrl runs unchanged.
 */
import type { Logger } from './logger';
import type { Image } from './png';

export type TagStyle = 'sb3' | 'cleanrl' | 'both';
export const TAG_STYLES: readonly TagStyle[] = ['sb3', 'cleanrl', 'both'];

/**
 * SB3 tag → CleanRL tag. `charts/episodic_return` and `charts/episodic_length` carry the mean over
 * the last 100 episodes (SB3's `rollout/ep_rew_mean`), where CleanRL logs each episode.
 */
export const CLEANRL_TAGS: Readonly<Record<string, string>> = {
  'rollout/ep_rew_mean': 'charts/episodic_return',
  'rollout/ep_len_mean': 'charts/episodic_length',
  'time/fps': 'charts/SPS',
  'train/learning_rate': 'charts/learning_rate',
  'train/value_loss': 'losses/value_loss',
  'train/policy_gradient_loss': 'losses/policy_loss',
  'train/entropy_loss': 'losses/entropy',
  'train/approx_kl': 'losses/approx_kl',
  'train/clip_fraction': 'losses/clipfrac',
  'train/explained_variance': 'losses/explained_variance',
  'train/loss': 'losses/td_loss',
  'train/critic_loss': 'losses/qf_loss',
  'train/actor_loss': 'losses/actor_loss',
  'train/ent_coef': 'losses/alpha',
  'train/ent_coef_loss': 'losses/alpha_loss',
  'train/q_values': 'losses/q_values',
};

/** The tag (or tags) `tag` is written under in `style`. */
export function tagsFor(tag: string, style: TagStyle): string[] {
  const alias = CLEANRL_TAGS[tag];
  if (style === 'sb3' || alias === undefined) return [tag];
  return style === 'cleanrl' ? [alias] : [tag, alias];
}

/** Passes everything to `inner`, writing scalars under the tags of `style`. */
export class TagStyleLogger implements Logger {
  constructor(
    readonly inner: Logger,
    readonly style: TagStyle,
  ) {
    if (!TAG_STYLES.includes(style)) throw new Error(`tag style must be one of ${TAG_STYLES.join(', ')}, got ${JSON.stringify(style)}`);
  }

  scalar(tag: string, value: number, step: number): void {
    for (const t of tagsFor(tag, this.style)) this.inner.scalar(t, value, step);
  }

  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.inner.histogram(tag, values, step);
  }

  image(tag: string, img: Image, step: number): void {
    this.inner.image(tag, img, step);
  }

  text(tag: string, text: string, step: number): void {
    this.inner.text(tag, text, step);
  }

  dump(step: number): void {
    this.inner.dump?.(step);
  }

  flush(): void | Promise<void> {
    return this.inner.flush();
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }
}

/**
 * A run's settings as a Markdown table (`| key | value |`), nested objects flattened with dots, for
 * TensorBoard's Text tab (what SB3 users get from `HParam`, readable without the hparams plugin).
 */
export function hyperparameterTable(config: unknown): string {
  const rows: Array<[string, string]> = [];
  const walk = (prefix: string, v: unknown): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) rows.push([prefix, '{}']);
      for (const [k, x] of entries) walk(prefix ? `${prefix}.${k}` : k, x);
      return;
    }
    const s = ArrayBuffer.isView(v) ? JSON.stringify(Array.from(v as unknown as ArrayLike<number>)) : JSON.stringify(v);
    rows.push([prefix, (s ?? String(v)).replace(/\|/g, '\\|').replace(/\n/g, ' ')]);
  };
  walk('', config);
  return ['| setting | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
