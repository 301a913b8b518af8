/**
 * The pipeline editor in Chromium, on a Git copy of the bundled examples. A two-step pipeline is
 * built with the mouse only (forms filled, wires dragged between the ports' boxes): a wire of the
 * wrong datatype is refused on the spot in the validator's own words, and what Save writes is
 * byte for byte the file a person writes from docs/spec-reference.md (test/fixtures/ui/), which
 * validates and renders. Opening the bundled speech-to-image lays out the same wires as `graph`'s
 * Mermaid picture, read from the rendered SVG, and changing a step's timeout keeps every comment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepository } from '@tritonops/planner';
import { mermaidEdges, mermaidSafe, type CanvasEdge } from '../../apps/ui/src/pipeline/canvas-edges.ts';
import { expectNoSeriousViolations } from '../support/axe.ts';
import { browserUnavailable, launchBrowser, type Browser } from '../support/browser.ts';
import { startTestPanel, type TestPanel } from '../support/panel.ts';
import { screenshot } from '../support/screenshots.ts';
import { BUNDLED, copyWorkspace, REPO_ROOT, runCli, snapshotDir } from '../support/workspace.ts';

const ENV = 'staging';
const BUILT = 'voice-to-image';
/** Written by hand from docs/spec-reference.md's Pipeline section and its example, not by the editor. */
const HAND_WRITTEN = join(REPO_ROOT, 'test/fixtures/ui/voice-to-image.yaml');
const SPEECH = `environments/${ENV}/pipelines/speech-to-image.yaml`;

/**
 * What may differ between the editor's file and the hand-written one without a reader noticing:
 * spaces at the end of a line, and how many newlines end the file. Nothing else — not key order,
 * not quoting, not flow or block style, not comments.
 */
const normalised = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n*$/, '\n');

/** Lets the page render: two animation frames (an evaluate of the page's own, as the CSP forbids eval). */
const frames = (page: Page) => page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');

type Box = { x: number; y: number; width: number; height: number };

/**
 * A port's box once the canvas stands still: React Flow measures the nodes, ELK lays them out and
 * the view is fitted to them over a few frames, and a drag aimed before then misses.
 */
async function settledBox(page: Page, testId: string): Promise<Box> {
  const port = page.getByTestId(testId);
  let last: Box | null = null;
  for (let i = 0; i < 100; i++) {
    const box = await port.boundingBox();
    if (box && last && JSON.stringify(box) === JSON.stringify(last)) return box;
    last = box;
    await frames(page);
  }
  throw new Error(`port ${testId} did not settle: ${JSON.stringify(last)}`);
}

/** Presses the mouse on one port, moves it in steps as a hand does, and lets go on the other. */
async function dragWire(page: Page, fromPort: string, toPort: string): Promise<void> {
  const from = await settledBox(page, fromPort);
  const to = await settledBox(page, toPort);
  const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
  const [a, b] = [centre(from), centre(to)];
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(a.x + 30, a.y, { steps: 3 });
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
}

/**
 * The wires the canvas draws, read from its SVG: each edge path's two ends, in page coordinates,
 * matched with the nearest port (`port-<node>-out-<TENSOR>` → `<node>.<TENSOR>`). Nothing here
 * reads the editor's document or the edges' ids: only where React Flow drew the lines.
 */
async function drawnWires(page: Page): Promise<CanvasEdge[]> {
  const ends = await page.evaluate<{ from: string; to: string; gap: number }[]>(`(() => {
    const ports = [...document.querySelectorAll('[data-testid^="port-"]')].map((el) => {
      const r = el.getBoundingClientRect();
      return { id: el.getAttribute('data-testid'), x: r.x + r.width / 2, y: r.y + r.height / 2, half: Math.max(r.width, r.height) / 2 };
    });
    const nearest = (p, side) => ports
      .filter((port) => new RegExp('^port-.+-' + side + '-[^-]+$').test(port.id) || (side === 'in' && port.id === 'port-output-new'))
      .map((port) => ({ id: port.id, gap: Math.max(0, Math.hypot(port.x - p.x, port.y - p.y) - port.half) }))
      .sort((a, b) => a.gap - b.gap)[0];
    return [...document.querySelectorAll('.react-flow__edge path.react-flow__edge-path')].map((path) => {
      const m = path.getScreenCTM();
      const at = (length) => new DOMPoint(path.getPointAtLength(length).x, path.getPointAtLength(length).y).matrixTransform(m);
      const from = nearest(at(0), 'out');
      const to = nearest(at(path.getTotalLength()), 'in');
      return { from: from.id, to: to.id, gap: Math.max(from.gap, to.gap) };
    });
  })()`);
  const ref = (id: string) => {
    const match = /^port-(.+)-(?:in|out)-([^-]+)$/.exec(id);
    if (!match) throw new Error(`not a port: ${id}`);
    return `${match[1]}.${match[2]}`;
  };
  for (const end of ends) expect(end.gap, `a wire ends ${end.gap}px from ${end.from} / ${end.to}`).toBeLessThan(4);
  return ends.map((e) => ({ from: ref(e.from), to: ref(e.to) }));
}

