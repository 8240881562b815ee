import { describe, expect, it } from "vitest";

import {
  axisAngle,
  gridRing,
  labelAnchor,
  labelFirstLineOffset,
  pointsAttribute,
  polarPoint,
  radarPolygon,
  radarRadius,
} from "./radarGeometry";

const center = { x: 100, y: 100 };

describe("axisAngle", () => {
  it("starts straight up and goes clockwise in equal steps", () => {
    expect(axisAngle(0, 6)).toBeCloseTo(-Math.PI / 2);
    expect(axisAngle(1, 6)).toBeCloseTo(-Math.PI / 6);
    expect(axisAngle(3, 6)).toBeCloseTo(Math.PI / 2);
    expect(axisAngle(1, 4)).toBeCloseTo(0);
  });
});

describe("radarPolygon", () => {
  it("puts a full score on the outer ring and half a score half way", () => {
    const [top, right, bottom, left] = radarPolygon([1, 0.5, 1, 0.25], center, 80);
    expect(top.x).toBeCloseTo(100);
    expect(top.y).toBeCloseTo(20);
    expect(right.x).toBeCloseTo(140);
    expect(right.y).toBeCloseTo(100);
    expect(bottom.y).toBeCloseTo(180);
    expect(left.x).toBeCloseTo(80);
  });

  it("places missing and non-finite scores at the centre and clamps out-of-range ones", () => {
    const [missing, nan, above, below] = radarPolygon([null, Number.NaN, 1.7, -0.3], center, 80);
    expect(missing).toEqual(center);
    expect(nan).toEqual(center);
    expect(Math.hypot(above.x - 100, above.y - 100)).toBeCloseTo(80);
    expect(below.x).toBeCloseTo(100);
    expect(below.y).toBeCloseTo(100);
  });
});

describe("radarRadius", () => {
  it("scales a score linearly", () => {
    expect(radarRadius(0.75, 120)).toBe(90);
    expect(radarRadius(null, 120)).toBe(0);
  });
});

describe("gridRing", () => {
  it("is a regular polygon at the given fraction of the radius", () => {
    const ring = gridRing(6, center, 80, 0.5);
    expect(ring).toHaveLength(6);
    for (const point of ring) {
      expect(Math.hypot(point.x - 100, point.y - 100)).toBeCloseTo(40);
    }
  });
});

describe("pointsAttribute", () => {
  it("joins rounded coordinates", () => {
    expect(pointsAttribute([{ x: 1.23456, y: 2 }, polarPoint(center, 10, 0)])).toBe(
      "1.23,2 110,100",
    );
  });
});

describe("label placement", () => {
  it("anchors labels by side of the chart", () => {
    expect(labelAnchor(axisAngle(0, 6))).toBe("middle");
    expect(labelAnchor(axisAngle(1, 6))).toBe("start");
    expect(labelAnchor(axisAngle(3, 6))).toBe("middle");
    expect(labelAnchor(axisAngle(4, 6))).toBe("end");
  });

  it("grows top labels upwards and bottom labels downwards", () => {
    expect(labelFirstLineOffset(axisAngle(0, 6), 2, 14)).toBe(-14);
    expect(labelFirstLineOffset(axisAngle(3, 6), 2, 14)).toBeCloseTo(11.2);
    expect(labelFirstLineOffset(axisAngle(1, 6), 2, 14)).toBeCloseTo(-7 + 4.9);
  });
});
