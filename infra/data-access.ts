import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { table as tableDeclaration } from '../lib/store/table.ts'
import { acknowledgeWildcardResource } from './nag.ts'

/**
 * Data grants narrower than CDK's `grantRead*`: the exact actions Docket's adapters call, on the
 * table and its declared indexes (not `index/*`) and on object keys (not `s3:GetObject*`,
 * `s3:List*`, `s3:DeleteObject*`, whose wildcards include reading ACLs and erasing versions).
 */

export interface TableAccess {
  /** GetItem, BatchGetItem on the table; Query on the table and its declared indexes. */
  read?: boolean
  /** PutItem and UpdateItem (TransactWriteItems is authorized as the Put/Update/Delete of each of its items). */
  write?: boolean
  /** DeleteItem and BatchWriteItem: drafts, watchers, links, sessions, and the purge of a whole ticket. */
  delete?: boolean
  /** Scan of the table: only the search drift check and reindex (search-maintenance) read it whole. */
  scan?: boolean
}

/**
 * Item access to the table, and Query on each index of lib/store/table.ts (a new index is covered
 * by the next deploy): indexes can only be queried or scanned, so no item action names them.
 * Scan only where asked (search-maintenance rebuilds and checks the index from the whole table; local
 * reindexes scan with the admin's credentials); nothing grants DescribeTable, nor ConditionCheckItem
 * (no transaction has a ConditionCheck).
 */
export function grantTableData(table: ITable, grantee: IGrantable, access: TableAccess): void {
  const itemActions = [
    ...(access.read ? ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'] : []),
    ...(access.write ? ['dynamodb:PutItem', 'dynamodb:UpdateItem'] : []),
    ...(access.delete ? ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'] : []),
    ...(access.scan ? ['dynamodb:Scan'] : []),
  ]
  if (itemActions.length === 0) throw new Error('grantTableData: give at least one of read, write, delete')
  Grant.addToPrincipal({ grantee, actions: itemActions, resourceArns: [table.tableArn] })
  if (access.read) {
    const indexArns = Object.values(tableDeclaration.indexes).map((index) => `${table.tableArn}/index/${index.name}`)
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: indexArns })
  }
}

export interface ObjectAccess {
  /** GetObject (and HeadObject) on the keys, plus ListBucket so a missing key answers 404, not 403. */
  read?: boolean
  /** PutObject on the keys. */
  write?: boolean
  /** DeleteObject on the keys: on a versioned bucket that leaves a delete marker; the lifecycle removes old versions. */
  delete?: boolean
}

/** Object access to `keyPattern` (e.g. `raw/*`) of a bucket. */
export function grantObjectAccess(bucket: IBucket, grantee: IGrantable, access: ObjectAccess, keyPattern = '*'): void {
  const objectActions = [...(access.read ? ['s3:GetObject'] : []), ...(access.write ? ['s3:PutObject'] : []), ...(access.delete ? ['s3:DeleteObject'] : [])]
  if (objectActions.length === 0) throw new Error('grantObjectAccess: give at least one of read, write, delete')
  const objects = bucket.arnForObjects(keyPattern)
  Grant.addToPrincipal({ grantee, actions: objectActions, resourceArns: [objects] })
  acknowledgeWildcardResource(grantee, objects, `Objects of one bucket by key pattern "${keyPattern}": Docket generates a key per mail, attachment or day, so a grant names the pattern; the actions are exact (${objectActions.join(', ')}).`)
  if (access.read) Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] })
}
