/** The three.js side of the 3D architecture view: draws the boxes architecture3d.ts lays out,
 * with orbit controls, a selection ring, a glow for hover and the forward pulse, hit testing
 * and a PNG snapshot.
 *
 * It renders on demand (controls, hover, selection, pulse, resize) rather than in an endless
 * animation loop, so an idle page costs nothing. Only Architecture3D imports it, dynamically:
 * three.js must never load during server rendering.
 */
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";

import { type BoxSpec, cameraFraming, type Direction } from "./architecture3d";

const BACKGROUND = "#f5f7fa"; // the page's --bg
const EDGE_COLOUR = "#1f2937";
const RING_COLOUR = "#f59e0b"; // the graph's and the list's selection colour
const PULSE_COLOUR = "#ffd27a";
const FOV = 40;
const HOVER_GLOW = 0.25;
const PULSE_GLOW = 0.9;
// The ring: bars this thick, this far outside the layer's box.
const RING_BAR = 0.09;
const RING_MARGIN = 0.12;

export interface SceneHit {
  layerId: string;
  direction: Direction | null;
}

interface LayerMesh {
  spec: BoxSpec;
  mesh: THREE.Mesh<THREE.BoxGeometry, THREE.MeshStandardMaterial>;
}

export class ArchitectureScene {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera: THREE.PerspectiveCamera;
  private readonly controls: OrbitControls;
  private readonly raycaster = new THREE.Raycaster();
  private readonly layers: LayerMesh[];
  private readonly ring = new THREE.Group();
  private readonly ringMaterial = new THREE.MeshBasicMaterial({ color: RING_COLOUR });
  private readonly observer: ResizeObserver | null;
  private hovered: string | null = null;
  private pulse: { layerId: string; level: number } | null = null;
  private frame = 0;

  /** Throws when WebGL cannot start on `canvas` (the caller shows its fallback then). */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    boxes: readonly BoxSpec[],
  ) {
    this.renderer = new THREE.WebGLRenderer({
      canvas,
      antialias: true,
      // Kept so a test (and the PNG snapshot) can read the pixels after the frame is shown.
      preserveDrawingBuffer: true,
    });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.scene.background = new THREE.Color(BACKGROUND);
    this.scene.add(new THREE.AmbientLight(0xffffff, 1.2));
    const sun = new THREE.DirectionalLight(0xffffff, 2);
    sun.position.set(3, 6, 8);
    this.scene.add(sun);

    this.layers = boxes.map((spec) => this.addBox(spec));
    this.scene.add(this.ring);
    this.ring.visible = false;

    this.camera = new THREE.PerspectiveCamera(FOV, 1, 0.1, 1000);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.addEventListener("change", () => this.requestRender());
    this.fitSize();
    this.resetView();

    this.observer =
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver(() => {
            this.fitSize();
            this.requestRender();
          });
    this.observer?.observe(canvas);
  }

  /** Back to the starting camera: the whole model in view. */
  resetView() {
    const framing = cameraFraming(
      this.layers.map((layer) => layer.spec),
      FOV,
      this.camera.aspect,
    );
    this.camera.position.set(...framing.position);
    this.camera.near = framing.near;
    this.camera.far = framing.far;
    this.camera.updateProjectionMatrix();
    this.controls.target.set(...framing.target);
    this.controls.minDistance = framing.distance / 10;
    this.controls.maxDistance = framing.distance * 4;
    this.controls.update();
    this.render();
  }

  /** New colours for the same boxes (the colour mode changed); `boxes` in the same order. */
  setColours(boxes: readonly BoxSpec[]) {
    boxes.forEach((spec, index) => {
      const layer = this.layers[index];
      if (!layer || layer.spec.layerId !== spec.layerId) return;
      layer.spec = spec;
      layer.mesh.material.color.set(spec.color);
    });
    this.applyGlow();
  }

  /** Puts the amber ring (an outline of its box) around a layer, both halves of a
   * bidirectional one, or hides it. */
  setRing(layerId: string | null) {
    for (const bar of this.ring.children) (bar as THREE.Mesh).geometry.dispose();
    this.ring.clear();
    const bounds = layerId ? this.bounds(layerId) : null;
    this.ring.visible = bounds !== null;
    if (bounds) {
      for (const bar of ringBars(bounds)) {
        const mesh = new THREE.Mesh(new THREE.BoxGeometry(...bar.size), this.ringMaterial);
        mesh.position.set(...bar.center);
        this.ring.add(mesh);
      }
    }
    this.requestRender();
  }

  /** The layer under the pointer brightens a little. */
  setHovered(layerId: string | null) {
    if (layerId === this.hovered) return;
    this.hovered = layerId;
    this.applyGlow();
  }

  /** The forward pulse lights one layer by `level` (0-1); null puts it out. */
  setPulse(pulse: { layerId: string; level: number } | null) {
    this.pulse = pulse;
    this.applyGlow();
  }

  /** The box under a pointer position (client coordinates), nearest first. */
  hit(clientX: number, clientY: number): SceneHit | null {
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return null;
    const pointer = new THREE.Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    this.raycaster.setFromCamera(pointer, this.camera);
    const [first] = this.raycaster.intersectObjects(
      this.layers.map((layer) => layer.mesh),
      false,
    );
    const layer = first && this.layers.find((candidate) => candidate.mesh === first.object);
    return layer ? { layerId: layer.spec.layerId, direction: layer.spec.direction } : null;
  }

  /** A point of the layer that the camera sees (CSS pixels from the canvas's top-left), so a
   * click there selects it; null for an unknown layer or one hidden behind others. */
  screenPoint(layerId: string): { x: number; y: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    for (const layer of this.layers.filter((candidate) => candidate.spec.layerId === layerId)) {
      for (const point of surfacePoints(layer.spec)) {
        const projected = point.project(this.camera);
        if (Math.abs(projected.x) > 1 || Math.abs(projected.y) > 1) continue;
        const x = ((projected.x + 1) / 2) * rect.width;
        const y = ((1 - projected.y) / 2) * rect.height;
        if (this.hit(rect.left + x, rect.top + y)?.layerId === layerId) return { x, y };
      }
    }
    return null;
  }

  /** The current view as a PNG. */
  snapshot(): Promise<Blob | null> {
    this.render();
    return new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
  }

  /** Draws now (the first frame, snapshots); everything else goes through requestRender. */
  render() {
    this.renderer.render(this.scene, this.camera);
  }

  dispose() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.observer?.disconnect();
    this.controls.dispose();
    this.scene.traverse((object) => {
      if (object instanceof THREE.Mesh || object instanceof THREE.LineSegments) {
        object.geometry.dispose();
        // The ring's bars share one material: disposing it again is a no-op.
        (object.material as THREE.Material).dispose();
      }
    });
    this.ringMaterial.dispose();
    this.renderer.dispose();
  }

  /** One render on the next frame, however many changes ask for it before then. */
  private requestRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private addBox(spec: BoxSpec): LayerMesh {
    const geometry = new THREE.BoxGeometry(...spec.size);
    const material = new THREE.MeshStandardMaterial({
      color: spec.color,
      emissive: spec.color,
      emissiveIntensity: spec.emissiveBase,
      roughness: 0.65,
      metalness: 0,
      transparent: spec.opacity < 1,
      opacity: spec.opacity,
    });
    const mesh = new THREE.Mesh(geometry, material);
    mesh.position.set(...spec.center);
    const edges = new THREE.LineSegments(
      new THREE.EdgesGeometry(geometry),
      new THREE.LineBasicMaterial({ color: EDGE_COLOUR, transparent: true, opacity: 0.6 }),
    );
    mesh.add(edges);
    this.scene.add(mesh);
    return { spec, mesh };
  }

  private applyGlow() {
    for (const { spec, mesh } of this.layers) {
      const material = mesh.material;
      const pulsing = this.pulse?.layerId === spec.layerId;
      if (pulsing && this.pulse) {
        material.emissive.set(PULSE_COLOUR);
        material.emissiveIntensity = PULSE_GLOW * this.pulse.level;
      } else {
        material.emissive.set(spec.color);
        const hover = this.hovered === spec.layerId ? HOVER_GLOW : 0;
        material.emissiveIntensity = spec.emissiveBase + hover;
      }
    }
    this.requestRender();
  }

  /** The box around all of a layer's boxes, or null for a layer the scene does not draw. */
  private bounds(layerId: string): THREE.Box3 | null {
    const boxes = this.layers.filter((layer) => layer.spec.layerId === layerId);
    if (boxes.length === 0) return null;
    const bounds = new THREE.Box3();
    for (const { spec } of boxes) {
      const half = new THREE.Vector3(...spec.size).multiplyScalar(0.5);
      const centre = new THREE.Vector3(...spec.center);
      bounds.union(new THREE.Box3(centre.clone().sub(half), centre.clone().add(half)));
    }
    return bounds;
  }

  private fitSize() {
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (width === 0 || height === 0) return;
    // false: the stylesheet owns the canvas's CSS size; this sets the drawing buffer only.
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }
}

