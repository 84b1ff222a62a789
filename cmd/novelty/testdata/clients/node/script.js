// Drives a Novelty server with node-postgres (npm pg@8.23.1): usage
// `node script.js <port>`. It prints one JSON summary of what the server
// returned, which clients_test.go compares with the expected values, and
// exits non-zero (message on stderr) when a statement fails unexpectedly.
'use strict';

const { Client } = require('pg');

// streamWaitMs bounds how long the script polls a stream's retained output:
// streams produce rows asynchronously after the INSERT returns.
const streamWaitMs = 10000;

// describe turns a value as node-postgres parsed it into JSON, tagged with
// the JavaScript type the column's type OID made the driver choose.
function describe(value) {
  if (value === null) return { type: 'null', value: null };
  if (value instanceof Date) return { type: 'Date', value: value.toISOString() };
  return { type: typeof value, value };
}

function describeRows(rows) {
  return rows.map((row) => {
    const out = {};
    for (const [column, value] of Object.entries(row)) out[column] = describe(value);
    return out;
  });
}

async function pollRows(client, query, wantCount) {
  const deadline = Date.now() + streamWaitMs;
  for (;;) {
    const res = await client.query(query);
    if (res.rows.length >= wantCount || Date.now() > deadline) return res.rows;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main() {
  const port = Number(process.argv[2]);
  const client = new Client({ host: '127.0.0.1', port, user: 'node', database: 'novelty' });
  await client.connect();
  const summary = {};
  try {
    await client.query(
      'CREATE TABLE readings (id INT PRIMARY KEY, label TEXT, ok BOOLEAN, at TIMESTAMPTZ, score DOUBLE PRECISION, doc JSONB)');
    const at = new Date(Date.UTC(2024, 4, 1, 10, 0, 0, 250));
    const inserts = [
      [1, 'first', true, at, 0.25, { kind: 'a', tags: ['x', 'y'] }],
      [2, "it's second", false, new Date(at.getTime() + 3600 * 1000), -1.5, { kind: 'b', nested: { n: 2 } }],
      [3, 'third', null, null, null, null],
    ];
    summary.inserted = 0;
    for (const values of inserts) {
      const res = await client.query(
        'INSERT INTO readings (id, label, ok, at, score, doc) VALUES ($1, $2, $3, $4, $5, $6)', values);
      summary.inserted += res.rowCount;
    }

    const selected = await client.query(
      'SELECT id, label, ok, at, score, doc FROM readings WHERE id >= $1 AND label <> $2 ORDER BY id', [1, 'third']);
    summary.selected = describeRows(selected.rows);

    const byTime = await client.query(
      'SELECT id FROM readings WHERE at > $1 AND ok = $2', [at, false]);
    summary.byTime = byTime.rows.map((r) => r.id);

    const byJSON = await client.query(
      "SELECT id, doc->>'kind' AS kind FROM readings WHERE doc->>'kind' = $1", ['b']);
    summary.byJSON = describeRows(byJSON.rows);

    // A named statement is parsed once and bound again on the second call.
    const named = { name: 'label-by-id', text: 'SELECT label FROM readings WHERE id = $1' };
    summary.named = [];
    for (const id of [2, 1]) {
      const res = await client.query({ ...named, values: [id] });
      summary.named.push(res.rows[0].label);
    }

    try {
      await client.query('SELECT * FROM no_such_table WHERE id = $1', [1]);
      summary.missingTable = 'no error';
    } catch (err) {
      summary.missingTable = err.code;
    }

    await client.query(
      "CREATE SOURCE clicks (user_name TEXT, page TEXT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
    await client.query("CREATE STREAM checkouts AS SELECT user_name, ts FROM clicks WHERE page = 'checkout'");
    const clicks = [
      ['ann', 'home', '2024-05-01 10:00:00'],
      ['ann', 'checkout', '2024-05-01 10:00:01'],
      ['ben', 'checkout', '2024-05-01 10:00:02.5'],
    ];
    summary.clicksInserted = 0;
    for (const values of clicks) {
      const res = await client.query('INSERT INTO clicks (user_name, page, ts) VALUES ($1, $2, $3)', values);
      summary.clicksInserted += res.rowCount;
    }
    await pollRows(client, 'SELECT user_name FROM checkouts', 2);
    const fromStream = await client.query(
      'SELECT user_name, ts::text AS ts FROM checkouts WHERE user_name = $1', ['ben']);
    summary.fromStream = describeRows(fromStream.rows);
    const fromSource = await client.query(
      'SELECT count(*) AS n FROM clicks WHERE user_name = $1 AND page <> $2', ['ann', 'checkout']);
    summary.fromSource = describeRows(fromSource.rows);
  } finally {
    await client.end();
  }
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().catch((err) => {
  process.stderr.write(`node-postgres: ${err.code || ''} ${err.message}\n`);
  process.exit(1);
});
