/**
 * Non-orthogonal joint diagonalisation of N symmetric n×n matrices Cₜ ≈ A Dₜ Aᵀ (Dₜ diagonal, A
 * square and invertible but not orthogonal) by Afsari's QR-based Jacobi-like algorithm, QRJ1D
 * ("Simple LU and QR based non-orthogonal matrix joint diagonalization", ICA 2006) — the routine
 * Kuleshov, Chaganty & Liang's `no_tenfact` calls, and so the one Zhong et al. ran. Written from
 * the algorithm as the reference Matlab (kuleshov/tensor-factorization, bin/qrj1d.m) carries it
 * out, with its defaults; f64, pure, deterministic (no randomness is needed).
 *
 * It seeks B with B Cₜ Bᵀ as diagonal as possible in the sense of
 *   J₁(B) = Σₜ ‖B Cₜ Bᵀ − diag(B Cₜ Bᵀ)‖²_F,
 * writing B as a product of a lower-triangular unit factor L and an orthogonal factor U, both
 * built from elementary steps so that no step needs a matrix inverse:
 *  - U phase: a Givens rotation per pair (j < i), with the angle that minimises the (j, i)
 *    off-diagonal entries of all N matrices at once in least squares (the 2×2 eigenproblem below);
 *  - L phase: a row/column shear E = I + a·e_j e_iᵀ per pair (i < j), with the a that minimises
 *    row j's off-diagonal energy given row i; |a| ≤ 1 as in the reference, which keeps L
 *    well conditioned when row i is nearly zero.
 * B ← L U B after each sweep. Every `balancePeriod` sweeps the rows are rescaled to equal ℓ₁ mass
 * (B ← D B): without it B's rows drift in scale (J₁ is not scale invariant) and the shears' ratios
 * lose precision. When Cₜ = A Dₜ Aᵀ exactly and the Dₜ separate the columns, B → P Λ A⁻¹ (a
 * permutation and scaling), so the columns of B⁻¹ are A's columns up to scale and order.
 */

export interface JointDiagonalisationOptions {
  /**
   * Stop when a sweep changes B by less than this: max |(L U − I)ₐᵦ| ≤ tolerance · n (the
   * reference's 'B' mode scales it by n). The reference's default is 1e-4.
   */
  tolerance?: number;
  /** Sweeps at most (reference: 200); the result after the last is returned either way. */
  maxSweeps?: number;
  /** Row balancing every this many sweeps (reference: 3); 0 = never. */
  balancePeriod?: number;
}

export interface JointDiagonalisation {
  /** The diagonaliser B, n×n row-major: B Cₜ Bᵀ ≈ diagonal. */
  B: Float64Array;
  /** B Cₜ Bᵀ for each t, n×n row-major (nearly diagonal). */
  diagonalised: Float64Array[];
  /** Sweeps run. */
  sweeps: number;
  /** Whether the stopping rule fired before maxSweeps. */
  converged: boolean;
  /** Σₜ‖off-diag(B Cₜ Bᵀ)‖²_F / Σₜ‖B Cₜ Bᵀ‖²_F: how far from jointly diagonal the set is left. */
  offDiagonal: number;
}

