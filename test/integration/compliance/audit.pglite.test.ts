import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openClient } from '../../../lib/db';
import { openComplianceStore } from '../../../lib/compliance';
import { auditSuite } from './audit-suite';

// PGlite starts a WebAssembly PostgreSQL; on a busy machine that takes seconds.
jest.setTimeout(120_000);

describe('audit trail and holds on embedded PGlite', () => {
	auditSuite(() => openClient({ kind: 'pglite', dataDir: 'memory://' }), 'pglite');
});

describe('compliance store on a PGlite folder', () => {
	it('keeps the chain across reopen', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-'));
		const a = await openComplianceStore({ kind: 'embedded', dataDir: dir });
		await a.audit.append({ event: 'decision', action: 'allow' });
		await a.close();
		const b = await openComplianceStore({ kind: 'embedded', dataDir: dir });
		await b.audit.append({ event: 'decision', action: 'block' });
		expect(await b.audit.verify()).toEqual({ valid: true, records: 2, headSeq: 2 });
		await b.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});
});
