import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { state } from './harness/n8n';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { OWNER } = require('../../scripts/lib/n8n-api') as {
	OWNER: { email: string; password: string };
};

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

describe('the n8n editor in headless Chromium', () => {
	let browser: Browser;

	beforeAll(async () => {
		if (!fs.existsSync(CHROMIUM)) {
			throw new Error(
				`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
			);
		}
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		});
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('lists our nodes in the nodes panel after signing in', async () => {
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		const base = state().base;
		await page.goto(`${base}/signin`);
		await page
			.locator('input[name="emailOrLdapLoginId"], input[type="email"]')
			.first()
			.fill(OWNER.email);
		await page
			.locator('input[name="password"], input[type="password"]')
			.first()
			.fill(OWNER.password);
		await page.getByRole('button', { name: /sign in/i }).click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));

		await page.goto(`${base}/workflow/new`);
		await page.waitForSelector(
			'[data-test-id="canvas-plus-button"], [data-test-id="canvas-add-button"]',
		);
		await page.keyboard.press('Tab');
		const search = page
			.locator('[data-test-id="node-creator-search-bar"] input, input[placeholder*="Search"]')
			.first();
		await search.waitFor();
		await search.fill('Vector Memory');
		const item = page.locator('[data-test-id="node-creator-item-name"]', {
			hasText: 'Vector Memory',
		});
		await item.first().waitFor();
		expect(await item.count()).toBeGreaterThan(0);

		fs.mkdirSync(ARTIFACTS, { recursive: true });
		await page.screenshot({ path: path.join(ARTIFACTS, 'editor-nodes-panel.png') });
		await page.close();
	});

	it('opens the memory-api template on the canvas with our node', async () => {
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		const base = state().base;
		await page.goto(`${base}/signin`);
		await page
			.locator('input[name="emailOrLdapLoginId"], input[type="email"]')
			.first()
			.fill(OWNER.email);
		await page
			.locator('input[name="password"], input[type="password"]')
			.first()
			.fill(OWNER.password);
		await page.getByRole('button', { name: /sign in/i }).click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
		const wf = state().workflows.find((w) => w.file === 'memory-api.json');
		await page.goto(`${base}/workflow/${wf?.id}`);
		const node = page.locator('[data-test-id="canvas-node"]', { hasText: 'Store Memory' });
		await node.first().waitFor();
		await page.waitForTimeout(500);
		await page.screenshot({ path: path.join(ARTIFACTS, 'template-memory-api.png') });
		await page.close();
	});
});
