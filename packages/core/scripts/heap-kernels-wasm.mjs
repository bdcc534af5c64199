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
 *
 * `gemm(a, ars, acs, b, c, R, Q, N, bias, brow, act)` — c[r, j] = f(Σ_q A(r, q)·b[q, j] + bias[j])
 *   for a row-major b [Q, N] and c [R, N], where A(r, q) is the float32 at a + 4·(r·ars + q·acs):
 *   (ars, acs) = (Q, 1) reads a row-major a [R, Q], (1, R) reads aᵀ of a row-major a [Q, R]. bias < 0
 *   means none; brow ≠ 0 adds bias[r] (one per row) instead of bias[j]. act: 0 identity, 1 relu, 2 tanh, 3 sigmoid (tanh and sigmoid through a float32
 *   exp: range reduction by ln 2 and a degree-6 polynomial, about 1 ulp). Tiles of 4 rows × 8, 4
 *   or 1 columns (then single rows) with the sums in registers; each sum runs over q in order in
 *   float32, as a plain matrix product does. For the small products of small networks, where
 *   XNNPACK's per-call set-up and weight packing cost more than the arithmetic.
 *
 * A second module, written to the same file (HEAP_KERNELS_FMA_WASM_BASE64), holds `gemm` again
 * with every multiply-add one `f32x4.relaxed_madd` (WebAssembly relaxed SIMD: a fused
 * multiply-add, one rounding, where the CPU has FMA) and taller tiles: exports `gemm` (bands of 6
 * rows) and `gemm_r4` (bands of 4, for V8 before 13.6; see gemmWat), same signature, same bits as
 * each other. Each sum still runs over q in order, so it differs from the plain kernel only by
 * the roundings FMA saves. It needs an engine with relaxed SIMD (wabt's relaxed_simd feature to
 * assemble); src/nn/heap-kernels.ts picks it by feature detection and falls back to the plain one.
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

/**
 * The two widths every kernel loops in: 4 float32 lanes while at least 4 elements remain, then
 * single elements. `p` prefixes the loop's locals, `k(name)` is a per-call constant at that width
 * (a splat local for vectors, the parameter itself for scalars).
 */
const VEC = { w: 4, ld: 'v128.load', st: 'v128.store', op: (o) => `f32x4.${o}`, p: 'v', grad: vecGrad, k: (n) => `$k${n}` };
const SCALAR = { w: 1, ld: 'f32.load', st: 'f32.store', op: (o) => `f32.${o}`, p: 's', grad: scalGrad, k: (n) => `$${n}` };

/** act_grad_colsum's inner loop over the columns of row $i at one width (vector part up to $cv). */
function colLoop(L, kind) {
  const end = L.w === 4 ? '$cv' : '$cols';
  const at = (base) => `(i32.add (local.get ${base}) (local.get $off))`;
  const dbAt = '(i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))';
  return `      (block $${L.p}0 (loop $${L.p}
        (br_if $${L.p}0 (i32.ge_u (local.get $j) (local.get ${end})))
        (local.set $off (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))
        (local.set $${L.p}dy (${L.ld} ${at('$dy')}))
        (local.set $${L.p}y (${L.ld} ${at('$y')}))
        (local.set $${L.p}z ${L.grad[kind]})
        (${L.st} ${at('$dz')} (local.get $${L.p}z))
        (${L.st} ${dbAt} (${L.op('add')} (${L.ld} ${dbAt}) (local.get $${L.p}z)))
        (local.set $j (i32.add (local.get $j) (i32.const ${L.w})))
        (br $${L.p})))`;
}

