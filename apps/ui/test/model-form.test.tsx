/**
 * The model form generated from the real Model JSON Schema: which input each property gets, its
 * help text and bounds, nested objects as fieldsets, and a document that holds only what was set.
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import modelSchema from '@tritonops/spec/schemas/model.schema.json' with { type: 'json' };
import type { JsonSchema, ModelDocument } from '../src/api/types.ts';
import { setAt } from '../src/model/document-path.ts';
import { placeDiagnostics } from '../src/model/field-diagnostics.ts';
import { Fields, type FormContext } from '../src/model/SchemaForm.tsx';
import { fieldPaths, modelFields, type DataPath, type Field } from '../src/model/schema-fields.ts';

const schema = modelSchema as JsonSchema;
const fields = modelFields(schema);
const byKey = (list: readonly Field[], key: string) => list.find((f) => f.key === key)!;

const EMPTY: ModelDocument = { apiVersion: 'tritonops.dev/v1alpha1', kind: 'Model', metadata: { name: 'm' }, spec: {} };

/** The form over a document held in state, as the page holds it; `seen` gets every document. */
function Harness({ start, list, seen, pools = ['t4', 'a100'] }: { start: ModelDocument; list: readonly Field[]; seen: ModelDocument[]; pools?: string[] }) {
  const [document, setDocument] = useState(start);
  const context: FormContext = {
    document,
    onChange: (path: DataPath, value: unknown) =>
      setDocument((d) => {
        const next = setAt(d, path, value);
        seen.push(next);
        return next;
      }),
    placed: placeDiagnostics([], undefined, fieldPaths(list)),
    choices: (path) => (path.join('.') === 'spec.gpuPool' ? pools : undefined),
  };
  return (
    <form>
      <Fields fields={list} context={context} />
    </form>
  );
}

