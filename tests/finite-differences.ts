/** Finite-difference checks of analytic gradients, shared by the f64 gradient tests. */

/** Central-difference gradient of f at x (x is restored after each coordinate). */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, h: number): Float64Array {
  const g = new Float64Array(x.length);
  for (let p = 0; p < x.length; p++) {
    const keep = x[p];
    x[p] = keep + h;
    const up = f(x);
    x[p] = keep - h;
    const down = f(x);
    x[p] = keep;
    g[p] = (up - down) / (2 * h);
  }
  return g;
}

/** ‖a − b‖ / ‖b‖ (‖b‖ floored at 1e-12). */
export function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}
