import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Stack } from 'aws-cdk-lib'
import { Asset } from 'aws-cdk-lib/aws-s3-assets'
import { Match, Template } from 'aws-cdk-lib/assertions'
import type { Function as CloudFrontFunction } from 'aws-cdk-lib/aws-cloudfront'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentApi } from '../../infra/constructs/agent-api.ts'
import { WebClient } from '../../infra/constructs/web-client.ts'
import { DeploymentSettingsError, projectRoot } from '../../infra/deployment-settings.ts'
import { everyOptionContext, logicalIdOf, synthesizeDocket, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocket()
})

describe('agent API', () => {
  it('routes ANY /api and ANY /api/{proxy+} to the api function', () => {
    const apiId = logicalIdOf(docket.service.agentApi.httpApi)
    docket.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() })
    for (const routeKey of ['ANY /api', 'ANY /api/{proxy+}']) {
      docket.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: { Ref: apiId }, RouteKey: routeKey, Target: Match.anyValue() })
    }
    docket.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(docket.service.functions.get('api')), 'Arn'] },
    })
  })

  it('the default stage is throttled and writes JSON access logs', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AgentApiAccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    })
    docket.serviceTemplate.hasOutput('ApiUrl', Match.anyValue())
  })

  it('sends no CORS headers: the client calls the API same-origin through CloudFront', () => {
    docket.serviceTemplate.resourcePropertiesCountIs('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.anyValue() }, 0)
  })

  it('allows CORS for exactly the origins it is given', () => {
    const stack = new Stack()
    const handler = new LambdaFunction(stack, 'Handler', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = async () => ({})') })
    new AgentApi(stack, 'AgentApi', { handler, corsAllowOrigins: ['https://d111111abcdef8.cloudfront.net'] })
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://d111111abcdef8.cloudfront.net'], AllowCredentials: false }),
    })
  })
})