const sorted = (edges: readonly CanvasEdge[]) => edges.map((e) => `${e.from} -> ${e.to}`).sort();

/** The validator's own refusal of `PROMPT: input.AUDIO`, asked of the planner on a copy of the examples holding that pipeline. */
function plannerRefusal(text: string): { message: string; hint?: string } {
  const copy = copyWorkspace(BUNDLED, 'pipeline-mismatch');
  try {
    writeFileSync(join(copy.path, `environments/${ENV}/pipelines/${BUILT}.yaml`), text);
    const result = planRepository({ root: copy.path, displayBase: copy.path });
    const refusals = result.diagnostics.filter((d) => d.code === 'dtype-mismatch');
    expect(refusals).toHaveLength(1);
    return { message: refusals[0]!.message, ...(refusals[0]!.hint ? { hint: refusals[0]!.hint } : {}) };
  } finally {
    copy.remove();
  }
}

const unavailable = browserUnavailable();
const named = (title: string) => `${title}${unavailable ? ` (skipped: ${unavailable})` : ''}`;

describe.skipIf(unavailable !== undefined)(named('the pipeline editor in Chromium'), () => {
  let panel: TestPanel;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [panel, browser] = await Promise.all([startTestPanel(), launchBrowser()]);
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await panel?.close();
  });

  const open = async (route: string) => {
    await page.goto(`${panel.url}#/pipelines/${ENV}/${route}`);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(route === 'new' ? /new pipeline/i : new RegExp(route));
  };

  /** Clicks Save, then waits for the status line to name the file written. */
  const save = async (file: string) => {
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Saved/ })
          .textContent(),
      )
      .toBe(`Saved ${file}`);
  };

  it('opens speech-to-image with the wires of `graph`’s Mermaid picture on the canvas, and passes axe', async () => {
    const graph = await runCli(['graph', 'speech-to-image', '--env', ENV], panel.root);
    expect(graph.code, graph.stderr).toBe(0);
    const expected = mermaidEdges(graph.stdout);
    expect(expected.length).toBeGreaterThanOrEqual(4);

    await open('speech-to-image');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(expected.length);
    await settledBox(page, 'port-draw-out-IMAGE');
    expect(sorted((await drawnWires(page)).map(mermaidSafe))).toEqual(sorted(expected));

    await expectNoSeriousViolations(page);
    // React Flow's attribution link is shown but not a stop in the tab order.
    expect(await page.locator('.react-flow__attribution a').getAttribute('tabindex')).toBe('-1');
    await screenshot(page, 'pipeline');
  });

  it('changes a step’s timeout in the side panel, and Save keeps every comment of the file', async () => {
    const before = readFileSync(join(panel.root, SPEECH), 'utf8');
    expect(before).toContain('timeoutSeconds: 120          # an image takes tens of seconds');
    await open('speech-to-image');
    await page.getByTestId('step-draw').locator('.node-header').click();
    const timeout = page.getByRole('complementary', { name: 'Pipeline editing' }).getByLabel('Timeout (seconds)');
    await expect.poll(() => timeout.inputValue()).toBe('120');
    await timeout.fill('90');
    await page.getByRole('heading', { name: 'Step draw' }).click(); // the field commits when it loses focus
    await save(SPEECH);
    expect(readFileSync(join(panel.root, SPEECH), 'utf8')).toBe(before.replace('timeoutSeconds: 120', 'timeoutSeconds: 90'));
  });

  it('builds a two-step pipeline with the mouse: a mismatched wire is refused in the validator’s words; the saved file is the hand-written spec, and it renders', async () => {
    const handWritten = readFileSync(HAND_WRITTEN, 'utf8');
    const refusal = plannerRefusal(handWritten.replace('PROMPT: transcribe.TEXT', 'PROMPT: input.AUDIO'));

    await open('new');
    await expectNoSeriousViolations(page);
    // Chromium compiles `pattern` with the `v` flag; a bad name is explained at the field, not navigated to.
    await page.getByLabel('Pipeline name').fill('Speech_Art');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('"Speech_Art" is not a valid name');
    expect(await page.getByLabel('Pipeline name').evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(true);
    expect(await page.locator('h1').textContent()).toMatch(/new pipeline/i);
    await page.getByLabel('Pipeline name').fill(BUILT);
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe(`Pipeline ${BUILT} in ${ENV}`);

    const side = page.getByRole('complementary', { name: 'Pipeline editing' });
    const addInput = side.getByRole('form', { name: 'Add a pipeline input' });
    await addInput.getByLabel('Input name').fill('AUDIO');
    await addInput.getByLabel('Datatype').selectOption('FP32');
    await addInput.getByLabel('Shape').fill('-1');
    await addInput.getByRole('button', { name: 'Add input' }).click();
    await expect.poll(() => page.getByTestId('port-input-out-AUDIO').count()).toBe(1);

    const addStep = side.getByRole('form', { name: 'Add a step' });
    for (const [model, step] of [
      ['whisper', 'transcribe'],
      ['stable-diffusion', 'draw'],
    ] as const) {
      await addStep.getByLabel('Model').selectOption(model);
      await addStep.getByLabel('Step name').fill(step);
      await addStep.getByRole('button', { name: 'Add step' }).click();
      await expect.poll(() => page.getByTestId(`step-${step}`).count()).toBe(1);
    }
    // The step just added is the one in the side panel.
    await side.getByLabel('Timeout (seconds)').fill('120');
    await side.getByRole('heading', { name: 'Step draw' }).click();

    // AUDIO is FP32, PROMPT takes BYTES: refused on the spot, in the planner's words, and not drawn.
    await dragWire(page, 'port-input-out-AUDIO', 'port-draw-in-PROMPT');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.locator('strong').textContent()).toBe(refusal.message);
    expect(await alert.locator('.hint').textContent()).toBe(`hint: ${refusal.hint}`);
    expect(await page.locator('.react-flow__edge').count()).toBe(0);
    await screenshot(page, 'pipeline-refused');

    await dragWire(page, 'port-input-out-AUDIO', 'port-transcribe-in-AUDIO');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);
    expect(await alert.count()).toBe(0);
    await dragWire(page, 'port-transcribe-out-TEXT', 'port-draw-in-PROMPT');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await dragWire(page, 'port-draw-out-IMAGE', 'port-output-new');
    await expect.poll(() => page.getByTestId('port-output-in-IMAGE').count()).toBe(1);
    await settledBox(page, 'port-output-in-IMAGE');
    expect(sorted(await drawnWires(page))).toEqual(
      sorted([
        { from: 'input.AUDIO', to: 'transcribe.AUDIO' },
        { from: 'transcribe.TEXT', to: 'draw.PROMPT' },
        { from: 'draw.IMAGE', to: 'output.IMAGE' },
      ]),
    );
    await expectNoSeriousViolations(page);

    const file = `environments/${ENV}/pipelines/${BUILT}.yaml`;
    await save(file);
    expect(normalised(readFileSync(join(panel.root, file), 'utf8'))).toBe(normalised(handWritten));

    const validate = await runCli(['validate'], panel.root);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const synth = await runCli(['synth'], panel.root);
    expect(synth.code, synth.stderr).toBe(0);
    const rendered = [...snapshotDir(join(panel.root, 'flux')).keys()].filter((path) => path.includes(BUILT));
    expect(rendered.length, synth.stdout).toBeGreaterThan(0);
    const check = await runCli(['synth', '--check'], panel.root);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
