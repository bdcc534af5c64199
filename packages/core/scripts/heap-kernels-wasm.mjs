#!/usr/bin/env node
/**
 * Builds tfrl's WebAssembly SIMD kernels that run IN PLACE on the tfjs wasm backend's heap (the
 * module imports that backend's `WebAssembly.Memory`) and writes them, base64, to
 * src/nn/heap-kernels.wasm.ts (committed, so building the package needs no wasm toolchain).
 *
 *   node packages/core/scripts/heap-kernels-wasm.mjs          # regenerate
 *   node packages/core/scripts/heap-kernels-wasm.mjs --check  # exit 1 if the committed file is stale
 *
 * All pointers are byte offsets of float32 arrays in that heap.
 *
 * `act_grad_colsum(dy, y, rows, cols, dz, db, kind)` — the backward of a dense layer's activation
 *   and its bias gradient in one pass: dz = dy ⊙ f'(y) (f' written through the layer's output y)
 *   and db[j] = Σ_i dz[i, j]. kind 0 identity (dz = dy), 1 relu (dz = y > 0 ? dy : 0),
 *   2 tanh (dz = dy·(1 − y²)), 3 sigmoid (dz = dy·(y·(1 − y))). Row-major [rows, cols].
 *   The column sums accumulate row by row in float32, as tfjs's own Sum does.
 *
 * `adam(g, p, pOut, m, mOut, v, vOut, n, scale, l2, decay, c1, c2, stepSize, epsHat)` — Adam on n
 *   parameters in float32: g' = g·scale + l2·p; m' = m + (g' − m)·c1; v' = v + (g'² − v)·c2;
 *   p' = p·decay − stepSize·m' / (√v' + epsHat). Outputs may alias inputs.
 *
 * `sumsq(x, n) -> f64` — Σ x², accumulated in float64 (for global-norm clipping).
 *
 * `transpose(x, rows, cols, out)` — out[j, i] = x[i, j] for a row-major [rows, cols] float32
 *   matrix: 4×4 blocks with byte shuffles where both sizes allow, single elements at the edges.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWat, generatorMain, renderBase64Ts } from '../../../scripts/wasm-embed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, '..', 'src', 'nn', 'heap-kernels.wasm.ts');

/** dz (vector) of 4 lanes from dy and y vectors, per activation kind. */
const vecGrad = {
  0: '(local.get $vdy)',
  1: '(v128.and (local.get $vdy) (f32x4.gt (local.get $vy) (v128.const f32x4 0 0 0 0)))',
  2: '(f32x4.mul (local.get $vdy) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $vy) (local.get $vy))))',
  3: '(f32x4.mul (local.get $vdy) (f32x4.mul (local.get $vy) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $vy))))',
};
const scalGrad = {
  0: '(local.get $sdy)',
  1: '(select (local.get $sdy) (f32.const 0) (f32.gt (local.get $sy) (f32.const 0)))',
  2: '(f32.mul (local.get $sdy) (f32.sub (f32.const 1) (f32.mul (local.get $sy) (local.get $sy))))',
  3: '(f32.mul (local.get $sdy) (f32.mul (local.get $sy) (f32.sub (f32.const 1) (local.get $sy))))',
};

/** One specialised function per activation kind (no branch in the inner loop). */
function actGradFn(kind) {
  return `
  (func $act_grad_colsum_${kind} (param $dy i32) (param $y i32) (param $rows i32) (param $cols i32) (param $dz i32) (param $db i32)
    (local $i i32) (local $j i32) (local $cv i32) (local $off i32) (local $vdy v128) (local $vy v128) (local $vz v128)
    (local $sdy f32) (local $sy f32) (local $sz f32)
    ;; cv = cols rounded down to a multiple of 4
    (local.set $cv (i32.and (local.get $cols) (i32.const -4)))
    ;; db = 0
    (local.set $j (i32.const 0))
    (block $z0 (loop $z
      (br_if $z0 (i32.ge_u (local.get $j) (local.get $cols)))
      (f32.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $z)))
    (local.set $i (i32.const 0))
    (block $r0 (loop $r
      (br_if $r0 (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $v0 (loop $v
        (br_if $v0 (i32.ge_u (local.get $j) (local.get $cv)))
        (local.set $off (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))
        (local.set $vdy (v128.load (i32.add (local.get $dy) (local.get $off))))
        (local.set $vy (v128.load (i32.add (local.get $y) (local.get $off))))
        (local.set $vz ${vecGrad[kind]})
        (v128.store (i32.add (local.get $dz) (local.get $off)) (local.get $vz))
        (v128.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.add (v128.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vz)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $v)))
      (block $s0 (loop $s
        (br_if $s0 (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $off (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))
        (local.set $sdy (f32.load (i32.add (local.get $dy) (local.get $off))))
        (local.set $sy (f32.load (i32.add (local.get $y) (local.get $off))))
        (local.set $sz ${scalGrad[kind]})
        (f32.store (i32.add (local.get $dz) (local.get $off)) (local.get $sz))
        (f32.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))
          (f32.add (f32.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))) (local.get $sz)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $s)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $r))))`;
}