describe('web client', () => {
  it('serves a private bucket through CloudFront with origin access control', () => {
    const bucketId = logicalIdOf(docket.service.webClient.bucket)
    docket.serviceTemplate.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    })
    docket.serviceTemplate.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    })
    docket.serviceTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        DefaultRootObject: 'index.html',
        Origins: Match.arrayWith([
          Match.objectLike({ DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] }, OriginAccessControlId: { 'Fn::GetAtt': [Match.anyValue(), 'Id'] } }),
        ]),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      },
    })
    docket.serviceTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]),
      },
    })
  })

  it('routes the SPA at the edge, without error responses that would hide the API’s 403 and 404', () => {
    const [spa] = Object.values(docket.serviceTemplate.findResources('AWS::CloudFront::Function'))
    expect(spa!.Properties.FunctionCode).toContain("request.uri = '/index.html'")
    const distribution = Object.values(docket.serviceTemplate.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig
    expect(distribution.CustomErrorResponses).toBeUndefined()
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [logicalIdOf(docket.service.webClient.node.findChild('SpaRouting') as CloudFrontFunction), 'FunctionARN'] } }])
  })

  it('adds security headers, and forwards /api/* uncached to the HTTP API', () => {
    docket.serviceTemplate.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          // A join: connect-src names the attachments bucket (test/infra/attachments.test.ts).
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp("default-src 'self'")])] }), Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 63072000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      },
    })
    const distribution = Object.values(docket.serviceTemplate.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig
    const api = (distribution.CacheBehaviors as { PathPattern: string; TargetOriginId: string; AllowedMethods: string[]; CachePolicyId: string; FunctionAssociations?: unknown }[]).find((behavior) => behavior.PathPattern === '/api/*')
    expect(api).toBeDefined()
    expect(api!.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
    expect(api!.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad') // Managed-CachingDisabled
    expect(api!.FunctionAssociations).toBeUndefined()
    const origin = (distribution.Origins as { Id: string; DomainName: unknown; CustomOriginConfig?: { OriginProtocolPolicy: string } }[]).find((candidate) => candidate.Id === api!.TargetOriginId)
    expect(JSON.stringify(origin!.DomainName)).toContain(logicalIdOf(docket.service.agentApi.httpApi))
    expect(origin!.CustomOriginConfig?.OriginProtocolPolicy).toBe('https-only')
    docket.serviceTemplate.hasOutput('WebUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }]] } })
  })

  describe('deploying the client (issue 15.1: a fresh clone has no web/dist)', () => {
    let webDist: string
    let freshClone: string
    beforeAll(() => {
      webDist = mkdtempSync(join(tmpdir(), 'docket-web-dist-'))
      writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>Docket</title>')
      freshClone = mkdtempSync(join(tmpdir(), 'docket-fresh-clone-'))
      mkdirSync(join(freshClone, 'web', 'src'), { recursive: true })
      writeFileSync(join(freshClone, 'web', 'index.html'), '<!doctype html><script type="module" src="/src/main.tsx"></script>')
    })
    afterAll(() => {
      rmSync(webDist, { recursive: true, force: true })
      rmSync(freshClone, { recursive: true, force: true })
    })

    it('is always in the stack: built from web/ at synth, uploaded, and the distribution invalidated', () => {
      docket.serviceTemplate.resourceCountIs('Custom::CDKBucketDeployment', 1)
      docket.serviceTemplate.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketName: { Ref: logicalIdOf(docket.service.webClient.bucket) },
        DistributionId: { Ref: logicalIdOf(docket.service.webClient.distribution) },
        DistributionPaths: ['/*'],
      })
      const asset = docket.service.webClient.deployment.node.findAll().find((construct): construct is Asset => construct instanceof Asset && construct.node.id === 'Asset1')
      expect(asset?.assetPath).toBe(join(projectRoot, 'web')) // the sources (bundling skipped here), not web/dist
    })

    it('a project without web/dist still gets the client deployment', () => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
      const stack = new Stack(app, 'FreshClone')
      const client = new WebClient(stack, 'WebClient', { projectRoot: freshClone })
      expect(existsSync(join(freshClone, 'web', 'dist'))).toBe(false)
      Template.fromStack(stack).hasResourceProperties('Custom::CDKBucketDeployment', { DestinationBucketName: { Ref: logicalIdOf(client.bucket) }, DistributionPaths: ['/*'] })
    })

    it('-c webAssets deploys a client built elsewhere', () => {
      const withClient = synthesizeDocket({ context: { webAssets: webDist } })
      const asset = withClient.service.webClient.deployment.node.findAll().find((construct): construct is Asset => construct instanceof Asset && construct.node.id === 'Asset1')
      expect(asset?.assetPath).toMatch(/^asset\.[0-9a-f]{64}$/) // staged copy of the folder
      withClient.serviceTemplate.resourceCountIs('Custom::CDKBucketDeployment', 1)
    })

    it('-c webAssets without a built client refuses synth with the command that builds one', () => {
      expect(() => synthesizeDocket({ context: { webAssets: join(tmpdir(), 'docket-no-such-web-dist') } })).toThrow(DeploymentSettingsError)
      expect(() => synthesizeDocket({ context: { webAssets: join(tmpdir(), 'docket-no-such-web-dist') } })).toThrow(/no built client there.*`npm run build:web`/)
    })
  })
})

describe('custom domains (optional)', () => {
  const { webCertificateArn, apiCertificateArn } = everyOptionContext

  it('none by default: the cloudfront.net and execute-api names', () => {
    docket.serviceTemplate.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0)
    const distribution = Object.values(docket.serviceTemplate.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig
    expect(distribution.Aliases).toBeUndefined()
  })

  it('-c webDomain/-c webCertificateArn: the client on its own name with TLS 1.2 at least, and the name to point it at', () => {
    const custom = synthesizeDocketOnce(everyOptionContext)
    custom.serviceTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['helpdesk.example.com'],
        ViewerCertificate: { AcmCertificateArn: webCertificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      }),
    })
    custom.serviceTemplate.hasOutput('WebUrl', { Value: 'https://helpdesk.example.com' })
    custom.serviceTemplate.hasOutput('WebDomainTarget', { Value: { 'Fn::GetAtt': [logicalIdOf(custom.service.webClient.distribution), 'DomainName'] } })
  })

  it('-c apiDomain/-c apiCertificateArn: a regional domain name with TLS 1.2 mapped to the stage', () => {
    const custom = synthesizeDocketOnce(everyOptionContext)
    custom.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.helpdesk.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: apiCertificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    })
    custom.serviceTemplate.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { ApiId: { Ref: logicalIdOf(custom.service.agentApi.httpApi) }, Stage: '$default' })
    custom.serviceTemplate.hasOutput('ApiUrl', { Value: 'https://api.helpdesk.example.com/' })
    custom.serviceTemplate.hasOutput('ApiDomainTarget', Match.anyValue())
  })
})