/** adam's loop over [$i, end) at one width, using $off and the g, p, m, v locals of that width. */
function adamLoop(L) {
  const end = L.w === 4 ? '$nv' : '$n';
  const o = L.op;
  const at = (base) => `(i32.add (local.get ${base}) (local.get $off))`;
  const l = (n) => `(local.get $${L.p}${n})`;
  const k = (n) => `(local.get ${L.k(n)})`;
  return `    (block $${L.p}0 (loop $l${L.p}
      (br_if $${L.p}0 (i32.ge_u (local.get $i) (local.get ${end})))
      (local.set $off (i32.shl (local.get $i) (i32.const 2)))
      (local.set $${L.p}p (${L.ld} ${at('$p')}))
      (local.set $${L.p}g (${o('add')} (${o('mul')} (${L.ld} ${at('$g')}) ${k('scale')}) (${o('mul')} ${k('l2')} ${l('p')})))
      (local.set $${L.p}m (${L.ld} ${at('$m')}))
      (local.set $${L.p}m (${o('add')} ${l('m')} (${o('mul')} (${o('sub')} ${l('g')} ${l('m')}) ${k('c1')})))
      (local.set $${L.p}v (${L.ld} ${at('$v')}))
      (local.set $${L.p}v (${o('add')} ${l('v')} (${o('mul')} (${o('sub')} (${o('mul')} ${l('g')} ${l('g')}) ${l('v')}) ${k('c2')})))
      (${L.st} ${at('$mo')} ${l('m')})
      (${L.st} ${at('$vo')} ${l('v')})
      (${L.st} ${at('$po')}
        (${o('sub')} (${o('mul')} ${l('p')} ${k('decay')})
                   (${o('div')} (${o('mul')} ${k('step')} ${l('m')}) (${o('add')} (${o('sqrt')} ${l('v')}) ${k('eps')}))))
      (local.set $i (i32.add (local.get $i) (i32.const ${L.w})))
      (br $l${L.p})))`;
}

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
${colLoop(VEC, kind)}
${colLoop(SCALAR, kind)}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $r))))`;
}

/** Activation of a vector of pre-activations `$z`, by `$act` (see gemm). */
const ACT_V = `
  ;; e^x for 4 float32 lanes, x clamped to [-87, 88] (Cephes' expf: x = n·ln2 + r, |r| <= ln2/2)
  (func $vexp (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $y v128)
    (local.set $x (f32x4.max (f32x4.min (local.get $x) (v128.const f32x4 88 88 88 88)) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $n (f32x4.floor (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 0.5 0.5 0.5 0.5))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
${['1.3981999507e-3', '8.3334519073e-3', '4.1665795894e-2', '1.6666665459e-1', '5.0000001201e-1']
  .map((c) => `    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 ${c} ${c} ${c} ${c})))`)
  .join('\n')}
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  (func $vact (param $z v128) (param $act i32) (result v128)
    (block $a3 (block $a2 (block $a1 (block $a0
      (br_table $a0 $a1 $a2 $a3 $a0 (local.get $act)))
      (return (local.get $z)))
      (return (f32x4.max (local.get $z) (v128.const f32x4 0 0 0 0))))
      ;; tanh z = 1 − 2 / (e^{2z} + 1)
      (return (f32x4.sub (v128.const f32x4 1 1 1 1)
        (f32x4.div (v128.const f32x4 2 2 2 2) (f32x4.add (call $vexp (f32x4.add (local.get $z) (local.get $z))) (v128.const f32x4 1 1 1 1))))))
    ;; sigmoid z = 1 / (1 + e^{−z})
    (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (call $vexp (f32x4.neg (local.get $z))) (v128.const f32x4 1 1 1 1))))`;

/**
 * gemm's tile of TR (1 to 6) rows × TC (8, 4 or 1) columns at (r0, j0): the TR·TC sums in locals
 * over q, then bias, activation and store. TC 8 and 4 hold vectors, TC 1 scalars — except with
 * `fma`, where the single column is a vector too (every lane the same sum, lane 0 stored), so
 * that every sum of the FMA module is a chain of relaxed_madd.
 */
function gemmTile(TR, TC, fma) {
  const nv = TC === 1 ? 1 : TC / 4; // accumulators per row
  const splat1 = fma && TC === 1; // the single column in vector registers
  const ty = TC === 1 && !splat1 ? 'f32' : 'v128';
  const rows = [...Array(TR).keys()];
  const vecs = [...Array(nv).keys()];
  const acc = (i, v) => `$c${i}_${v}`;
  const locals = [
    ...rows.flatMap((i) => vecs.map((v) => `(local ${acc(i, v)} ${ty})`)),
    ...vecs.map((v) => `(local $b${v} ${ty})`),
    ...rows.map((i) => `(local $x${i} ${ty})`),
  ].join(' ');
  // A(r0 + i, q) sits at $pa + i·$ars4
  const aAt = (i) => (i === 0 ? '(local.get $pa)' : `(i32.add (local.get $pa) (local.get $ars4_${i}))`);
  const loadA = (i) => (ty === 'f32' ? `(f32.load ${aAt(i)})` : `(v128.load32_splat ${aAt(i)})`);
  const loadB = (v) =>
    ty === 'f32'
      ? '(f32.load (local.get $pb))'
      : splat1
        ? '(v128.load32_splat (local.get $pb))'
        : `(v128.load offset=${16 * v} (local.get $pb))`;
  const add = ty === 'f32' ? 'f32.add' : 'f32x4.add';
  const mul = ty === 'f32' ? 'f32.mul' : 'f32x4.mul';
  const zero = ty === 'f32' ? '(f32.const 0)' : '(v128.const f32x4 0 0 0 0)';
  // c + x·b: with `fma` one relaxed_madd (a single rounding where the CPU has FMA)
  const madd = (x, b, c) => (fma ? `(f32x4.relaxed_madd ${x} ${b} ${c})` : `(${add} ${c} (${mul} ${x} ${b}))`);
  const maddRow = (i) =>
    vecs.map((v) => `      (local.set ${acc(i, v)} ${madd(`(local.get $x${i})`, `(local.get $b${v})`, `(local.get ${acc(i, v)})`)})`);
  // the inner loop's body after the loads of b: all of A's rows, then the sums (mul + add), or
  // row by row (fma: 12 accumulators leave registers for one row of A at a time, not six)
  const plainRows = [...rows.map((i) => `      (local.set $x${i} ${loadA(i)})`), ...rows.flatMap(maddRow)].join('\n');
  const fmaRows = rows.flatMap((i) => [`      (local.set $x${i} ${loadA(i)})`, ...maddRow(i)]).join('\n');
  const out = (i) => `(i32.add (local.get $pc) (i32.mul (local.get $n4) (i32.const ${i})))`;
  // after the loop: bias, activation (scalars go through lane 0 of the vector activation), store
  const finish = (i, v) => {
    const z = splat1 ? `(f32x4.extract_lane 0 (local.get ${acc(i, v)}))` : `(local.get ${acc(i, v)})`;
    if (TC === 1) {
      return `      (f32.store ${out(i)} (f32x4.extract_lane 0 (call $vact (f32x4.splat (f32.add (f32.add ${z} (local.get $bs)) (f32x4.extract_lane 0 (local.get $br${i})))) (local.get $act))))`;
    }
    return `      (v128.store offset=${16 * v} ${out(i)} (call $vact (f32x4.add (f32x4.add ${z} (local.get $bv${v})) (local.get $br${i})) (local.get $act)))`;
  };
  return `
  (func $gemm_${TR}x${TC} (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $c i32) (param $Q i32) (param $N i32)
    (param $bias i32) (param $brow i32) (param $act i32) (param $r0 i32) (param $j0 i32)
    (local $q i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $acs4 i32) (local $n4 i32)
    (local $ars4_1 i32) (local $ars4_2 i32) (local $ars4_3 i32) (local $bv0 v128) (local $bv1 v128) (local $bs f32)
    ${rows.map((i) => `(local $br${i} v128)`).join(' ')}${rows
      .slice(4)
      .map((i) => ` (local $ars4_${i} i32)`)
      .join('')}
    ${locals}
    (local.set $acs4 (i32.shl (local.get $acs) (i32.const 2)))
    (local.set $n4 (i32.shl (local.get $N) (i32.const 2)))
    (local.set $ars4_1 (i32.shl (local.get $ars) (i32.const 2)))
    (local.set $ars4_2 (i32.shl (local.get $ars) (i32.const 3)))
    (local.set $ars4_3 (i32.mul (local.get $ars4_1) (i32.const 3)))
${rows
  .slice(4)
  .map((i) => `    (local.set $ars4_${i} (i32.mul (local.get $ars4_1) (i32.const ${i})))\n`)
  .join('')}    (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r0) (local.get $ars)) (i32.const 2))))
    (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j0) (i32.const 2))))
