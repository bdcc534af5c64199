#!/usr/bin/env node
/**
 * Builds the WebAssembly (SIMD) kernel of the batched CartPole-v1 step and writes it, base64, to
 * src/classic/cartpole-kernel.wasm.ts (committed, so building the package needs no wasm toolchain).
 *
 *   node packages/envs/scripts/cartpole-wasm.mjs          # regenerate
 *   node packages/envs/scripts/cartpole-wasm.mjs --check  # exit 1 if the committed file is stale
 *
 * The kernel steps two envs per f64x2 vector with exactly the float64 operations, in the same
 * order, as `CartPoleEnv.step` (IEEE add/mul/div are exact per operation and wasm has no implicit
 * fused multiply-add), so its trajectories are bit-identical to the scalar JavaScript path; the
 * package tests assert that on long random runs.
 *
 * `step(n, npad, state, act, obs, rew, term, trunc, elapsed, ret, ended, max, sb) -> i32`
 * - state: f64[npad*4] (x, ẋ, θ, θ̇ per env), act: i32[npad] (0 or 1), obs: f32[npad*4],
 *   rew: f32[npad], term/trunc: u8[npad], elapsed: i32[npad], ret: f64[npad], ended: i32[npad];
 *   npad = n rounded up to even (the pad env's state is kept at zero).
 * - Returns -1 without touching memory when some |θ| ≥ 0.25 or is NaN (the Taylor sin/cos is only
 *   used below 0.25, as in `cartPoleSin`); the caller then steps with the scalar path.
 * - Otherwise: updates state, obs, rewards, elapsed (+1), returns (+r), terminated, truncated
 *   (elapsed ≥ max), and writes the indices of the envs whose episode ended to `ended`, returning
 *   their count. Resets are left to the caller.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWat, generatorMain, renderBase64Ts } from '../../../scripts/wasm-embed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, '..', 'src', 'classic', 'cartpole-kernel.wasm.ts');

/** An exact hexadecimal float literal of a double (no decimal rounding on either side). */
function hex(v) {
  if (v === 0) return Object.is(v, -0) ? '-0x0p+0' : '0x0p+0';
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  const hi = b.getUint32(0);
  const lo = b.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  const exp = (hi >>> 20) & 0x7ff;
  if (exp === 0 || exp === 0x7ff) throw new Error(`hex: unsupported value ${v}`);
  const mant = ((hi & 0xfffff).toString(16).padStart(5, '0') + lo.toString(16).padStart(8, '0')).replace(/0+$/, '');
  return `${sign}0x1${mant ? `.${mant}` : ''}p${exp - 1023 >= 0 ? '+' : ''}${exp - 1023}`;
}

// CartPole-v1 constants, computed with the same expressions as src/classic/cartpole.ts.
const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const INV_TOTAL_MASS = 1 / TOTAL_MASS;
const S = [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800];
const C = [-1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600, -1 / 87178291200];

const k = (v) => `(f64x2.splat (f64.const ${hex(v)}))`;
/** Horner form `c0 + t2 * (c1 + t2 * (...))`, innermost last, as the scalar code nests it. */
const horner = (cs, t2) => {
  let e = k(cs[cs.length - 1]);
  for (let i = cs.length - 2; i >= 0; i--) e = `(f64x2.add ${k(cs[i])} (f64x2.mul ${t2} ${e}))`;
  return e;
};
// Byte shuffles that gather lane 0 (or lane 1) of two f64x2 vectors.
const LO = 'i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
const HI = 'i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31';

