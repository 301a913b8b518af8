/**
 * The Changes page with the API stubbed: diff's summary and transitions (a refused one first and
 * marked), a refused change not offered for commit (the reason and the first step beside the
 * disabled button), and the commit form posting the message as the user edited it, then showing
 * the push command (nothing pushed; the pull request in words when the host is unknown) or the
 * server's refusal.
 */
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChangesResponse, CommitRequest, CommitResponse } from '../src/api/types.ts';
import { ChangesPage } from '../src/changes/ChangesPage.tsx';

const CHANGES: ChangesResponse = {
  ok: true,
  branch: 'main',
  changedSpecs: ['environments/dev/models/whisper.yaml'],
  stderr: '',
  text: 'tritonops diff against merge-base with main\n\nenvironment dev: 1 change(s), 2 object(s)',
  notices: { refused: 'this change needs two steps: merge the first step named below on its own, then the rest', warnings: [] },
  diff: {
    base: { ref: 'merge-base with main', commit: '0123456789abcdef0123456789abcdef01234567' },
    changes: true,
    refused: true,
    unrendered: [],
    environments: [
      {
        environment: 'dev',
        summary: [{ subject: 'model whisper', what: 'canary traffic', before: '10%', after: '20%' }],
        notes: ['create the Secret whisper-token in namespace dev'],
        pipelines: [{ name: 'speech-to-image', mermaid: 'flowchart LR\n  a --> b' }],
        objects: [
          {
            key: 'VirtualService dev/whisper',
            file: 'flux/models/dev/whisper/routing.yaml',
            change: 'changed',
            diff: '@@ -1,1 +1,1 @@\n-weight: 10\n+weight: 20',
          },
        ],
        transitions: [
          {
            class: 'safe',
            subject: 'model whisper',
            change: 'canary weight 10% → 20%',
            effect: 'callers see no change',
            at: { file: 'environments/dev/models/whisper.yaml', path: ['spec', 'canary', 'weight'] },
          },
          {
            class: 'two-steps',
            subject: 'model whisper',
            change: 'canary removed while it receives traffic',
            effect: 'requests routed to the canary would fail',
            step: 'set the canary weight to 0 and merge that first',
            at: { file: 'environments/dev/models/whisper.yaml', path: ['spec', 'canary'] },
          },
        ],
      },
    ],
  },
};

/** The same edit without the canary removal: nothing refused, so the form commits. */
const ACCEPTED: ChangesResponse = {
  ...CHANGES,
  notices: { warnings: [] },
  diff: {
    ...CHANGES.diff!,
    refused: false,
    environments: CHANGES.diff!.environments.map((e) => ({ ...e, transitions: e.transitions.filter((t) => t.class !== 'two-steps') })),
  },
};

let changesAnswer: ChangesResponse;
let commitAnswer: CommitResponse;
let posted: CommitRequest[];

