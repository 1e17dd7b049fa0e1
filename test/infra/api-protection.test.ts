import { Match, Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { originVerifyHeader } from '../../lib/api/origin-verify.ts'
import { everyOptionContext, logicalIdOf, synthesizeDocket, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

/** Issue 15.9: one anonymous client must not starve the agents; the API only through CloudFront. */
let docket: SynthesizedDocket
let edge: Template
beforeAll(() => {
  docket = synthesizeDocketOnce()
  edge = Template.fromStack(docket.edge!)
})

const distributionOf = (template: Template) => Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig

describe('API protection', () => {
  it('a web ACL for CloudFront lives in a us-east-1 stack (CloudFront takes no other region)', () => {
    expect(docket.edge!.stackName).toBe('Docket-dev-Edge')
    expect(docket.edge!.region).toBe('us-east-1')
    expect(docket.service.region).toBe('eu-west-1')
    edge.resourceCountIs('AWS::WAFv2::WebACL', 1)
    edge.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } })
  })

  it('limits each client IP on /api, anonymous calls (no Authorization) far more, answering 429', () => {
    const [acl] = Object.values(edge.findResources('AWS::WAFv2::WebACL'))
    const rules = acl!.Properties.Rules as { Name: string; Action: unknown; Statement: { RateBasedStatement: { AggregateKeyType: string; EvaluationWindowSec: number; Limit: number; ScopeDownStatement: unknown } } }[]
    expect(rules.map((rule) => rule.Name)).toEqual(['ApiAnonymousPerClient', 'ApiPerClient'])
    for (const rule of rules) {
      expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } })
      expect(rule.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', EvaluationWindowSec: 300 })
      expect(JSON.stringify(rule.Statement.RateBasedStatement.ScopeDownStatement)).toContain('"SearchString":"/api"')
    }
    expect(rules[0]!.Statement.RateBasedStatement.Limit).toBe(300)
    expect(JSON.stringify(rules[0]!.Statement.RateBasedStatement.ScopeDownStatement)).toMatch(/"NotStatement":\{"Statement":\{"SizeConstraintStatement":\{"ComparisonOperator":"GT","FieldToMatch":\{"SingleHeader":\{"Name":"authorization"\}\},"Size":0/)
    expect(rules[1]!.Statement.RateBasedStatement.Limit).toBe(3000)
  })

  it('the distribution carries the web ACL (a cross-region stack output of the edge stack)', () => {
    expect(distributionOf(docket.serviceTemplate).WebACLId).toEqual({
      'Fn::GetStackOutput': { StackName: 'Docket-dev-Edge', Region: 'us-east-1', OutputName: expect.stringMatching(/WebAclArn/) },
    })
  })

  it('-c webAclArn: an existing web ACL, and no edge stack', () => {
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared/00000000-0000-4000-8000-000000000000'
    const given = synthesizeDocket({ context: { webAclArn: arn } })
    expect(given.edge).toBeUndefined()
    expect(distributionOf(given.serviceTemplate).WebACLId).toBe(arn)
    expect(() => synthesizeDocket({ context: { webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1' } })).toThrow(/context "webAclArn".*scope CLOUDFRONT, us-east-1/)
  })

  it('the stage throttle follows the README traffic model (100 requests/s, burst 200) and is configurable', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 } })
    const custom = synthesizeDocket({ context: { apiThrottleRate: '300', apiThrottleBurst: '600', apiRateLimit: '10000', apiAnonymousRateLimit: '100' } })
    custom.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 } })
    const limits = (Object.values(Template.fromStack(custom.edge!).findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules as { Statement: { RateBasedStatement: { Limit: number } } }[]).map((rule) => rule.Statement.RateBasedStatement.Limit)
    expect(limits).toEqual([100, 10000])
  })

  it('CloudFront proves itself to the API with a secret header that the api function checks', () => {
    const secretId = logicalIdOf(docket.service.agentApi.originVerifySecret)
    const reference = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] }
    const origins = distributionOf(docket.serviceTemplate).Origins as { CustomOriginConfig?: unknown; OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[] }[]
    const api = origins.find((origin) => origin.CustomOriginConfig)!
    expect(api.OriginCustomHeaders).toEqual([{ HeaderName: originVerifyHeader, HeaderValue: reference }])
    docket.serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsApiRole'), 'Arn'] },
      Environment: { Variables: Match.objectLike({ DOCKET_ORIGIN_VERIFY: reference }) },
    })
  })

  it('with a custom API domain the execute-api endpoint is disabled and CloudFront calls the domain', () => {
    const custom = synthesizeDocketOnce(everyOptionContext)
    custom.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true })
    const origins = distributionOf(custom.serviceTemplate).Origins as { DomainName: unknown; CustomOriginConfig?: unknown }[]
    expect(origins.find((origin) => origin.CustomOriginConfig)!.DomainName).toBe('api.helpdesk.example.com')
  })
})