${rows.flatMap((i) => vecs.map((v) => `    (local.set ${acc(i, v)} ${zero})`)).join('\n')}
    (block $q0 (loop $ql
      (br_if $q0 (i32.ge_u (local.get $q) (local.get $Q)))
${vecs.map((v) => `      (local.set $b${v} ${loadB(v)})`).join('\n')}
${fma ? fmaRows : plainRows}
      (local.set $pa (i32.add (local.get $pa) (local.get $acs4)))
      (local.set $pb (i32.add (local.get $pb) (local.get $n4)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $ql)))
    ;; bias (zero when $bias < 0): one per row ($br*, splat) or one per column ($bv* / $bs)
    (if (i32.ge_s (local.get $bias) (i32.const 0)) (then
      (if (local.get $brow) (then
${rows.map((i) => `        (local.set $br${i} (v128.load32_splat (i32.add (local.get $bias) (i32.shl (i32.add (local.get $r0) (i32.const ${i})) (i32.const 2)))))`).join('\n')})
      (else
${
  TC === 1
    ? '        (local.set $bs (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j0) (i32.const 2)))))'
    : vecs
        .map(
          (v) =>
            `        (local.set $bv${v} (v128.load offset=${16 * v} (i32.add (local.get $bias) (i32.shl (local.get $j0) (i32.const 2)))))`,
        )
        .join('\n')
}))))
    (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $r0) (local.get $N)) (local.get $j0)) (i32.const 2))))