beforeEach(() => {
  posted = [];
  changesAnswer = ACCEPTED;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: RequestInit) => {
      if (path === '/api/changes') return Response.json(changesAnswer);
      if (path === '/api/commit' && init.method === 'POST') {
        posted.push(JSON.parse(init.body as string) as CommitRequest);
        return Response.json(commitAnswer);
      }
      return Response.json({ message: `no route ${path}` }, { status: 404 });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

describe('the Changes page', () => {
  it('shows the summary and the transitions, the refused one first and marked as refused', async () => {
    changesAnswer = CHANGES;
    render(<ChangesPage />);
    const dev = await screen.findByRole('region', { name: 'Environment dev' });
    const row = within(dev).getByRole('row', { name: /model whisper/ });
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['model whisper', 'canary traffic', '10%', '20%']);
    const transitions = within(dev)
      .getAllByRole('listitem')
      .filter((li) => li.classList.contains('transition'));
    expect(transitions.map((t) => t.dataset.class)).toEqual(['two-steps', 'safe']);
    expect(transitions[0]!.textContent).toContain('needs two steps');
    expect(transitions[0]!.textContent).toContain('First: set the canary weight to 0 and merge that first');
    expect(transitions[1]!.textContent).toContain('safe');
    expect(screen.getByText(/Refused:/).parentElement!.textContent).toContain('this change needs two steps');
    expect(within(dev).getByText('create the Secret whisper-token in namespace dev')).toBeTruthy();
    expect(within(dev).getByText(/flowchart LR/).tagName).toBe('PRE');
    const object = within(dev).getByText('VirtualService dev/whisper').closest('details')!;
    expect(object.open).toBe(false);
    expect(object.querySelector('pre')!.textContent).toContain('+weight: 20');
  });

  it('does not offer a refused change for commit: the button is disabled, with the reason and the first step beside it', async () => {
    changesAnswer = CHANGES;
    const user = userEvent.setup();
    render(<ChangesPage />);
    const commit = await screen.findByRole<HTMLButtonElement>('button', { name: 'Commit' });
    expect(commit.disabled).toBe(true);
    const why = document.getElementById(commit.getAttribute('aria-describedby')!)!;
    expect(why.textContent).toContain('this change needs two steps: merge the first step named below on its own, then the rest');
    expect(within(why).getByRole('listitem').textContent).toBe('First: set the canary weight to 0 and merge that first (model whisper in dev)');
    await user.click(commit);
    await user.type(screen.getByLabelText('Branch'), '{Enter}');
    expect(posted).toEqual([]);
  });

  it('prefills the form, posts the edited message, and shows the push command saying nothing was pushed', async () => {
    commitAnswer = {
      ok: true,
      branch: 'tritonops/whisper-20',
      commit: 'abcdef0123456789abcdef0123456789abcdef01',
      files: ['environments/dev/models/whisper.yaml', 'flux/models/dev/whisper/routing.yaml'],
      push: 'git push -u origin tritonops/whisper-20',
      pullRequest: 'gh pr create --fill --head tritonops/whisper-20',
      next: 'Nothing was pushed: push the branch, then open the pull request (GitHub CLI).',
      uncommitted: ['notes.txt'],
    };
    const user = userEvent.setup();
    render(<ChangesPage />);
    const branch = await screen.findByLabelText<HTMLInputElement>('Branch');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Commit' }).disabled).toBe(false);
    expect(screen.queryByText(/Not committed as it is/)).toBeNull();
    expect(branch.value).toMatch(/^tritonops\/dev-whisper-\d{4}-\d{2}-\d{2}$/);
    const message = screen.getByLabelText<HTMLTextAreaElement>('Message');
    expect(message.value).toBe('dev: whisper canary traffic 10% → 20%\n\n- dev: model whisper: canary traffic: 10% → 20%\n');
    await user.clear(branch);
    await user.type(branch, 'tritonops/whisper-20');
    await user.clear(message);
    await user.type(message, 'dev: whisper canary 20%{Enter}{Enter}Edited by hand.');
    await user.click(screen.getByRole('button', { name: 'Commit' }));
    const status = await screen.findByRole('status');
    expect(posted).toEqual([{ branch: 'tritonops/whisper-20', message: 'dev: whisper canary 20%\n\nEdited by hand.' }]);
    expect(status.textContent).toContain('Nothing was pushed');
    expect(within(status).getByText('git push -u origin tritonops/whisper-20').tagName).toBe('CODE');
    expect(within(status).getByText('gh pr create --fill --head tritonops/whisper-20').tagName).toBe('CODE');
    expect(within(status).getByRole('button', { name: 'Copy push command' })).toBeTruthy();
    expect(within(status).getByText('notes.txt')).toBeTruthy();
  });

  it('says to open a pull request on the Git host when the origin is not one it knows', async () => {
    commitAnswer = {
      ok: true,
      branch: 'tritonops/dev-whisper',
      commit: 'abcdef0123456789abcdef0123456789abcdef01',
      files: ['environments/dev/models/whisper.yaml'],
      push: 'git push -u origin tritonops/dev-whisper',
      next: 'Nothing was pushed: push the branch, then open a pull request on your Git host.',
      uncommitted: [],
    };
    const user = userEvent.setup();
    render(<ChangesPage />);
    await user.click(await screen.findByRole('button', { name: 'Commit' }));
    const status = await screen.findByRole('status');
    expect(within(status).getByText('Nothing was pushed: push the branch, then open a pull request on your Git host.')).toBeTruthy();
    expect(within(status).getByText('git push -u origin tritonops/dev-whisper').tagName).toBe('CODE');
    expect(within(status).queryByText(/Pull request command/)).toBeNull();
    expect(within(status).getByText('1 file committed')).toBeTruthy();
  });

  it("shows the server's refusal in an alert", async () => {
    commitAnswer = {
      ok: false,
      message: 'the index already has staged changes (README.md); nothing was committed',
      hint: 'the panel commits only what it renders: commit or unstage them first (git restore --staged <file>), then try again',
      diagnostics: [],
    };
    const user = userEvent.setup();
    render(<ChangesPage />);
    await user.click(await screen.findByRole('button', { name: 'Commit' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('the index already has staged changes (README.md); nothing was committed');
    expect(alert.textContent).toContain('commit or unstage them first');
    expect(screen.queryByRole('status')).toBeNull();
    expect(posted).toHaveLength(1);
  });
});
