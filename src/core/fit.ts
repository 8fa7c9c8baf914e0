/**
 * Ordinary least squares of y = a + b·x, with R², for the growth-law questions of the presets
 * (does a time grow like log(1/ε) or like 1/ε²?): fit each candidate regressor, compare R².
 */
export interface LinearFit {
  intercept: number;
  slope: number;
  /** 1 − SS_res/SS_tot; NaN with fewer than 3 points or a constant y (no question to answer). */
  r2: number;
  n: number;
}

export function linearFit(x: readonly number[], y: readonly number[]): LinearFit {
  const n = Math.min(x.length, y.length);
  if (n < 2) return { intercept: NaN, slope: NaN, r2: NaN, n };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  const intercept = my - slope * mx;
  let res = 0;
  for (let i = 0; i < n; i++) res += (y[i] - intercept - slope * x[i]) ** 2;
  const r2 = n >= 3 && syy > 0 ? 1 - res / syy : NaN;
  return { intercept, slope, r2, n };
}
