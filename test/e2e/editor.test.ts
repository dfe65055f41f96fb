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

	async function signedInPage() {
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
		return page;
	}

	it('lists our nodes in the nodes panel after signing in', async () => {
		const page = await signedInPage();
		// From a workflow that already has a trigger the panel lists action nodes,
		// which is what our nodes are.
		const memory = state().workflows.find((w) => w.file === 'memory-api.json');
		await page.goto(`${state().base}/workflow/${memory?.id}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		await page.locator('[data-test-id="canvas-node"]', { hasText: 'Stored' }).first().click();
		await page.keyboard.press('Tab');
		const search = page
			.locator('[data-test-id="node-creator-search-bar"] input, input[placeholder*="Search"]')
			.first();
		await search.waitFor();
		const names = page.locator('[data-test-id="node-creator-item-name"]');
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		for (const name of [
			'Vector Memory',
			'Agent Team',
			'Agent Bus',
			'Compliance Airlock',
			'Consciousness Graph',
		]) {
			await search.fill(name);
			try {
				await names.filter({ hasText: name }).first().waitFor();
			} catch (error) {
				await page.screenshot({ path: path.join(ARTIFACTS, 'editor-nodes-panel-missing.png') });
				throw error;
			}
		}
		// The picture for the README: every node found by the alias they share.
		await search.fill('agent os');
		await names.first().waitFor();
		await page.waitForTimeout(500);
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		await page.screenshot({ path: path.join(ARTIFACTS, 'editor-nodes-panel.png') });
		await page.close();
	});

	it('opens every template on the canvas', async () => {
		const page = await signedInPage();
		for (const wf of state().workflows) {
			await page.goto(`${state().base}/workflow/${wf.id}`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor();
			// Let the canvas fit the view before the picture is taken.
			await page.waitForTimeout(800);
			await page.screenshot({
				path: path.join(ARTIFACTS, `template-${wf.file.replace(/\.json$/, '')}.png`),
			});
		}
		const memory = state().workflows.find((w) => w.file === 'memory-api.json');
		await page.goto(`${state().base}/workflow/${memory?.id}`);
		await page
			.locator('[data-test-id="canvas-node"]', { hasText: 'Store Memory' })
			.first()
			.waitFor();
		await page.close();
	});
});
