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

export type TableAccess = 'read' | 'readWrite'

/** GetItem, BatchGetItem, Query, Scan (reindex), ConditionCheckItem (transactions) and DescribeTable. */
const tableReadActions = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']
/** TransactWriteItems is authorized as the Put/Update/Delete/ConditionCheck of each of its items. */
const tableWriteActions = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']

/** Item access to the table and each index of lib/store/table.ts (a new index is covered by the next deploy). */
export function grantTableData(table: ITable, grantee: IGrantable, access: TableAccess): Grant {
  const indexArns = Object.values(tableDeclaration.indexes).map((index) => `${table.tableArn}/index/${index.name}`)
  return Grant.addToPrincipal({
    grantee,
    actions: access === 'read' ? tableReadActions : [...tableReadActions, ...tableWriteActions],
    resourceArns: [table.tableArn, ...indexArns],
  })
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
