import { CfnOutput, Fn } from 'aws-cdk-lib'
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses'
import { Construct } from 'constructs'
import { domainIdPart } from '../mail-identities.ts'

export interface MailDomainsProps {
  /** Domains Docket receives mail for or sends from (lower case, no duplicates). */
  readonly domains: string[]
}

/**
 * One SES domain identity per mail domain, verified by Easy DKIM: SES signs every mail with a
 * 2048-bit key, and the three CNAME records printed as outputs (`Dkim<n><Domain>`) both prove the
 * domain is ours and publish the keys. Until they resolve, SES neither sends from nor (for a new
 * account) accepts mail for the domain.
 *
 * In the data stack on purpose: deleting and recreating an identity issues new DKIM tokens, so the
 * DNS records the admin created would stop matching; the service stack is meant to be rebuilt
 * freely, this one is not.
 */
export class MailDomains extends Construct {
  readonly identities: Record<string, EmailIdentity> = {}

  constructor(scope: Construct, id: string, props: MailDomainsProps) {
    super(scope, id)
    for (const domain of props.domains) {
      const part = domainIdPart(domain)
      const identity = new EmailIdentity(this, part, { identity: Identity.domain(domain) })
      this.identities[domain] = identity
      identity.dkimRecords.forEach((record, index) => {
        new CfnOutput(scope, `Dkim${index + 1}${part}`, {
          value: Fn.join(' ', [record.name, 'CNAME', record.value]),
          description: `DKIM record ${index + 1} of 3 for ${domain}: create it in the domain's DNS to verify the domain in SES`,
        })
      })
    }
  }
}