export function cartpoleWat() {
  return `(module
  (import "env" "memory" (memory 1))
  (func (export "step")
    (param $n i32) (param $npad i32) (param $state i32) (param $act i32) (param $obs i32) (param $rew i32)
    (param $term i32) (param $trunc i32) (param $elapsed i32) (param $ret i32) (param $ended i32)
    (param $max i32) (param $sb i32) (result i32)
    (local $i i32) (local $p i32) (local $cnt i32) (local $ok v128) (local $e i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $x v128) (local $xd v128) (local $th v128) (local $thd v128) (local $t2 v128)
    (local $sin v128) (local $cos v128) (local $temp v128) (local $thacc v128) (local $xacc v128)
    (local $nx v128) (local $nxd v128) (local $nth v128) (local $nthd v128)
    (local $done v128) (local $r v128) (local $el v128) (local $tr v128) (local $bytes v128)
    ;; pass 1: every |θ| < 0.25 (false for NaN), else leave everything to the scalar path
    (local.set $ok (v128.const i64x2 -1 -1))
    (local.set $i (i32.const 0))
    (block $done1 (loop $check
      (br_if $done1 (i32.ge_u (local.get $i) (local.get $npad)))
      (local.set $p (i32.add (local.get $state) (i32.shl (local.get $i) (i32.const 5))))
      (local.set $th (${LO} (v128.load offset=16 (local.get $p)) (v128.load offset=48 (local.get $p))))
      (local.set $ok (v128.and (local.get $ok) (f64x2.lt (f64x2.abs (local.get $th)) ${k(0.25)})))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $check)))
    (if (i32.eqz (i64x2.all_true (local.get $ok))) (then (return (i32.const -1))))
    ;; pass 2: two envs per iteration
    (local.set $i (i32.const 0))
    (block $done2 (loop $pair
      (br_if $done2 (i32.ge_u (local.get $i) (local.get $npad)))
      (local.set $p (i32.add (local.get $state) (i32.shl (local.get $i) (i32.const 5))))
      (local.set $a0 (v128.load (local.get $p)))
      (local.set $a1 (v128.load offset=16 (local.get $p)))
      (local.set $b0 (v128.load offset=32 (local.get $p)))
      (local.set $b1 (v128.load offset=48 (local.get $p)))
      (local.set $x (${LO} (local.get $a0) (local.get $b0)))
      (local.set $xd (${HI} (local.get $a0) (local.get $b0)))
      (local.set $th (${LO} (local.get $a1) (local.get $b1)))
      (local.set $thd (${HI} (local.get $a1) (local.get $b1)))
      (local.set $t2 (f64x2.mul (local.get $th) (local.get $th)))
      ;; sin = θ + θ·θ²·P(θ²), cos = 1 + θ²·Q(θ²)
      (local.set $sin (f64x2.add (local.get $th) (f64x2.mul (f64x2.mul (local.get $th) (local.get $t2)) ${horner(S, '(local.get $t2)')})))
      (local.set $cos (f64x2.add ${k(1)} (f64x2.mul (local.get $t2) ${horner(C, '(local.get $t2)')})))
      ;; temp = (force + pml·θ̇²·sin)·(1/M), force = 20·a − 10 (exactly ±10 for a ∈ {0, 1})
      (local.set $temp (f64x2.mul
        (f64x2.add
          (f64x2.sub (f64x2.mul (f64x2.convert_low_i32x4_s (v128.load64_zero (i32.add (local.get $act) (i32.shl (local.get $i) (i32.const 2))))) ${k(20)}) ${k(10)})
          (f64x2.mul (f64x2.mul ${k(POLE_MASS_LENGTH)} (f64x2.mul (local.get $thd) (local.get $thd))) (local.get $sin)))
        ${k(INV_TOTAL_MASS)}))
      ;; θ̈ = (g·sin − cos·temp) / (l·(4/3 − m_p·cos²·(1/M)))
      (local.set $thacc (f64x2.div
        (f64x2.sub (f64x2.mul ${k(GRAVITY)} (local.get $sin)) (f64x2.mul (local.get $cos) (local.get $temp)))
        (f64x2.mul ${k(LENGTH)} (f64x2.sub ${k(4.0 / 3.0)} (f64x2.mul (f64x2.mul ${k(MASS_POLE)} (f64x2.mul (local.get $cos) (local.get $cos))) ${k(INV_TOTAL_MASS)})))))
      ;; ẍ = temp − pml·θ̈·cos·(1/M)
      (local.set $xacc (f64x2.sub (local.get $temp)
        (f64x2.mul (f64x2.mul (f64x2.mul ${k(POLE_MASS_LENGTH)} (local.get $thacc)) (local.get $cos)) ${k(INV_TOTAL_MASS)})))
      (local.set $nx (f64x2.add (local.get $x) (f64x2.mul ${k(TAU)} (local.get $xd))))
      (local.set $nxd (f64x2.add (local.get $xd) (f64x2.mul ${k(TAU)} (local.get $xacc))))
      (local.set $nth (f64x2.add (local.get $th) (f64x2.mul ${k(TAU)} (local.get $thd))))
      (local.set $nthd (f64x2.add (local.get $thd) (f64x2.mul ${k(TAU)} (local.get $thacc))))
      ;; back to (x, ẋ, θ, θ̇) rows
      (local.set $a0 (${LO} (local.get $nx) (local.get $nxd)))
      (local.set $b0 (${HI} (local.get $nx) (local.get $nxd)))
      (local.set $a1 (${LO} (local.get $nth) (local.get $nthd)))
      (local.set $b1 (${HI} (local.get $nth) (local.get $nthd)))
      (v128.store (local.get $p) (local.get $a0))
      (v128.store offset=16 (local.get $p) (local.get $a1))
      (v128.store offset=32 (local.get $p) (local.get $b0))
      (v128.store offset=48 (local.get $p) (local.get $b1))
      ;; observations: float32 (round to nearest even, as a Float32Array store)
      (local.set $p (i32.add (local.get $obs) (i32.shl (local.get $i) (i32.const 4))))
      (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $a0)) (f32x4.demote_f64x2_zero (local.get $a1))))
      (v128.store offset=16 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $b0)) (f32x4.demote_f64x2_zero (local.get $b1))))
      ;; terminated: x or θ outside the thresholds (false for NaN, as the scalar comparisons)
      (local.set $done (v128.or
        (v128.or (f64x2.lt (local.get $nx) ${k(-X_THRESHOLD)}) (f64x2.gt (local.get $nx) ${k(X_THRESHOLD)}))
        (v128.or (f64x2.lt (local.get $nth) ${k(-THETA_THRESHOLD)}) (f64x2.gt (local.get $nth) ${k(THETA_THRESHOLD)}))))
      ;; reward: 1, or with Sutton–Barto rewards −1 on termination and 0 otherwise
      (local.set $r (select (result v128)
        (v128.bitselect ${k(-1)} ${k(0)} (local.get $done))
        ${k(1)}
        (local.get $sb)))
      (v128.store64_lane 0 (i32.add (local.get $rew) (i32.shl (local.get $i) (i32.const 2))) (f32x4.demote_f64x2_zero (local.get $r)))
      (local.set $p (i32.add (local.get $ret) (i32.shl (local.get $i) (i32.const 3))))
      (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p)) (local.get $r)))
      (local.set $p (i32.add (local.get $elapsed) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $el (i32x4.add (v128.load64_zero (local.get $p)) (i32x4.splat (i32.const 1))))
      (v128.store64_lane 0 (local.get $p) (local.get $el))
      (local.set $tr (i32x4.ge_s (local.get $el) (i32x4.splat (local.get $max))))
      ;; one byte per env: bytes 0-1 terminated, bytes 2-3 truncated
      (local.set $bytes (v128.and
        (i8x16.shuffle 0 8 16 20 0 0 0 0 0 0 0 0 0 0 0 0 (local.get $done) (local.get $tr))
        (i8x16.splat (i32.const 1))))
      (v128.store16_lane 0 (i32.add (local.get $term) (local.get $i)) (local.get $bytes))
      (v128.store16_lane 1 (i32.add (local.get $trunc) (local.get $i)) (local.get $bytes))
      ;; episode ends (terminated or truncated), in env order
      (local.set $e (i32.or (i32x4.extract_lane 0 (local.get $bytes)) (i32.shr_u (i32x4.extract_lane 0 (local.get $bytes)) (i32.const 16))))
      (if (i32.and (local.get $e) (i32.const 0xffff)) (then
        (if (i32.and (local.get $e) (i32.const 1)) (then
          (i32.store (i32.add (local.get $ended) (i32.shl (local.get $cnt) (i32.const 2))) (local.get $i))
          (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))))
        (if (i32.and (i32.and (i32.shr_u (local.get $e) (i32.const 8)) (i32.const 1)) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))) (then
          (i32.store (i32.add (local.get $ended) (i32.shl (local.get $cnt) (i32.const 2))) (i32.add (local.get $i) (i32.const 1)))
          (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $pair)))
    ;; the pad env (odd n) stays at the zero state
    (if (i32.ne (local.get $n) (local.get $npad)) (then
      (local.set $p (i32.add (local.get $state) (i32.shl (local.get $n) (i32.const 5))))
      (v128.store (local.get $p) (v128.const i64x2 0 0))
      (v128.store offset=16 (local.get $p) (v128.const i64x2 0 0))))
    (local.get $cnt))
)
`;
}

/** The module's bytes (needs the `wabt` dev dependency). */
export async function cartpoleWasm() {
  return compileWat((await import('wabt')).default, 'cartpole-kernel.wat', cartpoleWat());
}

const GENERATOR = 'packages/envs/scripts/cartpole-wasm.mjs';

export function renderTs(bytes) {
  return renderBase64Ts({
    generator: GENERATOR,
    description: "The WebAssembly SIMD kernel of CartPoleVecEnv's step",
    constName: 'CARTPOLE_KERNEL_WASM_BASE64',
    bytes,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generatorMain({ out: OUT, ts: renderTs(await cartpoleWasm()), generator: GENERATOR });
}
