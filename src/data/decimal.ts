/**
 * Plain decimal notation, the one number syntax of every text input (CLI flags, URL parameters,
 * form fields, CSV cells): "25", "-0.5", ".5", "1e6". Number() alone would also read "0x10" as
 * 16, "0b11", "0o7", "Infinity" and "" as 0, which nobody writing a number means.
 */
export const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a plain decimal (surrounding blanks allowed), or NaN for anything else. */
export const parseDecimal = (s: string): number => (DECIMAL.test(s.trim()) ? Number(s.trim()) : NaN);

/**
 * A number's text that parseDecimal reads back to the same f64: the shortest round-trip form
 * (String), keeping the sign of −0 (which String drops).
 */
export const decimalText = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));
