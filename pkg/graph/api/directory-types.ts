/** Directory schema types (microsoft.graph namespace), trimmed to the properties the controller selects. */

/** `microsoft.graph.assignedPlan`. */
export interface AssignedPlan {
  readonly assignedDateTime?: string | null;
  readonly capabilityStatus?: string | null;
  readonly service?: string | null;
  readonly servicePlanId?: string | null;
}

/** `microsoft.graph.assignedLicense`. */
export interface AssignedLicense {
  readonly disabledPlans?: readonly string[];
  readonly skuId?: string | null;
}

/** `microsoft.graph.user` with the properties the controller selects. */
export interface User {
  readonly id: string;
  readonly userPrincipalName?: string | null;
  readonly displayName?: string | null;
  readonly mail?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly usageLocation?: string | null;
  readonly assignedPlans?: readonly AssignedPlan[];
  readonly assignedLicenses?: readonly AssignedLicense[];
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly jobTitle?: string | null;
  readonly mobilePhone?: string | null;
  readonly businessPhones?: readonly string[];
}

/** `microsoft.graph.servicePlanInfo`. */
export interface ServicePlanInfo {
  readonly servicePlanId?: string | null;
  readonly servicePlanName?: string | null;
  readonly provisioningStatus?: string | null;
  readonly appliesTo?: string | null;
}

/** `microsoft.graph.licenseUnitsDetail`. */
export interface LicenseUnitsDetail {
  readonly enabled?: number | null;
  readonly suspended?: number | null;
  readonly warning?: number | null;
  readonly lockedOut?: number | null;
}

/** `microsoft.graph.subscribedSku`. */
export interface SubscribedSku {
  readonly id: string;
  readonly skuId?: string | null;
  readonly skuPartNumber?: string | null;
  readonly capabilityStatus?: string | null;
  readonly consumedUnits?: number | null;
  readonly prepaidUnits?: LicenseUnitsDetail | null;
  readonly servicePlans?: readonly ServicePlanInfo[];
  readonly appliesTo?: string | null;
}

/** `microsoft.graph.directoryRole`. */
export interface DirectoryRole {
  readonly id: string;
  readonly displayName?: string | null;
  readonly roleTemplateId?: string | null;
}
