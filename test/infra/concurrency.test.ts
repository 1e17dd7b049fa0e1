import { Match } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { DeploymentSettingsError } from '../../infra/deployment-settings.ts'
import { logicalIdOf, synthesizeDocket, synthesizeDocketOnce, type SynthesizedDocket } from './docket-template.ts'

/** Issue 15.8: a mail burst must not take the account's whole concurrency (10 on a new account) and starve the API. */
let docket: SynthesizedDocket
beforeAll(() => {
  docket = synthesizeDocketOnce()
})

describe('Lambda concurrency', () => {
  it('every SQS event source has a maximum concurrency (2 each by default, SQS’s least: mail-received, mail-send, ses-feedback and jobs take 8 of a new account’s 10)', () => {
    const mappings = Object.values(docket.serviceTemplate.findResources('AWS::Lambda::EventSourceMapping')).filter((mapping) => JSON.stringify(mapping.Properties.EventSourceArn).includes('Queue'))
    expect(mappings.length).toBe(4)
    for (const mapping of mappings) expect(mapping.Properties.ScalingConfig, JSON.stringify(mapping.Properties.FunctionName)).toEqual({ MaximumConcurrency: 2 })
    const total = mappings.reduce((sum, mapping) => sum + (mapping.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency, 0)
    expect(total).toBe(8) // 2 left for the API and the two stream consumers: a new account must raise its quota (README)
  })

  it('reserves nothing on a new account (AWS keeps 10 unreserved, the whole quota)', () => {
    docket.serviceTemplate.resourcePropertiesCountIs('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.anyValue() }, 0)
    const api = docket.serviceTemplate.findResources('AWS::Lambda::Function')[logicalIdOf(docket.service.functions.get('api'))]!
    expect(api.Properties.ReservedConcurrentExecutions).toBeUndefined()
  })

  it('with a raised quota: the api gets its reservation (30 by default) and the consumers their configured maximum', () => {
    const raised = synthesizeDocket({ context: { lambdaConcurrencyLimit: '1000', mailReceivedConcurrency: '20', mailSendConcurrency: '5' } })
    const api = raised.serviceTemplate.findResources('AWS::Lambda::Function')[logicalIdOf(raised.service.functions.get('api'))]!
    expect(api.Properties.ReservedConcurrentExecutions).toBe(30)
    raised.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(raised.service.functions.get('mail-received')) },
      ScalingConfig: { MaximumConcurrency: 20 },
    })
    raised.serviceTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(raised.service.functions.get('mail-send')) },
      ScalingConfig: { MaximumConcurrency: 5 },
    })
  })

  it('refuses a reservation the account cannot give, naming the key and the fix', () => {
    expect(() => synthesizeDocket({ context: { apiReservedConcurrency: '5' } })).toThrow(DeploymentSettingsError)
    expect(() => synthesizeDocket({ context: { apiReservedConcurrency: '5' } })).toThrow(/context "apiReservedConcurrency" is "5": cannot be reserved with a concurrency quota of 10.*Service Quotas/)
    expect(() => synthesizeDocket({ context: { lambdaConcurrencyLimit: '50', apiReservedConcurrency: '45' } })).toThrow(/must be at most 40/)
    expect(() => synthesizeDocket({ context: { mailReceivedConcurrency: '1' } })).toThrow(/context "mailReceivedConcurrency" is "1": must be at least 2/)
  })
})
