import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { keys, type Entity } from '../../store/keys.ts'
import type { SavedSearch, SavedSearchStore } from '../saved-searches.ts'

/** Saved searches live in the agent's partition: AGENT#<login> / SEARCH#<id>. */
export class DynamoSavedSearchStore implements SavedSearchStore {
  private readonly client: DynamoDBDocumentClient
  private readonly tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client
    this.tableName = tableName
  }

  async list(login: string): Promise<SavedSearch[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :search)',
        ExpressionAttributeValues: { ':pk': keys.agent(login).pk, ':search': 'SEARCH#' },
      }),
    )
    return (result.Items ?? []).map((item) => ({ id: String(item.id), name: String(item.name), query: item.query as SavedSearch['query'], createdAt: String(item.createdAt) }))
  }

  async put(login: string, search: SavedSearch): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.savedSearch(login, search.id), entity: 'saved-search' satisfies Entity, ...search } }))
  }

  async delete(login: string, id: string): Promise<boolean> {
    const result = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.savedSearch(login, id), ReturnValues: 'ALL_OLD' }))
    return result.Attributes !== undefined
  }
}