${rows.flatMap((i) => vecs.map((v) => finish(i, v))).join('\n')})`;
}

/** gemm's columns for one band of TR rows starting at $r. */
function gemmCols(TR) {
  const call = (TC) =>
    `(call $gemm_${TR}x${TC} (local.get $a) (local.get $ars) (local.get $acs) (local.get $b) (local.get $c) (local.get $Q) (local.get $N) (local.get $bias) (local.get $brow) (local.get $act) (local.get $r) (local.get $j))`;
  return `      (local.set $j (i32.const 0))
      (block $w8_${TR} (loop $l8_${TR}
        (br_if $w8_${TR} (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
        ${call(8)}
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $l8_${TR})))
      (if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)) (then
        ${call(4)}
        (local.set $j (i32.add (local.get $j) (i32.const 4)))))
      (block $w1_${TR} (loop $l1_${TR}
        (br_if $w1_${TR} (i32.ge_u (local.get $j) (local.get $N)))
        ${call(1)}
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l1_${TR})))`;
}

/** gemm's loop over the bands of TR rows (while TR rows remain) from $r. */
function gemmBand(TR) {
  const more =
    TR === 1 ? '(i32.ge_u (local.get $r) (local.get $R))' : `(i32.gt_u (i32.add (local.get $r) (i32.const ${TR})) (local.get $R))`;
  return `    (block $r${TR}0 (loop $r${TR}
      (br_if $r${TR}0 ${more})
${gemmCols(TR)}
      (local.set $r (i32.add (local.get $r) (i32.const ${TR})))
      (br $r${TR})))`;
}

/** A gemm export named `name` that walks the rows in `bands` (largest first, ending with 1). */
const gemmExport = (name, bands) => `
  (func (export "${name}") (param $a i32) (param $ars i32) (param $acs i32) (param $b i32) (param $c i32) (param $R i32) (param $Q i32) (param $N i32)
    (param $bias i32) (param $brow i32) (param $act i32)
    (local $r i32) (local $j i32)
${bands.map(gemmBand).join('\n')})`;

/**
 * The gemm export and its helpers. Rows go in bands of 4, then single rows. With `fma` (the second
 * module: every multiply-add one f32x4.relaxed_madd) two exports: `gemm` in bands of 6, then 4, 2
 * and 1 — 6 rows × 8 columns are 12 accumulators, which the FMA's throughput needs and 15 xmm
 * registers still hold if each row of A is loaded just before its FMAs; measured at 256³ ≈ 56
 * against ≈ 43 GFLOP/s for 4 rows on Node 24 (V8 13.6) — and `gemm_r4` in bands of 4, 2 and 1,
 * for older V8 (Node 20 to 23: V8 11.3 to 12.9), whose scheduler hoists all six loads of A ahead
 * of the FMAs and spills accumulators (6 rows ≈ 33, 4 rows ≈ 43 GFLOP/s there). mul + add gains
 * nothing from 6 rows. The order of each sum over q does not depend on the tile, so both exports
 * give the same bits.
 */
const gemmWat = (fma) => {
  const bands = fma ? [6, 4, 2, 1] : [4, 1];
  return `${ACT_V}
