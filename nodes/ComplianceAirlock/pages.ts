/** Small HTML pages the review links show. No scripts; the form posts back to the same signed URL. */
const ENTITIES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;',
};

export function escapeHtml(s: string): string {
	let out = '';
	for (const ch of s) out += ENTITIES[ch] ?? ch;
	return out;
}

function page(title: string, body: string): string {
	return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}
pre{white-space:pre-wrap;background:#f5f5f5;padding:.75rem;border-radius:6px}button{font-size:1rem;padding:.5rem 1.25rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function confirmPage(decision: string, reviewer: string, summary: string): string {
	const verb = decision === 'approve' ? 'Approve' : 'Reject';
	return page(
		`${verb} held items`,
		`<p>Reviewer: <b>${escapeHtml(reviewer)}</b></p><pre>${escapeHtml(summary)}</pre>
<form method="post"><p><label>Comment (optional)<br><textarea name="comment" rows="3" cols="50" maxlength="2000"></textarea></label></p>
<button type="submit">${verb}</button></form>`,
	);
}

export function resultPage(title: string, message: string): string {
	return page(title, `<p>${escapeHtml(message)}</p><p>This page can be closed.</p>`);
}