/** Twelve thin bars along the edges of a layer's box, a little outside it: an outline that
 * reads from any angle (a flat frame seen from the front would hide the box behind it). */
function ringBars(bounds: THREE.Box3) {
  const min = bounds.min.clone().subScalar(RING_MARGIN);
  const max = bounds.max.clone().addScalar(RING_MARGIN);
  const size = max.clone().sub(min);
  const centre = min.clone().add(max).multiplyScalar(0.5);
  type Bar = { center: [number, number, number]; size: [number, number, number] };
  const bars: Bar[] = [];
  for (const axis of [0, 1, 2] as const) {
    // The four edges along `axis` sit at the corners of the other two axes.
    const [a, b] = [0, 1, 2].filter((other) => other !== axis);
    for (const ends of [[min, min], [min, max], [max, min], [max, max]] as const) {
      const center: [number, number, number] = [centre.x, centre.y, centre.z];
      center[a] = ends[0].getComponent(a);
      center[b] = ends[1].getComponent(b);
      const barSize: [number, number, number] = [RING_BAR, RING_BAR, RING_BAR];
      barSize[axis] = size.getComponent(axis) + RING_BAR;
      bars.push({ center, size: barSize });
    }
  }
  return bars;
}

/** Points on a box's faces toward the default camera (front, top, right), centre first: a
 * neighbour may hide the centre but rarely all of them. */
function surfacePoints(spec: BoxSpec): THREE.Vector3[] {
  const [cx, cy, cz] = spec.center;
  const [sx, sy, sz] = spec.size.map((value) => value / 2);
  const inset = 0.9;
  const offsets = [0, -0.5, 0.5];
  const points = [new THREE.Vector3(cx, cy, cz)];
  for (const a of offsets) {
    for (const b of offsets) {
      points.push(new THREE.Vector3(cx + a * sx, cy + b * sy, cz + inset * sz)); // front
      points.push(new THREE.Vector3(cx + a * sx, cy + inset * sy, cz + b * sz)); // top
      points.push(new THREE.Vector3(cx + inset * sx, cy + a * sy, cz + b * sz)); // right
    }
  }
  return points;
}