${bands.flatMap((TR) => [8, 4, 1].map((TC) => gemmTile(TR, TC, fma))).join('\n')}
${gemmExport('gemm', bands)}${fma ? `\n${gemmExport('gemm_r4', [4, 2, 1])}` : ''}`;
};

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
${adamLoop(VEC)}
${adamLoop(SCALAR)})
${gemmWat(false)}
)
`;
}

/**
 * The second module: only gemm (same signature, same results up to rounding), every multiply-add
 * one `f32x4.relaxed_madd`, in the single-column edge tiles too; exported as `gemm` (6-row bands)
 * and `gemm_r4` (4-row bands). Needs relaxed SIMD; heap-kernels.ts picks it by feature detection.
 */
export function heapKernelsFmaWat() {
  return `(module
  (import "env" "memory" (memory 1))
${gemmWat(true)}
)
`;
}

/** The module's bytes (needs the `wabt` dev dependency). */
export async function heapKernelsWasm() {
  return compileWat((await import('wabt')).default, 'heap-kernels.wat', heapKernelsWat());
}

/** The FMA module's bytes. */
export async function heapKernelsFmaWasm() {
  return compileWat((await import('wabt')).default, 'heap-kernels-fma.wat', heapKernelsFmaWat(), { relaxedSimd: true });
}

const GENERATOR = 'packages/core/scripts/heap-kernels-wasm.mjs';

export function renderTs(bytes, fmaBytes) {
  return renderBase64Ts({
    generator: GENERATOR,
    description: "WebAssembly SIMD kernels on the tfjs wasm backend's heap",
    constName: 'HEAP_KERNELS_WASM_BASE64',
    bytes,
    more: [
      {
        description: 'The FMA gemm (WebAssembly relaxed SIMD: f32x4.relaxed_madd) on the same heap',
        constName: 'HEAP_KERNELS_FMA_WASM_BASE64',
        bytes: fmaBytes,
      },
    ],
  });
}

/** The whole generated file (both modules). */
export async function heapKernelsTs() {
  return renderTs(await heapKernelsWasm(), await heapKernelsFmaWasm());
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generatorMain({ out: OUT, ts: await heapKernelsTs(), generator: GENERATOR });
}
