// RxDB 17 client kind: a plain `replicateRxCollection` client on rxdb 17.x whose stream$
// is fed by an eventsource 5.x EventSource. (rxdb-server 15.22.0, the only published
// official client here, does not run on rxdb 17.) Modules resolve from this folder.
import { createRxDatabase, deepEqual, defaultConflictHandler } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { EventSource } from 'eventsource';
import { Subject } from 'rxjs';
import { makeClientFactory } from '../lib/client-core.mjs';

export default makeClientFactory({
    version: 17,
    createRxDatabase,
    getRxStorageMemory,
    wrappedValidateAjvStorage,
    replicateRxCollection,
    deepEqual,
    defaultConflictHandler,
    Subject,
    EventSource,
    eventSourceMajor: 5,
});

// the same validator the plugin uses, for checking a document the server sent by itself
export { getValidator } from 'rxdb/plugins/validate-ajv';
