import { beforeAll, describe, expect, it } from 'vitest'
import { everyOptionContext, logicalIdOf, permissionsOf, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

/**
 * Issue 15.4: attachments go between the browser and the attachments bucket through presigned
 * URLs, which act with the API function's rights. So the API may write only where it writes
 * (its articles' MIME and files, and uploads), the bucket lets the client's origin POST uploads
 * (CORS), the client's CSP lets it connect to the bucket, and abandoned uploads expire.
 */
let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocketOnce()
})

const bucketOf = (docket: SynthesizedDocket, id: string) =>
  (docket.dataTemplate.findResources('AWS::S3::Bucket') as Record<string, { Properties: { CorsConfiguration?: unknown; LifecycleConfiguration?: { Rules: unknown[] } } }>)[id]!

describe('attachments through presigned URLs (template)', () => {
  it('the api may read every attachment, write only under outbound/ and uploads/, and delete only uploads', () => {
    const onAttachments = permissionsOf(docket.serviceTemplate, docket.service.functions.get('api'))
      .filter((permission) => permission.resource.includes('AttachmentsBucket'))
      .map(({ action, resource }) => `${action} ${/\/([^"]*)"\]\]\}$/.exec(resource)?.[1] ?? '(bucket)'}`)
      .sort()
    expect(onAttachments).toEqual(['s3:DeleteObject uploads/*', 's3:GetObject *', 's3:ListBucket (bucket)', 's3:PutObject outbound/*', 's3:PutObject uploads/*'])
  })

  it('the attachments bucket lets the client POST uploads (CORS) and removes uploads no article took after a day; no other bucket has CORS', () => {
    const attachments = bucketOf(docket, logicalIdOf(docket.data.attachmentsBucket))
    expect(attachments.Properties.CorsConfiguration).toEqual({
      CorsRules: [{ AllowedOrigins: ['https://*.cloudfront.net'], AllowedMethods: ['POST'], AllowedHeaders: ['*'], MaxAge: 3000 }],
    })
    expect(attachments.Properties.LifecycleConfiguration!.Rules).toContainEqual({
      Id: 'AbandonedUploads',
      Prefix: 'uploads/',
      Status: 'Enabled',
      ExpirationInDays: 1,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    })
    for (const bucket of [docket.data.rawMailBucket, docket.data.auditBucket, docket.data.accessLogsBucket]) {
      expect(bucketOf(docket, logicalIdOf(bucket)).Properties.CorsConfiguration).toBeUndefined()
    }
  })

  it('on a web domain of your own, that origin may upload', () => {
    const custom = synthesizeDocketOnce(everyOptionContext)
    const attachments = bucketOf(custom, logicalIdOf(custom.data.attachmentsBucket))
    expect(attachments.Properties.CorsConfiguration).toMatchObject({ CorsRules: [{ AllowedOrigins: ['https://helpdesk.example.com', 'https://*.cloudfront.net'], AllowedMethods: ['POST'] }] })
  })

  it("the client's CSP lets it connect to the attachments bucket's regional endpoint (where presigned POSTs go)", () => {
    const [policy] = Object.values(docket.serviceTemplate.findResources('AWS::CloudFront::ResponseHeadersPolicy')) as { Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } } } } }[]
    const csp = JSON.stringify(policy!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy)
    expect(csp).toMatch(/connect-src 'self' https:\/\/",\{[^}]*AttachmentsBucket[^}]*RegionalDomainName/)
  })
})
