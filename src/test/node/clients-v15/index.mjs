// RxDB 15 client kinds: the official rxdb-server 15.22.0 `replicateServer` client
// ("official") and a plain `replicateRxCollection` client ("plain"), both on rxdb 15.x
// with eventsource 2.x. The modules resolve from this folder's node_modules.
import { createRxDatabase, deepEqual } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { replicateServer } from 'rxdb-server/plugins/replication-server';
import EventSource from 'eventsource';
import { Subject } from 'rxjs';
import { makeClientFactory } from '../lib/client-core.mjs';

export default makeClientFactory({
    version: 15,
    createRxDatabase,
    getRxStorageMemory,
    wrappedValidateAjvStorage,
    replicateRxCollection,
    replicateServer,
    deepEqual,
    Subject,
    EventSource,
    eventSourceMajor: 2,
});
