// Drives a Novelty server's cursors with node-postgres (npm pg@8.23.1):
// usage `node cursor.js <port>`. It reads a SUBSCRIBE through DECLARE and
// FETCH, cancels a FETCH that waits for rows with a CancelRequest, and
// prints one JSON summary, which cursor_test.go compares with the
// expected values. It exits non-zero (message on stderr) when a statement
// fails unexpectedly.
'use strict';

const { Client, Query } = require('pg');

// runUntilDone submits query and resolves with its rows, or with the
// SQLSTATE of its error.
function runUntilDone(client, query) {
  return new Promise((resolve) => {
    const rows = [];
    query.on('row', (row) => rows.push(row));
    query.on('error', (err) => resolve({ code: err.code }));
    query.on('end', () => resolve({ rows }));
    client.query(query);
  });
}

async function main() {
  const port = Number(process.argv[2]);
  const config = { host: '127.0.0.1', port, user: 'node', database: 'novelty' };
  const client = new Client(config);
  const writer = new Client(config);
  await client.connect();
  await writer.connect();
  const summary = {};
  try {
    await writer.query('CREATE SOURCE events (kind TEXT, n INT)');

    try {
      await client.query('DECLARE outside CURSOR FOR SELECT 1');
      summary.outsideTransaction = 'no error';
    } catch (err) {
      summary.outsideTransaction = err.code;
    }

    await client.query('BEGIN');
    // Bound parameters go through the extended protocol.
    await client.query('DECLARE answer CURSOR FOR SELECT $1::int + 1 AS v', [41]);
    summary.answer = (await client.query('FETCH ALL FROM answer')).rows;

    await client.query("DECLARE live CURSOR FOR SUBSCRIBE (SELECT n FROM events WHERE kind = 'hit')");
    await writer.query("INSERT INTO events VALUES ('hit', 1), ('miss', 2), ('hit', 3)");
    // Each FETCH waits for at least one row, then returns what has arrived.
    const fetched = [];
    while (fetched.length < 2) {
      const res = await client.query('FETCH 2 FROM live');
      fetched.push(...res.rows.map((r) => r.n));
    }
    summary.fetched = fetched;

    // Nothing more arrives: the FETCH waits until it is cancelled.
    const waiting = new Query('FETCH 1 FROM live');
    const outcome = runUntilDone(client, waiting);
    await new Promise((resolve) => setTimeout(resolve, 200));
    new Client(config).cancel(client, waiting);
    summary.cancelled = await outcome;

    await client.query('ROLLBACK');
    summary.afterRollback = (await client.query('SELECT 1 AS one')).rows;
    try {
      await client.query('FETCH 1 FROM live');
      summary.closedAtRollback = 'no error';
    } catch (err) {
      summary.closedAtRollback = err.code;
    }
  } finally {
    await client.end();
    await writer.end();
  }
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().catch((err) => {
  process.stderr.write(`node-postgres: ${err.code || ''} ${err.message}\n`);
  process.exit(1);
});
