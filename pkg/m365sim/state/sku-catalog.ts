/**
 * The licence catalogue the simulator knows: SKU ids, part numbers and the service plans each contains.
 * Ids come from Microsoft's "Product names and service plan identifiers for licensing" page
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference).
 */

/** A service plan inside a SKU. `service` is what shows up in `assignedPlans[].service`. */
export interface ServicePlanSpec {
  servicePlanId: string;
  servicePlanName: string;
  service: string;
}

/** A SKU of the catalogue; seeds refer to it by `skuId` or `skuPartNumber`. */
export interface SkuSpec {
  skuId: string;
  skuPartNumber: string;
  servicePlans: readonly ServicePlanSpec[];
}

/** Well-known service plan ids used by the controller. */
export const PLAN = {
  MCOEV: '4828c8ec-dc2e-4779-b502-87ac9ce28ab7',
  MCOEV_VIRTUALUSER: 'f47330e9-c134-43b3-9993-e7f004506889',
  MCOPSTN1: '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8',
  MCOPSTN2: '5a10155d-f5c1-411a-a8ec-e99aae125390',
  TEAMS1: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  EXCHANGE_S_ENTERPRISE: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  MCOMEETADV: '3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40',
} as const;

const plan = (servicePlanName: keyof typeof PLAN, service: string): ServicePlanSpec => ({
  servicePlanId: PLAN[servicePlanName],
  servicePlanName,
  service,
});
const teamsPhone = plan('MCOEV', 'MicrosoftCommunicationsOnline');
const teams = plan('TEAMS1', 'TeamspaceAPI');
const exchange = plan('EXCHANGE_S_ENTERPRISE', 'exchange');

/** The SKUs a seed may assign. */
export const SKU_CATALOG: readonly SkuSpec[] = [
  { skuId: 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', skuPartNumber: 'MCOEV', servicePlans: [teamsPhone] },
  { skuId: '0dab259f-bf13-4952-b7f8-7db8f131b28d', skuPartNumber: 'MCOPSTN1', servicePlans: [plan('MCOPSTN1', 'MicrosoftCommunicationsOnline')] },
  { skuId: 'd3b4fe1f-9992-4930-8acb-ca6ec609365e', skuPartNumber: 'MCOPSTN2', servicePlans: [plan('MCOPSTN2', 'MicrosoftCommunicationsOnline')] },
  {
    skuId: 'ae2343d1-0999-43f6-ae18-d816516f6e78',
    skuPartNumber: 'MCOTEAMS_ESSENTIALS',
    servicePlans: [teamsPhone, plan('MCOPSTN1', 'MicrosoftCommunicationsOnline')],
  },
  {
    skuId: '440eaaa8-b3e0-484b-a8be-62870b9ba70a',
    skuPartNumber: 'PHONESYSTEM_VIRTUALUSER',
    servicePlans: [plan('MCOEV_VIRTUALUSER', 'MicrosoftCommunicationsOnline')],
  },
  { skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', skuPartNumber: 'ENTERPRISEPACK', servicePlans: [teams, exchange] },
  {
    skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuPartNumber: 'SPE_E5',
    servicePlans: [teams, exchange, teamsPhone, plan('MCOMEETADV', 'MicrosoftCommunicationsOnline')],
  },
];

/** Finds a catalogue SKU by id or part number (case-insensitive). */
export function findSku(idOrPartNumber: string): SkuSpec | undefined {
  const key = idOrPartNumber.toLowerCase();
  return SKU_CATALOG.find((s) => s.skuId === key || s.skuPartNumber.toLowerCase() === key);
}

/**
 * Plans that mean "has a Calling Plan"
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference): any MCOPSTN* except
 * communications credits.
 */
export function isCallingPlan(p: ServicePlanSpec): boolean {
  return p.servicePlanName.startsWith('MCOPSTN') && p.servicePlanName !== 'MCOPSTNC';
}
