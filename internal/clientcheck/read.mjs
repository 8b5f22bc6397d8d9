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
  // The keys the file declares, as a BI tool detects them: primary keys
  // from the constraints, unique indexes from the catalog's indexes.
  const keys = {}
  for (const r of (await conn.runAndReadAll(`select table_name, array_to_string(constraint_column_names, ', ') as cols
      from duckdb_constraints() where schema_name = 'mart' and constraint_type = 'PRIMARY KEY'`)).getRowObjects()) {
    keys[r.table_name] = { kind: 'primary key', columns: r.cols }
  }
  for (const r of (await conn.runAndReadAll(`select table_name, sql from duckdb_indexes() where schema_name = 'mart' and is_unique`)).getRowObjects()) {
    const cols = /\((.*)\)/.exec(r.sql)[1].split(',').map((c) => c.trim().replace(/^"|"$/g, '')).join(', ')
    keys[r.table_name] = { kind: 'unique index', columns: cols }
  }
  // A plain sum over a detail table, as an analyst writes it, against the
  // table of totals: equal when no total row hides among the details.
  const sums = (await conn.runAndReadAll(`select
      (select sum(leads_worked) from mart.kpi_potential_acquisition_monthly)::integer as detail,
      (select sum(leads_worked) from mart.kpi_potential_acquisition_monthly_total)::integer as total`)).getRowObjects()[0]
  conn.closeSync()
  return { run_id: runs.map((r) => r.run_id), tables, keys, leads_worked: { detail: Number(sums.detail), total: Number(sums.total) } }
}

async function readParquet() {
  const root = path.join(warehouse, 'publish', 'parquet')
  const manifest = JSON.parse(await readFile(path.join(root, '_manifest.json'), 'utf8'))
  const tables = {}
  for (const t of manifest.tables) {
    let rows = 0
    let types = null
    for (const rel of t.files) {
      const file = await asyncBufferFromFile(path.join(root, rel))
      const metadata = await parquetMetadataAsync(file)
      // Read every row, decompressing zstd, to prove the data itself is readable.
      const objects = await parquetReadObjects({ file, metadata, compressors })
      if (objects.length !== Number(metadata.num_rows)) {
        throw new Error(`${rel}: read ${objects.length} rows, metadata says ${metadata.num_rows}`)
      }
      rows += objects.length
      // The columns each file itself holds, the partition column included,
      // with the type its Parquet schema gives them.
      const fileTypes = Object.fromEntries(metadata.schema.slice(1).map((s) => [s.name, duckType(s)]))
      if (types && JSON.stringify(fileTypes) !== JSON.stringify(types)) {
        throw new Error(`${rel}: columns ${JSON.stringify(fileTypes)}, other files of ${t.name} have ${JSON.stringify(types)}`)
      }
      types = fileTypes
    }
    // The published order: the partition column is where the table has it.
    const order = t.columns.map((c) => c.name)
    const columns = Object.keys(types ?? {}).sort((a, b) => order.indexOf(a) - order.indexOf(b))
    tables[t.name] = { rows, columns, types: types ?? {}, manifest: Object.fromEntries(t.columns.map((c) => [c.name, c.type])) }
  }
  return { run_id: [manifest.run_id], tables }
}

// duckType names the DuckDB type a Parquet schema element holds, from its
// physical and logical types, as the Parquet format defines them.
function duckType(s) {
  const lt = s.logical_type?.type
  if (lt === 'DECIMAL' || s.converted_type === 'DECIMAL') return `DECIMAL(${s.precision},${s.scale})`
  if (lt === 'STRING' || s.converted_type === 'UTF8') return 'VARCHAR'
  if (lt === 'DATE' || s.converted_type === 'DATE') return 'DATE'
  if (lt === 'TIMESTAMP' || s.converted_type?.startsWith('TIMESTAMP')) return 'TIMESTAMP'
  if (lt === 'INTEGER' || s.converted_type?.startsWith('INT_')) {
    const bits = s.logical_type?.bitWidth ?? Number(s.converted_type.slice(4))
    return { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[bits]
  }
  return { BOOLEAN: 'BOOLEAN', INT32: 'INTEGER', INT64: 'BIGINT', FLOAT: 'FLOAT', DOUBLE: 'DOUBLE' }[s.type] ?? `${s.type}?`
}

const result = { duckdb: await readDuckDB(), parquet: await readParquet() }
console.log(JSON.stringify(result))
