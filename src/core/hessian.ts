/**
 * Second-order information at a point, in f64: the Hessian by central finite differences of the
 * analytic gradient, and the eigen-decomposition of a symmetric matrix (cyclic Jacobi). P is at
 * most a few hundred here (one hidden layer; the catalogue, src/core/catalogue.ts), where Jacobi's
 * O(P³) per sweep is milliseconds and its accuracy (eigenvalues to ~1e-15 relative to the largest)
 * is what classifying a degenerate critical point needs.
 */

/** A function's gradient at θ (a fresh array, or one the caller may overwrite). */
export type GradientFn = (theta: Float64Array) => Float64Array;

/**
 * The Hessian restricted to the first `n` coordinates (the free parameters: a fixed output layer's
 * entries are not among them), n×n row-major, by central differences of the gradient with step
 * h_p = step·max(1, |θ_p|), symmetrised. The gradient is analytic, so the error is O(h²) in the
 * third derivatives plus O(ε_f64/h) rounding: step = 1e-5 balances the two at ~1e-10.
 */
export function hessianByDifferences(grad: GradientFn, theta: Float64Array, n: number, step = 1e-5): Float64Array {
  const H = new Float64Array(n * n);
  const x = Float64Array.from(theta);
  for (let p = 0; p < n; p++) {
    const h = step * Math.max(1, Math.abs(theta[p]));
    x[p] = theta[p] + h;
    const gPlus = Float64Array.from(grad(x));
    x[p] = theta[p] - h;
    const gMinus = grad(x);
    x[p] = theta[p];
    for (let q = 0; q < n; q++) H[q * n + p] = (gPlus[q] - gMinus[q]) / (2 * h);
  }
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      const s = 0.5 * (H[p * n + q] + H[q * n + p]);
      H[p * n + q] = s;
      H[q * n + p] = s;
    }
  }
  return H;
}

export interface Eigen {
  /** Ascending. */
  values: Float64Array;
  /** Column k (vectors[p·n + k]) is the unit eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix A (row-major; not modified), by cyclic
 * Jacobi rotations until the off-diagonal mass is below 1e-30 of the total (or 100 sweeps).
 */
export function symmetricEigen(A: Float64Array, n: number): Eigen {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let p = 0; p < n; p++) v[p * n + p] = 1;
  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, Alg. 8.4.1, the smaller angle).
        const tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, k) => k).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = Float64Array.from(order, (k) => a[k * n + k]);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let p = 0; p < n; p++) vectors[p * n + c] = v[p * n + order[c]];
  return { values, vectors };
}

/**
 * QᵀAQ for an n×n symmetric A and the columns of Q (n×k, row-major) spanning a subspace: the
 * Hessian restricted to the directions left after projecting out known exact degeneracies.
 */
export function restrictTo(A: Float64Array, n: number, Q: Float64Array, k: number): Float64Array {
  const AQ = new Float64Array(n * k);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += A[p * n + q] * Q[q * k + c];
      AQ[p * k + c] = s;
    }
  }
  const out = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += Q[p * k + r] * AQ[p * k + c];
      out[r * k + c] = s;
    }
  }
  return out;
}

/**
 * An orthonormal basis (n×(n−r), row-major) of the orthogonal complement of the span of the given
 * directions (each length n; linearly dependent ones are dropped), by Gram–Schmidt on the
 * directions followed by the standard basis.
 */
export function complementBasis(directions: Float64Array[], n: number): { basis: Float64Array; k: number } {
  const kept: Float64Array[] = [];
  const orthonormalise = (x: Float64Array): Float64Array | null => {
    const y = Float64Array.from(x);
    for (let pass = 0; pass < 2; pass++) {
      for (const b of kept) {
        let d = 0;
        for (let p = 0; p < n; p++) d += y[p] * b[p];
        for (let p = 0; p < n; p++) y[p] -= d * b[p];
      }
    }
    let norm = 0;
    for (let p = 0; p < n; p++) norm += y[p] * y[p];
    norm = Math.sqrt(norm);
    if (norm < 1e-10) return null;
    for (let p = 0; p < n; p++) y[p] /= norm;
    return y;
  };
  for (const d of directions) {
    const b = orthonormalise(d);
    if (b) kept.push(b);
  }
  const r = kept.length;
  const cols: Float64Array[] = [];
  for (let e = 0; e < n && kept.length < n; e++) {
    const unit = new Float64Array(n);
    unit[e] = 1;
    const b = orthonormalise(unit);
    if (b) {
      kept.push(b);
      cols.push(b);
    }
  }
  const k = n - r;
  const basis = new Float64Array(n * k);
  for (let c = 0; c < k; c++) for (let p = 0; p < n; p++) basis[p * k + c] = cols[c][p];
  return { basis, k };
}
