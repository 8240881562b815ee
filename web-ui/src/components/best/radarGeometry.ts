/** Geometry of the health radar chart: axis angles, value points and label placement. */

export interface Point {
  x: number;
  y: number;
}

export type TextAnchor = "start" | "middle" | "end";

/** Angle of axis `index` of `count`, in radians: the first axis points straight up and the
 * rest follow clockwise (SVG's y axis points down, so clockwise is increasing angle). */
export function axisAngle(index: number, count: number): number {
  return -Math.PI / 2 + (2 * Math.PI * index) / count;
}

export function polarPoint(center: Point, radius: number, angle: number): Point {
  return { x: center.x + radius * Math.cos(angle), y: center.y + radius * Math.sin(angle) };
}

/** A 0-1 score clamped into range; a missing score sits at the centre (its axis is marked
 * "not measured" elsewhere, so the polygon stays closed without inventing a value). */
export function radarRadius(value: number | null, radius: number): number {
  if (value === null || !Number.isFinite(value)) return 0;
  return radius * Math.min(Math.max(value, 0), 1);
}

/** The vertices of the value polygon, one per axis, in axis order. */
export function radarPolygon(values: (number | null)[], center: Point, radius: number): Point[] {
  return values.map((value, index) =>
    polarPoint(center, radarRadius(value, radius), axisAngle(index, values.length)),
  );
}

/** A regular polygon at `fraction` of the radius: one grid ring. */
export function gridRing(count: number, center: Point, radius: number, fraction: number): Point[] {
  return Array.from({ length: count }, (_, index) =>
    polarPoint(center, radius * fraction, axisAngle(index, count)),
  );
}

/** SVG `points` attribute for a polygon, rounded so the markup stays short. */
export function pointsAttribute(points: Point[]): string {
  return points.map(({ x, y }) => `${round(x)},${round(y)}`).join(" ");
}

/** Horizontal anchor of an axis label: labels right of centre start at their point, labels
 * left of it end there, and labels near the vertical axis are centred. */
export function labelAnchor(angle: number): TextAnchor {
  const cos = Math.cos(angle);
  if (Math.abs(cos) < 0.2) return "middle";
  return cos > 0 ? "start" : "end";
}

/** Vertical offset of a label's first line from its point, so multi-line labels above the
 * chart grow upwards, those below grow downwards and side labels are centred. */
export function labelFirstLineOffset(angle: number, lines: number, lineHeight: number): number {
  const sin = Math.sin(angle);
  const block = (lines - 1) * lineHeight;
  if (sin < -0.6) return -block;
  if (sin > 0.6) return lineHeight * 0.8;
  return -block / 2 + lineHeight * 0.35;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