export function heapKernelsWat() {
  return `(module
  (import "env" "memory" (memory 1))
${[0, 1, 2, 3].map(actGradFn).join('\n')}

  (func (export "act_grad_colsum") (param $dy i32) (param $y i32) (param $rows i32) (param $cols i32) (param $dz i32) (param $db i32) (param $kind i32)
    (block $k3 (block $k2 (block $k1 (block $k0
      (br_table $k0 $k1 $k2 $k3 $k0 (local.get $kind)))
      (call $act_grad_colsum_0 (local.get $dy) (local.get $y) (local.get $rows) (local.get $cols) (local.get $dz) (local.get $db))
      (return))
      (call $act_grad_colsum_1 (local.get $dy) (local.get $y) (local.get $rows) (local.get $cols) (local.get $dz) (local.get $db))
      (return))
      (call $act_grad_colsum_2 (local.get $dy) (local.get $y) (local.get $rows) (local.get $cols) (local.get $dz) (local.get $db))
      (return))
    (call $act_grad_colsum_3 (local.get $dy) (local.get $y) (local.get $rows) (local.get $cols) (local.get $dz) (local.get $db)))

  (func (export "sumsq") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $nv i32) (local $acc v128) (local $v v128) (local $s f64) (local $t f64)
    (local.set $nv (i32.and (local.get $n) (i32.const -4)))
    (local.set $acc (v128.const f64x2 0 0))
    (block $v0 (loop $v
      (br_if $v0 (i32.ge_u (local.get $i) (local.get $nv)))
      (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $acc (f64x2.add (local.get $acc)
        (f64x2.add
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (f64x2.promote_low_f32x4 (local.get $v)))
          (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                     (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $v)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (block $s0 (loop $sl
      (br_if $s0 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $t (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $s (f64.add (local.get $s) (f64.mul (local.get $t) (local.get $t))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $sl)))
    (local.get $s))

  (func (export "transpose") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $i i32) (local $j i32) (local $r4 i32) (local $c4 i32) (local $src i32) (local $dst i32) (local $rs i32) (local $cs i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    ;; row strides in bytes
    (local.set $cs (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $rs (i32.shl (local.get $rows) (i32.const 2)))
    ;; 4x4 blocks
    (local.set $i (i32.const 0))
    (block $bi0 (loop $bi
      (br_if $bi0 (i32.ge_u (local.get $i) (local.get $r4)))
      (local.set $j (i32.const 0))
      (block $bj0 (loop $bj
        (br_if $bj0 (i32.ge_u (local.get $j) (local.get $c4)))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
        (local.set $a (v128.load (local.get $src)))
        (local.set $b (v128.load (i32.add (local.get $src) (local.get $cs))))
        (local.set $c (v128.load (i32.add (local.get $src) (i32.shl (local.get $cs) (i32.const 1)))))
        (local.set $d (v128.load (i32.add (local.get $src) (i32.mul (local.get $cs) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
        (local.set $dst (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (local.get $rs)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $rs) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $rs) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $bj)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $bi)))
    ;; right edge: columns c4.. of rows 0..r4; bottom edge: rows r4.., every column
    (call $transpose_scalar (local.get $x) (local.get $rows) (local.get $cols) (local.get $out) (i32.const 0) (local.get $r4) (local.get $c4))
    (call $transpose_scalar (local.get $x) (local.get $rows) (local.get $cols) (local.get $out) (local.get $r4) (local.get $rows) (i32.const 0)))

  ;; out[j, i] = x[i, j] for i in [i0, i1), j in [j0, cols)
  (func $transpose_scalar (param $x i32) (param $rows i32) (param $cols i32) (param $out i32) (param $i0 i32) (param $i1 i32) (param $j0 i32)
    (local $i i32) (local $j i32)
    (local.set $i (local.get $i0))
    (block $ei0 (loop $ei
      (br_if $ei0 (i32.ge_u (local.get $i) (local.get $i1)))
      (local.set $j (local.get $j0))
      (block $ej0 (loop $ej
        (br_if $ej0 (i32.ge_u (local.get $j) (local.get $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2)))
          (f32.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $ej)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $ei))))

  (func (export "adam") (param $g i32) (param $p i32) (param $po i32) (param $m i32) (param $mo i32) (param $v i32) (param $vo i32) (param $n i32)
    (param $scale f32) (param $l2 f32) (param $decay f32) (param $c1 f32) (param $c2 f32) (param $step f32) (param $eps f32)
    (local $i i32) (local $nv i32) (local $off i32)
    (local $vg v128) (local $vp v128) (local $vm v128) (local $vv v128)
    (local $kscale v128) (local $kl2 v128) (local $kdecay v128) (local $kc1 v128) (local $kc2 v128) (local $kstep v128) (local $keps v128)
    (local $sg f32) (local $sp f32) (local $sm f32) (local $sv f32)
    (local.set $nv (i32.and (local.get $n) (i32.const -4)))
    (local.set $kscale (f32x4.splat (local.get $scale)))
    (local.set $kl2 (f32x4.splat (local.get $l2)))
    (local.set $kdecay (f32x4.splat (local.get $decay)))
    (local.set $kc1 (f32x4.splat (local.get $c1)))
    (local.set $kc2 (f32x4.splat (local.get $c2)))
    (local.set $kstep (f32x4.splat (local.get $step)))
    (local.set $keps (f32x4.splat (local.get $eps)))
    (block $v0 (loop $lv
      (br_if $v0 (i32.ge_u (local.get $i) (local.get $nv)))
      (local.set $off (i32.shl (local.get $i) (i32.const 2)))
      (local.set $vp (v128.load (i32.add (local.get $p) (local.get $off))))
      (local.set $vg (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $off))) (local.get $kscale))
                                (f32x4.mul (local.get $kl2) (local.get $vp))))
      (local.set $vm (v128.load (i32.add (local.get $m) (local.get $off))))
      (local.set $vm (f32x4.add (local.get $vm) (f32x4.mul (f32x4.sub (local.get $vg) (local.get $vm)) (local.get $kc1))))
      (local.set $vv (v128.load (i32.add (local.get $v) (local.get $off))))
      (local.set $vv (f32x4.add (local.get $vv) (f32x4.mul (f32x4.sub (f32x4.mul (local.get $vg) (local.get $vg)) (local.get $vv)) (local.get $kc2))))
      (v128.store (i32.add (local.get $mo) (local.get $off)) (local.get $vm))
      (v128.store (i32.add (local.get $vo) (local.get $off)) (local.get $vv))
      (v128.store (i32.add (local.get $po) (local.get $off))
        (f32x4.sub (f32x4.mul (local.get $vp) (local.get $kdecay))
                   (f32x4.div (f32x4.mul (local.get $kstep) (local.get $vm)) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $keps)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $lv)))
    (block $s0 (loop $ls
      (br_if $s0 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $off (i32.shl (local.get $i) (i32.const 2)))
      (local.set $sp (f32.load (i32.add (local.get $p) (local.get $off))))
      (local.set $sg (f32.add (f32.mul (f32.load (i32.add (local.get $g) (local.get $off))) (local.get $scale)) (f32.mul (local.get $l2) (local.get $sp))))
      (local.set $sm (f32.load (i32.add (local.get $m) (local.get $off))))
      (local.set $sm (f32.add (local.get $sm) (f32.mul (f32.sub (local.get $sg) (local.get $sm)) (local.get $c1))))
      (local.set $sv (f32.load (i32.add (local.get $v) (local.get $off))))
      (local.set $sv (f32.add (local.get $sv) (f32.mul (f32.sub (f32.mul (local.get $sg) (local.get $sg)) (local.get $sv)) (local.get $c2))))
      (f32.store (i32.add (local.get $mo) (local.get $off)) (local.get $sm))
      (f32.store (i32.add (local.get $vo) (local.get $off)) (local.get $sv))
      (f32.store (i32.add (local.get $po) (local.get $off))
        (f32.sub (f32.mul (local.get $sp) (local.get $decay))
                 (f32.div (f32.mul (local.get $step) (local.get $sm)) (f32.add (f32.sqrt (local.get $sv)) (local.get $eps)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $ls))))
)
`;
}

/** The module's bytes (needs the `wabt` dev dependency). */
export async function heapKernelsWasm() {
  return compileWat((await import('wabt')).default, 'heap-kernels.wat', heapKernelsWat());
}

const GENERATOR = 'packages/core/scripts/heap-kernels-wasm.mjs';

export function renderTs(bytes) {
  return renderBase64Ts({ generator: GENERATOR, description: "WebAssembly SIMD kernels on the tfjs wasm backend's heap", constName: 'HEAP_KERNELS_WASM_BASE64', bytes });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generatorMain({ out: OUT, ts: renderTs(await heapKernelsWasm()), generator: GENERATOR });
}
