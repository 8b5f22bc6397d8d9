// Reads a leadmart publication with clients that share no code with it:
// @duckdb/node-api (another DuckDB build) for warehouse/leadmart.duckdb and
// hyparquet (pure JavaScript) for warehouse/publish/parquet. Prints, per
// table, the row count and column names each client sees, as JSON.
//
// usage: node read.mjs WAREHOUSE_DIR
import { DuckDBInstance } from '@duckdb/node-api'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { readFile } from 'node:fs/promises'
import path from 'node:path'

const warehouse = process.argv[2]
if (!warehouse) {
  console.error('usage: node read.mjs WAREHOUSE_DIR')
  process.exit(2)
}

async function readDuckDB() {
  const instance = await DuckDBInstance.create(path.join(warehouse, 'leadmart.duckdb'), { access_mode: 'READ_ONLY' })
  const conn = await instance.connect()
  const tables = {}
  const published = (await conn.runAndReadAll('select table_name from mart.publication order by 1')).getRowObjects()
  for (const { table_name: name } of published) {
    const count = (await conn.runAndReadAll(`select count(*)::integer as n from mart."${name}"`)).getRowObjects()[0].n
    const cols = (await conn.runAndReadAll(
      `select column_name from duckdb_columns() where schema_name = 'mart' and table_name = '${name}' order by column_index`,
    )).getRowObjects().map((r) => r.column_name)
    tables[name] = { rows: Number(count), columns: cols }
  }
  const runs = (await conn.runAndReadAll('select distinct run_id from mart.publication')).getRowObjects()
  // A plain sum over a detail table, as an analyst writes it, against the
  // table of totals: equal when no total row hides among the details.
  const sums = (await conn.runAndReadAll(`select
      (select sum(leads_worked) from mart.kpi_potential_acquisition_monthly)::integer as detail,
      (select sum(leads_worked) from mart.kpi_potential_acquisition_monthly_total)::integer as total`)).getRowObjects()[0]
  conn.closeSync()
  return { run_id: runs.map((r) => r.run_id), tables, leads_worked: { detail: Number(sums.detail), total: Number(sums.total) } }
}

async function readParquet() {
  const root = path.join(warehouse, 'publish', 'parquet')
  const manifest = JSON.parse(await readFile(path.join(root, '_manifest.json'), 'utf8'))
  const tables = {}
  for (const t of manifest.tables) {
    let rows = 0
    let columns = null
    for (const rel of t.files) {
      const file = await asyncBufferFromFile(path.join(root, rel))
      const metadata = await parquetMetadataAsync(file)
      // Read every row, decompressing zstd, to prove the data itself is readable.
      const objects = await parquetReadObjects({ file, metadata, compressors })
      if (objects.length !== Number(metadata.num_rows)) {
        throw new Error(`${rel}: read ${objects.length} rows, metadata says ${metadata.num_rows}`)
      }
      rows += objects.length
      const names = metadata.schema.slice(1).map((s) => s.name)
      // A Hive-partitioned table keeps its partition column in the path.
      if (t.partition_by && !names.includes(t.partition_by)) names.push(t.partition_by)
      columns = columns ?? names
    }
    // The published order: the partition column is where the table has it.
    const order = t.columns.map((c) => c.name)
    tables[t.name] = { rows, columns: (columns ?? []).sort((a, b) => order.indexOf(a) - order.indexOf(b)) }
  }
  return { run_id: [manifest.run_id], tables }
}

const result = { duckdb: await readDuckDB(), parquet: await readParquet() }
console.log(JSON.stringify(result))