/** QRJ1D: a joint non-orthogonal diagonaliser of the symmetric matrices `matrices` (each n×n row-major). */
export function qrj1d(matrices: readonly Float64Array[], n: number, options: JointDiagonalisationOptions = {}): JointDiagonalisation {
  const tolerance = (options.tolerance ?? 1e-4) * n;
  const maxSweeps = options.maxSweeps ?? 200;
  const balancePeriod = options.balancePeriod ?? 3;
  const N = matrices.length;
  if (N === 0) throw new RangeError('joint diagonalisation needs at least one matrix');
  for (const M of matrices) if (M.length !== n * n) throw new RangeError(`each matrix must be ${n}×${n} (got ${M.length} entries)`);
  const nn = n * n;
  // All matrices side by side, X[t·n² + r·n + c], transformed in place as X_t ← E X_t Eᵀ.
  const X = new Float64Array(N * nn);
  matrices.forEach((M, t) => X.set(M, t * nn));
  const B = identity(n);
  const L = new Float64Array(nn);
  const U = new Float64Array(nn);
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps) {
    sweeps++;
    L.set(identity(n));
    U.set(identity(n));
    // U phase: rotate rows/columns (j, i) of every matrix by the angle θ that makes the (j, i)
    // entries smallest in least squares. After the rotation the (j, i) entry of matrix t is
    // ½ sin2θ (aₜ − eₜ) + cos2θ bₜ (aₜ = X(j,j), eₜ = X(i,i), bₜ = X(i,j)), i.e.
    // ½ (sin2θ, −cos2θ)·gₜ with gₜ = (aₜ − eₜ, −2bₜ); Σₜ of its square is least when
    // (cos2θ, sin2θ) is the principal eigenvector of G = Σₜ gₜgₜᵀ, whose angle is
    // φ = ½ atan2(2G₁₂, G₁₁ − G₂₂) — closed form for the reference's SVD of a 2×2 matrix.
    for (let i = 1; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let g11 = 0, g12 = 0, g22 = 0;
        for (let t = 0; t < N; t++) {
          const o = t * nn;
          const u = X[o + j * n + j] - X[o + i * n + i];
          const w = -2 * X[o + i * n + j];
          g11 += u * u;
          g12 += u * w;
          g22 += w * w;
        }
        const theta = 0.25 * Math.atan2(2 * g12, g11 - g22);
        const c = Math.cos(theta);
        const s = Math.sin(theta);
        if (s === 0) continue;
        for (let t = 0; t < N; t++) {
          const o = t * nn;
          for (let r = 0; r < n; r++) {
            // columns: col_j ← c·col_j − s·col_i, col_i ← c·col_i + s·col_j
            const xj = X[o + r * n + j];
            const xi = X[o + r * n + i];
            X[o + r * n + j] = c * xj - s * xi;
            X[o + r * n + i] = c * xi + s * xj;
          }
          rotateRows(X, o, n, j, i, c, s);
        }
        rotateRows(U, 0, n, j, i, c, s);
      }
    }
    // L phase: shear row j by row i (and column j by column i) with the a that minimises
    // Σ_{t, c ≠ j} (X_t(j,c) + a X_t(i,c))², the off-diagonal energy of row j.
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let num = 0;
        let den = 0;
        for (let t = 0; t < N; t++) {
          const o = t * nn;
          for (let c = 0; c < n; c++) {
            if (c === j) continue;
            num += X[o + i * n + c] * X[o + j * n + c];
            den += X[o + i * n + c] ** 2;
          }
        }
        if (!(den > 0)) continue;
        let a = -num / den;
        if (Math.abs(a) > 1) a = Math.sign(a);
        if (a === 0) continue;
        for (let t = 0; t < N; t++) {
          const o = t * nn;
          for (let c = 0; c < n; c++) X[o + j * n + c] += a * X[o + i * n + c];
          for (let r = 0; r < n; r++) X[o + r * n + j] += a * X[o + r * n + i];
        }
        for (let c = 0; c < n; c++) L[j * n + c] += a * L[i * n + c];
      }
    }
    const LU = multiply(L, U, n);
    B.set(multiply(LU, B, n));
    let change = 0;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) change = Math.max(change, Math.abs(LU[r * n + c] - (r === c ? 1 : 0)));
    if (balancePeriod > 0 && sweeps % balancePeriod === 0) {
      // Row r's ℓ₁ mass over all matrices → N (the reference's D = diag(N / dᵣ)).
      const D = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let t = 0; t < N; t++) for (let c = 0; c < n; c++) s += Math.abs(X[t * nn + r * n + c]);
        D[r] = s > 0 ? N / s : 1;
      }
      for (let t = 0; t < N; t++) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) X[t * nn + r * n + c] *= D[r] * D[c];
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) B[r * n + c] *= D[r];
    }
    // The reference tests after balancing, with the change of the sweep's L U.
    if (!(change > tolerance)) {
      converged = change <= tolerance;
      break;
    }
  }
  // The diagonalised set and J₁ recomputed from B and the inputs (not the running X), so the
  // reported products are exactly B Cₜ Bᵀ whatever rounding the sweeps accumulated.
  const diagonalised = matrices.map((M) => {
    const BM = multiply(B, M, n);
    const out = new Float64Array(nn);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += BM[r * n + q] * B[c * n + q];
      out[r * n + c] = s;
    }
    return out;
  });
  // J₁ itself depends on the arbitrary scale of B's rows; the off-diagonal share does not.
  let off = 0;
  let all = 0;
  for (const Y of diagonalised) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    const y2 = Y[r * n + c] ** 2;
    all += y2;
    if (r !== c) off += y2;
  }
  return { B, diagonalised, sweeps, converged, offDiagonal: all > 0 ? off / all : 0 };
}

/** rows j, i of an n×n block at offset o: row_j ← c·row_j − s·row_i, row_i ← s·row_j + c·row_i. */
function rotateRows(X: Float64Array, o: number, n: number, j: number, i: number, c: number, s: number): void {
  for (let q = 0; q < n; q++) {
    const xj = X[o + j * n + q];
    const xi = X[o + i * n + q];
    X[o + j * n + q] = c * xj - s * xi;
    X[o + i * n + q] = s * xj + c * xi;
  }
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let r = 0; r < n; r++) I[r * n + r] = 1;
  return I;
}

function multiply(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) {
    const a = A[r * n + q];
    if (a === 0) continue;
    for (let c = 0; c < n; c++) C[r * n + c] += a * B[q * n + c];
  }
  return C;
}
