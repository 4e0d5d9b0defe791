import { randomUUID } from 'node:crypto';
import { samplePayload, targetOrigin } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { eventually, requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ensureChromium, launchChromium, PageProblems, screenshot, type ApiRefusal } from './console/console-browser';
import { startConsoleStack, type ConsoleStack } from './console/console-stack';
import { bearer, customerWithKey } from './management-api.harness';

/**
 * The admin console in a real browser (Debian's chromium driven by playwright-core) against
 * the management API and a dispatcher in this process, on the real Kafka and FerretDB:
 * sign in, create a webhook (seeing the API's validation error for an unknown field), view
 * its body, edit it, subscribe it in an environment, send a test to a recording receiver and
 * see the attempt, redeliver it, delete the webhook, sign out. No console error on any page.
 * Screenshots of each screen go to docs/screenshots/.
 */
/** Whether the element has the keyboard focus (the page's document, not this process's). */
function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);
}

describe('admin console (browser e2e, real Kafka and FerretDB)', () => {
  const sample = samplePayload();
  let stack: ConsoleStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let apiKey: string;
  let webhookId: string;

  const rest = () => stack.api.http();
  const hookPath = '/hooks/calls';

  /** No console error, uncaught exception or failed request since the last check; only the expected API refusals. */
  const expectCleanPage = (expectedRefusals: Array<Partial<ApiRefusal>> = []) => {
    const { errors, refusals } = problems.take();
    expect(errors).toEqual([]);
    expect(refusals).toEqual(expectedRefusals.map((r) => expect.objectContaining(r)));
  };

  beforeAll(async () => {
    ensureChromium();
    await requireServers(['kafka', 'registry', 'mongo']);
    stack = await startConsoleStack({ database: uniqueDatabase('console'), prefix: uniquePrefix('console') });
    apiKey = await customerWithKey(stack.api, 'console-cust');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = new PageProblems(page);
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stack?.stop();
  });

  it('serves the console at /console/ with a strict content security policy, and / leads there', async () => {
    const root = await rest().get('/').expect(302);
    expect(root.headers.location).toBe('/console/');
    expect((await rest().get('/console').expect(301)).headers.location).toBe('/console/');
    const index = await rest().get('/console/').expect(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("connect-src 'self'");
    expect((await rest().get('/console/js/main.js').expect(200)).headers['content-type']).toMatch(/^text\/javascript/);
    await rest().get('/console/..%2F..%2Fpackage.json').expect(404);
    await rest().get('/console/js/nope.js').expect(404);
    // the console is no API: it stays out of the OpenAPI document
    const openapi = await rest().get('/docs/openapi.json').expect(200);
    expect(Object.keys(openapi.body.paths).filter((p) => p.startsWith('/console') || p === '/')).toEqual([]);
  });

  it('signs in with an API key kept in sessionStorage only', async () => {
    await page.goto(stack.baseUrl);
    await page.waitForURL(`${stack.baseUrl}/console/#/signin`);
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expectCleanPage();
    await screenshot(page, '01-sign-in');

    await page.getByLabel('API key', { exact: true }).fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
    expect(await page.evaluate('Object.values(sessionStorage)')).toEqual([apiKey]);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('document.cookie')).toBe('');
    expectCleanPage();
    await screenshot(page, '02-webhooks-empty');
  });

  it('creates a webhook with a templated body, showing the API’s error for an unknown field next to the body', async () => {
    await page.getByRole('link', { name: 'Create your first webhook' }).click();
    await page.getByRole('heading', { level: 1, name: 'New webhook' }).waitFor();
    await page.getByLabel('Event', { exact: true }).selectOption('Call:Hangup');
    await page.getByText('The call has ended: the last leg hung up.').waitFor();
    await page.getByLabel('URL', { exact: true }).fill(`${stack.receiverUrl}${hookPath}`);

    const body = page.getByRole('textbox', { name: 'Body template', exact: true });
    await body.fill('{\n  "call": "{{uuid}}",\n  "who": "{{caller}}"\n}');
    const bodyError = page.getByTestId('body-error');
    await bodyError.waitFor({ state: 'visible' });
    expect(await bodyError.textContent()).toMatch(/unknown field "caller"/);
    expect(await body.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('Fix the problems in the form to see what the receiver gets.').waitFor();
    // the live validation's 400 is the API's answer the page shows, not a page error
    expectCleanPage([{ method: 'POST', path: '/v1/templates/preview', status: 400 }]);
    await page.evaluate("document.querySelector('.body-editor').scrollIntoView({ block: 'center' })");
    await screenshot(page, '03-webhook-validation-error');

    // fix it: remove the unknown field, then insert catalog fields at the caret
    await body.fill('{\n  "call": "{{uuid}}",\n  "seconds": \n}');
    // the caret after "seconds": (what a click there does)
    await body.evaluate((el, marker) => {
      const area = el as unknown as { value: string; setSelectionRange(start: number, end: number): void };
      const at = area.value.indexOf(marker) + marker.length;
      area.setSelectionRange(at, at);
    }, '"seconds": ');
    await page.getByRole('button', { name: /^Insert duration:/ }).click();
    expect(await body.inputValue()).toBe('{\n  "call": "{{uuid}}",\n  "seconds": "{{duration}}"\n}');
    await bodyError.waitFor({ state: 'hidden' });
    const preview = page.getByTestId('live-preview');
    await preview.getByText(`"seconds": ${sample.duration}`).waitFor();
    expect(await preview.textContent()).toContain(`"call": "${sample.uuid}"`);

    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header name', { exact: true }).fill('X-Tenant');
    await page.getByLabel('Header value', { exact: true }).fill('acme');
    expectCleanPage();
    await screenshot(page, '04-webhook-new');

    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit webhook' }).waitFor();
    webhookId = await page.getByTestId('webhook-uuid').inputValue();
    const saved = await rest().get(`/v1/webhooks/${webhookId}`).set(bearer(apiKey)).expect(200);
    expect(saved.body).toMatchObject({
      event: 'Call:Hangup',
      method: 'POST',
      enabled: true,
      url: `${stack.receiverUrl}${hookPath}`,
      body: '{\n  "call": "{{uuid}}",\n  "seconds": "{{duration}}"\n}',
      headers: { 'X-Tenant': 'acme' },
    });
    // not subscribed anywhere yet: the page says so where it matters
    await page.getByText('You have no environment yet, so this webhook fires nowhere.').waitFor();
    expectCleanPage();
  });

  it('lists it, shows its body and the body rendered with sample data (eye), in a dialog that keeps focus and closes on Escape', async () => {
    // a few more, made through the API, so the table has something to filter
    const others = [
      { event: 'Call:Answer', method: 'GET', url: 'https://crm.example.com/hooks/answered', body: '{"call": "{{uuid}}", "agent": "{{user_name}}"}' },
      { event: 'Call:Reporting', url: 'https://billing.example.com/cdr', enabled: false, description: 'Billing CDRs' },
      { event: 'Ivr:Start', url: 'https://crm.example.com/hooks/ivr', body: '{"ivr": "{{ivr_name}}"}' },
    ];
    for (const other of others) await rest().post('/v1/webhooks').set(bearer(apiKey)).send(other).expect(201);

    await page.getByRole('link', { name: 'Webhooks', exact: true }).first().click();
    const row = page.locator(`tr[data-webhook-id="${webhookId}"]`);
    await row.waitFor();
    await eventually(async () => expect(await page.locator('tbody tr').count()).toBe(4), 5000, 200);
    expect(await row.textContent()).toContain('Enabled');
    expect(await row.textContent()).toContain('POST');
    expect(await row.textContent()).toContain('Call:Hangup');
    expectCleanPage();
    await screenshot(page, '05-webhooks-list');

    // filter by status, then by event; sort oldest first
    const rows = page.locator('tbody tr');
    await page.getByLabel('Filter by status').selectOption('false');
    await eventually(async () => expect(await rows.allTextContents()).toEqual([expect.stringContaining('billing.example.com/cdr')]), 5000, 200);
    expect(await rows.first().textContent()).toContain('Disabled');
    await page.getByLabel('Filter by status').selectOption('');
    await page.getByLabel('Filter by event').selectOption('Call:Hangup');
    await eventually(async () => expect(await rows.count()).toBe(1), 5000, 200);
    await row.waitFor();
    expect(page.url()).toContain('event=Call%3AHangup');
    await page.getByLabel('Filter by event').selectOption('');
    await eventually(async () => expect(await rows.count()).toBe(4), 5000, 200);
    expect(await rows.first().getAttribute('data-webhook-id')).not.toBe(webhookId);
    await page.getByRole('button', { name: 'Date Created' }).click();
    await eventually(async () => expect(await rows.first().getAttribute('data-webhook-id')).toBe(webhookId), 5000, 200);
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
    expectCleanPage();

    const eye = row.getByRole('button', { name: /^View the body of/ });
    await eye.click();
    const dialog = page.getByRole('dialog', { name: 'Webhook body' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('body-template').textContent()).toContain('"seconds": "{{duration}}"');
    const rendered = dialog.getByTestId('body-rendered');
    await rendered.waitFor();
    expect(JSON.parse((await rendered.textContent()) ?? '')).toEqual({ call: sample.uuid, seconds: sample.duration });
    await screenshot(page, '06-webhook-body-dialog');

    // Tab and Shift+Tab never leave the dialog
    for (let i = 0; i < 8; i += 1) {
      await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
      expect(await page.evaluate("document.activeElement?.closest('dialog') !== null")).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await isFocused(eye)).toBe(true);
    expectCleanPage();
  });

  it('edits it with the pencil', async () => {
    const row = page.locator(`tr[data-webhook-id="${webhookId}"]`);
    await row.getByRole('link', { name: /^Edit webhook/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit webhook' }).waitFor();
    await page.getByRole('textbox', { name: /^Description/ }).fill('Hangups to the CRM');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved').waitFor();
    await eventually(async () => {
      const got = await rest().get(`/v1/webhooks/${webhookId}`).set(bearer(apiKey)).expect(200);
      expect(got.body).toMatchObject({ description: 'Hangups to the CRM', version: 2 });
    }, 5000);
    expectCleanPage();
  });

  it('creates an environment and subscribes the webhook there', async () => {
    await page.getByRole('link', { name: 'Environments', exact: true }).first().click();
    await page.getByRole('heading', { name: 'No environments yet' }).waitFor();
    await page.getByText('A webhook works in an environment only once it is subscribed there').first().waitFor();
    expectCleanPage();
    await page.getByRole('button', { name: 'New environment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New environment' });
    await dialog.getByLabel('Environment ID', { exact: true }).fill('env-console');
    await dialog.getByLabel('Name', { exact: true }).fill('ITD2024');
    await dialog.getByLabel('Time zone', { exact: true }).fill('Asia/Jerusalem');
    await screenshot(page, '07-environment-new-dialog');
    await dialog.getByRole('button', { name: 'Create environment' }).click();
    await page.getByRole('heading', { level: 1, name: 'ITD2024' }).waitFor();

    const box = page.locator(`input[type=checkbox][data-webhook-id="${webhookId}"]`);
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.getByRole('button', { name: 'Save subscriptions' }).click();
    await page.getByText('Subscriptions saved').waitFor();
    const env = await rest().get('/v1/environments/env-console').set(bearer(apiKey)).expect(200);
    expect(env.body).toMatchObject({ name: 'ITD2024', timezone: 'Asia/Jerusalem', webhook_ids: [webhookId] });
    expectCleanPage();
    await screenshot(page, '08-environment-subscriptions');

    await page.getByRole('link', { name: 'Environments', exact: true }).first().click();
    const envRow = page.locator('tr[data-environment-id="env-console"]');
    await envRow.getByText('1 webhook').waitFor();
    expectCleanPage();
    await screenshot(page, '09-environments-list');
  });

  it('sends a test to the receiver and shows the attempt’s status, latency and response', async () => {
    await page.goto(`${stack.baseUrl}/console/#/webhooks/${webhookId}`);
    await page.getByRole('heading', { level: 1, name: 'Edit webhook' }).waitFor();
    // the environments card now shows the subscription
    const envBox = page.getByRole('checkbox', { name: /ITD2024/ });
    await envBox.waitFor();
    expect(await envBox.isChecked()).toBe(true);

    stack.receiver.script(hookPath, [{ kind: 'status', status: 200, body: '{"received":true}', headers: { 'content-type': 'application/json' } }]);
    await page.getByRole('button', { name: 'Send test event' }).click();
    const status = page.getByTestId('test-status');
    await status.waitFor({ timeout: 60_000 });
    expect(await status.textContent()).toBe('200');
    expect(await page.getByTestId('test-latency').textContent()).toMatch(/^\d+ ms$|^\d+\.\d\d s$/);
    expect(await page.getByTestId('test-response').textContent()).toBe('{"received":true}');
    expect(await page.getByTestId('test-result').textContent()).toContain('Succeeded');

    const [received] = stack.receiver.to(hookPath);
    expect(received.method).toBe('POST');
    expect(JSON.parse(received.body)).toEqual({ call: sample.uuid, seconds: sample.duration });
    expect(received.headers['x-tenant']).toBe('acme');
    expect(received.headers['webhook-signature']).toMatch(/^v1,/);
    expectCleanPage();
    // the side column scrolls on its own beside the form: bring the test card to its top
    await page.evaluate("document.querySelector('[data-testid=test-result]').closest('.card').scrollIntoView({ block: 'start' })");
    await screenshot(page, '10-webhook-test-send');

    // the secret: masked until revealed
    const secret = page.getByTestId('secret-value');
    expect(await secret.textContent()).not.toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    await page.getByRole('button', { name: 'Reveal' }).click();
    const revealed = await rest().get(`/v1/webhooks/${webhookId}/secret`).set(bearer(apiKey)).expect(200);
    await page.getByTestId('secret-value').getByText(revealed.body.secret).waitFor();
    expectCleanPage();
  });

  it('shows the delivery log with each attempt, and redelivers', async () => {
    await page.getByRole('link', { name: 'Open the delivery log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor();
    const row = page.locator('tr.delivery-row').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('Test send');
    expect(await row.textContent()).toContain('Succeeded');
    await row.getByRole('button', { name: /^Attempts of the Call:Hangup delivery/ }).click();
    const attempts = page.locator('tr.attempt-row');
    await attempts.first().waitFor();
    expect(await attempts.first().textContent()).toContain('200');
    expect(await attempts.first().textContent()).toContain('{"received":true}');

    await page.getByRole('button', { name: 'Redeliver' }).click();
    await eventually(async () => expect(await attempts.count()).toBe(2), 30_000, 500);
    expect(await attempts.first().textContent()).toMatch(/^2/);
    // the row's summary follows: two attempts now
    await eventually(async () => expect(await row.locator('td.num').textContent()).toBe('2'), 5000, 200);
    expect(stack.receiver.to(hookPath)).toHaveLength(2);
    expect(stack.receiver.to(hookPath)[1].headers['webhook-id']).toBe(stack.receiver.to(hookPath)[0].headers['webhook-id']);
    expectCleanPage();
    await screenshot(page, '11-deliveries');

    // per environment: the test send has no environment, so the environment's log is empty and says so
    await page.goto(`${stack.baseUrl}/console/#/environments/env-console`);
    await page.getByText('No call in this environment has triggered a webhook yet.').waitFor();
    expectCleanPage();
  });

  it('shows each webhook\u2019s health in the list, its chart on its page, and recovers its failed deliveries', async () => {
    // a second webhook whose receiver fails: two test sends answered 500
    const failingPath = '/hooks/failing';
    const failing = await rest()
      .post('/v1/webhooks')
      .set(bearer(apiKey))
      .send({ event: 'Call:Answer', url: `${stack.receiverUrl}${failingPath}`, description: 'A receiver that is down' })
      .expect(201);
    stack.receiver.script(failingPath, [], { kind: 'status', status: 500, body: 'down' });
    for (let i = 0; i < 2; i++) expect([200, 202]).toContain((await rest().post(`/v1/webhooks/${failing.body.id}/test`).set(bearer(apiKey)).send({})).status);
    await eventually(async () => {
      const stats = await rest().get(`/v1/webhooks/${failing.body.id}/stats?window=1h`).set(bearer(apiKey)).expect(200);
      expect(stats.body).toMatchObject({ attempts: 2, status: 'failing' });
    }, 30_000, 300);

    await page.goto(`${stack.baseUrl}/console/#/webhooks`);
    const healthy = page.locator(`tr[data-webhook-id="${webhookId}"] td.cell-health`);
    const down = page.locator(`tr[data-webhook-id="${failing.body.id}"] td.cell-health`);
    await healthy.getByText(/^Healthy/).waitFor();
    await down.getByText(/^Failing since/).waitFor();
    expect(await healthy.textContent()).toBe('Healthy · 100%');
    expectCleanPage();
    await screenshot(page, '15-webhooks-list-health');

    await page.goto(`${stack.baseUrl}/console/#/webhooks/${failing.body.id}`);
    const card = page.locator('#webhook-health');
    await card.locator('svg.health-chart rect.bar-failure').first().waitFor();
    expect(await card.locator('svg.health-chart rect.bar-success').count()).toBe(0);
    expect(await card.textContent()).toContain('2 http 5xx');
    await card.getByRole('button', { name: '1h' }).click();
    await eventually(async () => expect(await card.locator('svg.health-chart').getAttribute('aria-label')).toMatch(/1h: 0 succeeded, 2 failed/), 5000, 200);
    expectCleanPage();
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, '16-webhook-health-chart');

    // two deliveries of events that used their last attempt while the receiver was down, then the receiver is back
    const jobs = [1, 2].map((n) => ({
      delivery_id: randomUUID(),
      webhook_id: failing.body.id,
      customer_id: 'console-cust',
      environment_id: null,
      event_id: randomUUID(),
      event: 'Call:Answer',
      call_uuid: null,
      origin: 'EVENT' as const,
      method: 'POST' as const,
      url: `${stack.receiverUrl}${failingPath}`,
      body: JSON.stringify({ n }),
      headers: {},
      // the dispatcher's last attempt (DISPATCHER_MAX_ATTEMPTS, 10): one failure dead-letters it
      attempt: 10,
      created_at: Date.now(),
      not_before: null,
    }));
    await stack.api.app.get(KafkaContext).send('deliveries', jobs.map((value) => ({ key: targetOrigin(value.url), value })));
    await eventually(async () => {
      const failed = await rest().get(`/v1/deliveries?webhook_id=${failing.body.id}&status=FAILED`).set(bearer(apiKey)).expect(200);
      expect(failed.body.data.filter((d: { origin: string }) => d.origin === 'EVENT')).toHaveLength(2);
    }, 30_000, 300);
    stack.receiver.script(failingPath, [], { kind: 'status', status: 200 });
    const before = stack.receiver.to(failingPath).length;
    const recovery = page.locator('#webhook-recovery');
    await recovery.getByRole('button', { name: 'Recover failed deliveries' }).click();
    await recovery.locator('[data-fact=state]').getByText('Done').waitFor({ timeout: 60_000 });
    expect(await recovery.locator('[data-fact=matched]').textContent()).toBe('2');
    expect(await recovery.locator('[data-fact=delivered]').textContent()).toBe('2');
    const resent = stack.receiver.to(failingPath).slice(before);
    expect(resent.map((r) => r.headers['webhook-id']).sort()).toEqual(jobs.map((j) => j.delivery_id).sort());
    expectCleanPage();
    await recovery.scrollIntoViewIfNeeded();
    await screenshot(page, '17-webhook-recovery');

    await rest().delete(`/v1/webhooks/${failing.body.id}`).set(bearer(apiKey)).expect(204);
  });

  it('lists and adds operational webhooks (notices about failing webhooks)', async () => {
    await page.getByRole('link', { name: 'Notices', exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Notices' }).waitFor();
    await page.getByRole('heading', { name: 'No operational webhook yet' }).waitFor();
    await page.getByLabel('URL', { exact: true }).fill('ftp://ops.example.com/notices');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByText(/^must /).first().waitFor();
    expectCleanPage([{ status: 400 }]);
    await page.getByLabel('URL', { exact: true }).fill(`${stack.receiverUrl}/ops`);
    await page.getByRole('checkbox', { name: /delivery\.exhausted/ }).uncheck();
    await page.getByRole('button', { name: 'Add' }).click();
    const row = page.locator('tr[data-operational-webhook-id]');
    await row.waitFor();
    expect(await row.textContent()).toContain('webhook.failing, webhook.recovered, webhook.disabled');
    const listed = await rest().get('/v1/operational-webhooks').set(bearer(apiKey)).expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ url: `${stack.receiverUrl}/ops`, notice_types: ['webhook.failing', 'webhook.recovered', 'webhook.disabled'] })]);
    expectCleanPage();
    await screenshot(page, '18-operational-webhooks');
    await row.getByRole('button', { name: /^Delete operational webhook/ }).click();
    await page.getByRole('heading', { name: 'No operational webhook yet' }).waitFor();
    expectCleanPage();
  });

  it('fits a tablet (820 px wide)', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${stack.baseUrl}/console/#/webhooks/${webhookId}`);
    await page.getByRole('heading', { level: 1, name: 'Edit webhook' }).waitFor();
    await page.getByTestId('live-preview').getByText(`"call": "${sample.uuid}"`).waitFor();
    // nothing sticks out sideways
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    expectCleanPage();
    await screenshot(page, '12-webhook-edit-tablet');
    await page.goto(`${stack.baseUrl}/console/#/webhooks`);
    await page.locator(`tr[data-webhook-id="${webhookId}"]`).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    expectCleanPage();
    await screenshot(page, '13-webhooks-list-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('deletes it with the bin after a confirmation', async () => {
    const row = page.locator(`tr[data-webhook-id="${webhookId}"]`);
    await row.getByRole('button', { name: /^Delete webhook/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this webhook?' });
    await dialog.waitFor();
    // focus starts on Cancel: Enter does not delete by accident
    expect(await isFocused(dialog.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await screenshot(page, '14-webhook-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete webhook' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });
    await eventually(async () => expect(await page.locator('tbody tr').count()).toBe(3), 5000, 200);
    await rest().get(`/v1/webhooks/${webhookId}`).set(bearer(apiKey)).expect(404);
    expectCleanPage();
  });

  it('signs out: the key leaves the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    // a protected screen now asks to sign in
    await page.goto(`${stack.baseUrl}/console/#/deliveries`);
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expectCleanPage();
  });
});
