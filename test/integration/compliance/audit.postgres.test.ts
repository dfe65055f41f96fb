import { openClient } from '../../../lib/db';
import { PG, describeWithPostgres } from '../../helpers/services';
import { auditSuite } from './audit-suite';

// PGlite starts a WebAssembly PostgreSQL; on a busy machine that takes seconds.
jest.setTimeout(120_000);

describeWithPostgres('audit trail and holds on the real PostgreSQL', () => {
	auditSuite(() => openClient({ kind: 'postgres', ...PG, max: 8 }), 'pg');
});