const helpOf = (element: HTMLElement) =>
  (element.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');

describe('the schema form generator', () => {
  it('reads each spec property into the input its schema calls for', () => {
    expect(fields.main.map((f) => f.key)).toEqual(['image', 'repository', 'models', 'gpuPool', 'gpus', 'replicas', 'autoscaling', 'canary']);
    expect(byKey(fields.more, 'cache')).toMatchObject({ kind: 'select', options: ['none', 'sfs'], defaultValue: 'none' });
    expect(byKey(fields.main, 'gpus')).toMatchObject({ kind: 'number', integer: true, min: 1, max: 64 });
    expect(byKey(fields.main, 'models').kind).toBe('list');
    expect(byKey(fields.more, 'env').kind).toBe('map');
    expect(byKey(fields.more, 'handover').kind).toBe('boolean');
    expect(byKey(fields.more, 'signatures').kind).toBe('json');
    expect(byKey(fields.more, 'gpuMemory').kind).toBe('text');
    const resources = byKey(fields.more, 'resources');
    expect(resources).toMatchObject({ kind: 'group', collapsible: true });
    expect(byKey(fields.main, 'autoscaling')).toMatchObject({ kind: 'group', collapsible: false });
    expect(fields.metadata.map((f) => f.key)).toEqual(['labels', 'annotations']);
    // Every field of the schema is somewhere in the form.
    const specKeys = Object.keys((schema as { properties: { spec: { properties: object } } }).properties.spec.properties);
    expect([...fields.main, ...fields.more].map((f) => f.key).sort()).toEqual(specKeys.sort());
  });

  it('draws enums as selects, numbers with their bounds, defaults as placeholders and descriptions as help text', () => {
    render(<Harness start={EMPTY} list={fields.main} seen={[]} />);
    const gpus = screen.getByLabelText('gpus') as HTMLInputElement;
    expect(gpus.type).toBe('number');
    expect([gpus.min, gpus.max]).toEqual(['1', '64']);
    expect(helpOf(gpus)).toContain((modelSchema.properties.spec.properties.gpus as { description: string }).description);
    expect((document.getElementById('field-spec-replicas') as HTMLInputElement).placeholder).toBe('1');
    const pool = screen.getByLabelText('gpuPool') as HTMLSelectElement;
    expect(pool.tagName).toBe('SELECT');
    expect([...pool.options].map((o) => o.value)).toEqual(['', 't4', 'a100']);
    const autoscaling = screen.getAllByRole('group', { name: 'autoscaling' })[0]!; // spec's, then canary's
    expect(within(autoscaling).getByLabelText(/^autoscaling maxReplicas/)).toBeTruthy();
    // A required nested object is always open; an optional one folds until it is opened.
    expect(within(autoscaling).getByRole('group', { name: 'autoscaling triggers' })).toBeTruthy();
    const scaleToZero = within(autoscaling).getByRole('button', { name: /scaleToZero/ });
    expect(scaleToZero.getAttribute('aria-expanded')).toBe('false');
    expect(within(autoscaling).queryByLabelText(/^autoscaling scaleToZero idleSeconds/)).toBeNull();
    fireEvent.click(scaleToZero);
    expect(within(autoscaling).getByLabelText(/^autoscaling scaleToZero idleSeconds/)).toBeTruthy();
  });

  it('puts only what the user set into the document, and removes what is cleared', () => {
    const seen: ModelDocument[] = [];
    render(<Harness start={EMPTY} list={[...fields.main, ...fields.more]} seen={seen} />);
    fireEvent.change(screen.getByLabelText('gpus'), { target: { value: '2' } });
    expect(seen.at(-1)!.spec).toEqual({ gpus: 2 });
    fireEvent.change(screen.getByLabelText('gpuPool'), { target: { value: 't4' } });
    fireEvent.click(screen.getByRole('button', { name: /resources/ }));
    fireEvent.change(screen.getByLabelText('resources cpu'), { target: { value: '4' } });
    expect(seen.at(-1)!.spec).toEqual({ gpus: 2, gpuPool: 't4', resources: { cpu: '4' } });
    fireEvent.change(screen.getByLabelText('resources cpu'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('gpus'), { target: { value: '' } });
    expect(seen.at(-1)!.spec).toEqual({ gpuPool: 't4' });
    // A checkbox back at its default writes nothing.
    const handover = screen.getByLabelText('handover') as HTMLInputElement;
    fireEvent.click(handover);
    expect(seen.at(-1)!.spec.handover).toBe(true);
    fireEvent.click(handover);
    expect('handover' in seen.at(-1)!.spec).toBe(false);
  });

  it('edits string lists and string maps row by row', () => {
    const seen: ModelDocument[] = [];
    const start: ModelDocument = { ...EMPTY, spec: { models: ['a'], env: { ONE: '1' } } };
    render(<Harness start={start} list={[...fields.main, ...fields.more]} seen={seen} />);
    fireEvent.click(screen.getByRole('button', { name: 'Add models' }));
    fireEvent.change(screen.getByLabelText('models 2'), { target: { value: 'b' } });
    expect(seen.at(-1)!.spec.models).toEqual(['a', 'b']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove row 1 of models' }));
    expect(seen.at(-1)!.spec.models).toEqual(['b']);
    fireEvent.click(screen.getByRole('button', { name: 'Add env entry' }));
    fireEvent.change(screen.getByLabelText('env name 2'), { target: { value: 'TWO' } });
    fireEvent.change(screen.getByLabelText('env value 2'), { target: { value: '2' } });
    expect(seen.at(-1)!.spec.env).toEqual({ ONE: '1', TWO: '2' });
    fireEvent.click(screen.getByRole('button', { name: 'Remove ONE from env' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove TWO from env' }));
    expect('env' in seen.at(-1)!.spec).toBe(false);
  });

  it('edits a complex subtree as JSON, taking it only once it parses', () => {
    const seen: ModelDocument[] = [];
    render(<Harness start={EMPTY} list={fields.more} seen={seen} />);
    const box = screen.getByLabelText('signatures') as HTMLTextAreaElement;
    expect(helpOf(box)).toContain('Edited as JSON');
    fireEvent.change(box, { target: { value: '{"m": {' } });
    expect(seen).toEqual([]);
    expect(box.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(box, { target: { value: '{"m": {"inputs": [], "outputs": []}}' } });
    expect(seen.at(-1)!.spec.signatures).toEqual({ m: { inputs: [], outputs: [] } });
  });
});
