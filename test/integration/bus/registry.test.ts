import { describeWithRabbit } from '../../helpers/services';
import { AgentDirectory, announce, listAgents, type AgentBus } from '../../../lib/bus';
import { cleanup, openBus, uniqueNamespace, until } from './harness';

describeWithRabbit('Agent registry on the bus', () => {
	let bus: AgentBus;
	let other: AgentBus;

	beforeEach(async () => {
		const ns = uniqueNamespace();
		bus = await openBus(ns);
		other = await openBus(ns);
	});

	afterEach(async () => {
		await cleanup(bus);
		await other.close();
		await bus.close();
	});

	it('lists live agents with their capabilities, and forgets those that stopped', async () => {
		const writer = await announce(other, {
			name: 'writer',
			capabilities: ['write', 'summarize'],
			description: 'Writes drafts',
		});
		const critic = await announce(bus, { name: 'critic', capabilities: ['review'] });

		const all = await listAgents(bus, { waitMs: 300 });
		expect(all.map((a) => [a.name, a.capabilities])).toEqual([
			['critic', ['review']],
			['writer', ['write', 'summarize']],
		]);
		expect(all[1]).toMatchObject({
			description: 'Writes drafts',
			instanceId: writer.info.instanceId,
		});
		expect(Date.parse(all[1].lastSeen)).toBeGreaterThanOrEqual(Date.parse(all[1].startedAt));

		const summarizers = await listAgents(bus, { waitMs: 300, capability: 'summarize' });
		expect(summarizers.map((a) => a.name)).toEqual(['writer']);

		await writer.stop();
		const after = await listAgents(bus, { waitMs: 300 });
		expect(after.map((a) => a.name)).toEqual(['critic']);
		await critic.stop();
	});

	it('follows heartbeats and goodbyes in a passive directory', async () => {
		const dir = new AgentDirectory(bus, 10_000);
		await dir.start();
		const p = await announce(other, { name: 'scout', capabilities: ['search'], heartbeatMs: 100 });
		await until(() => dir.live().length === 1, 5000, 'announcement');
		expect(dir.live()[0]).toMatchObject({ name: 'scout', capabilities: ['search'] });
		const firstSeen = dir.live()[0].lastSeen;
		await until(() => dir.live()[0]?.lastSeen !== firstSeen, 5000, 'a heartbeat');
		await p.stop();
		await until(() => dir.live().length === 0, 5000, 'goodbye');
		await dir.stop();
	});
});
