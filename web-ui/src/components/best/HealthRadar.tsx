import type { HealthComponent, HealthValues } from "@/lib/api/types";
import { componentLabel } from "@/lib/weights";

import styles from "./best.module.css";
import { formatDecimal } from "./detailFormat";
import {
  axisAngle,
  gridRing,
  labelAnchor,
  labelFirstLineOffset,
  pointsAttribute,
  polarPoint,
  radarPolygon,
} from "./radarGeometry";

/** The components in the order the server lists them, which the radar draws clockwise:
 * `HealthValues` carries one key per `HealthComponent`, null where it was not measured. */
export function healthComponents(health: HealthValues): HealthComponent[] {
  return Object.keys(health) as HealthComponent[];
}

const WIDTH = 360;
const HEIGHT = 300;
const CENTER = { x: WIDTH / 2, y: HEIGHT / 2 };
const RADIUS = 95;
const LABEL_GAP = 14;
const LINE_HEIGHT = 14;
const RINGS = [0.25, 0.5, 0.75, 1];

/** The six health components (0-1) as a radar chart with the values as a table beside it. */
export function HealthRadar({
  health,
  compositeHealth,
}: {
  health: HealthValues;
  compositeHealth: number | null;
}) {
  const names = healthComponents(health);
  const values = names.map((name) => health[name] ?? null);
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Health components</h2>
      <p className={styles.note}>
        Accuracy only says how often the model was right on held-out data. Health shows whether
        it got there soundly (live neurons, stable training, well-scaled gradients): of two
        equally accurate models, the healthier one is less likely to fail on new data or when
        retrained.
      </p>
      <div className={styles.radarLayout}>
        <RadarChart names={names} values={values} />
        <HealthTable names={names} values={values} compositeHealth={compositeHealth} />
      </div>
    </section>
  );
}

interface ComponentValues {
  names: HealthComponent[];
  values: (number | null)[];
}

function RadarChart({ names, values }: ComponentValues) {
  const count = values.length;
  const polygon = radarPolygon(values, CENTER, RADIUS);
  return (
    <svg
      data-testid="health-chart"
      className={styles.radar}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby="health-chart-title"
    >
      <title id="health-chart-title">
        Radar chart of the six health components; the table beside it lists the values.
      </title>
      {RINGS.map((fraction) => (
        <polygon
          key={fraction}
          points={pointsAttribute(gridRing(count, CENTER, RADIUS, fraction))}
          className={styles.radarRing}
        />
      ))}
      {names.map((name, index) => {
        const angle = axisAngle(index, count);
        const end = polarPoint(CENTER, RADIUS, angle);
        return (
          <g key={name}>
            <line x1={CENTER.x} y1={CENTER.y} x2={end.x} y2={end.y} className={styles.radarAxis} />
            <AxisLabel name={name} angle={angle} measured={values[index] !== null} />
          </g>
        );
      })}
      <polygon points={pointsAttribute(polygon)} className={styles.radarArea} />
      {polygon.map((point, index) =>
        values[index] === null ? null : (
          <circle
            key={names[index]}
            cx={point.x}
            cy={point.y}
            r={3.5}
            className={styles.radarDot}
          />
        ),
      )}
    </svg>
  );
}

/** An axis name split one word per line, so long names fit beside a narrow chart. */
function AxisLabel({ name, angle, measured }: { name: string; angle: number; measured: boolean }) {
  const words = componentLabel(name).split(" ");
  if (!measured) words.push("(n/a)");
  const anchor = polarPoint(CENTER, RADIUS + LABEL_GAP, angle);
  const firstLine = labelFirstLineOffset(angle, words.length, LINE_HEIGHT);
  return (
    <text
      x={anchor.x}
      y={anchor.y + firstLine}
      textAnchor={labelAnchor(angle)}
      className={styles.radarLabel}
    >
      {words.map((word, line) => (
        <tspan key={line} x={anchor.x} dy={line === 0 ? 0 : LINE_HEIGHT}>
          {word}
        </tspan>
      ))}
    </text>
  );
}

function HealthTable({
  names,
  values,
  compositeHealth,
}: ComponentValues & { compositeHealth: number | null }) {
  return (
    <table className={styles.healthTable}>
      <caption>Component scores (0 = poor, 1 = healthy)</caption>
      <tbody>
        {names.map((name, index) => (
          <tr key={name}>
            <th scope="row">{componentLabel(name)}</th>
            <td>{values[index] === null ? "not measured" : formatDecimal(values[index], 2)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Composite health</th>
          <td>{formatDecimal(compositeHealth, 2)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
