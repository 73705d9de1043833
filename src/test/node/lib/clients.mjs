// The client kinds the scenarios run with. RXSYNC_E2E_KINDS (comma-separated) narrows
// the list for local runs.
import v15 from '../clients-v15/index.mjs';
import v17 from '../clients-v17/index.mjs';

export const ALL_KINDS = ['official-v15', 'plain-v17', 'plain-v15'];
export const KINDS = process.env.RXSYNC_E2E_KINDS
    ? process.env.RXSYNC_E2E_KINDS.split(',').map((s) => s.trim()).filter(Boolean)
    : ALL_KINDS;

/** createClient({kind: 'official-v15'|'plain-v17'|'plain-v15', ...}) */
export async function createClient(opts) {
    const [kind, version] = opts.kind.split('-');
    const factory = version === 'v15' ? v15 : version === 'v17' ? v17 : null;
    if (!factory) throw new Error(`unknown client kind ${opts.kind}`);
    return factory.createClient({ ...opts, kind });
}
