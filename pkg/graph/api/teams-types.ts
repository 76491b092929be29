/** Teams administration schema types (microsoft.graph.teamsAdministration, v1.0). Enums are open strings. */

/** `numberType`. */
export type NumberType = 'directRouting' | 'callingPlan' | 'operatorConnect' | 'internalError' | 'unknownFutureValue';

/** `assignmentCategory`. */
export type AssignmentCategory = 'primary' | 'private' | 'alternate' | 'unknownFutureValue';

/** `numberAssignment`. `operatorId` is non-null in the schema but Direct Routing values vary; tolerate null. */
export interface NumberAssignment {
  readonly id: string;
  readonly telephoneNumber: string;
  readonly numberType: string;
  readonly activationState: string;
  readonly assignmentStatus?: string | null;
  readonly assignmentTargetId?: string | null;
  readonly assignmentCategory?: string | null;
  readonly capabilities?: readonly string[];
  readonly operatorId?: string | null;
  readonly locationId?: string | null;
  readonly civicAddressId?: string | null;
  readonly networkSiteId?: string | null;
  readonly isoCountryCode?: string | null;
  readonly city?: string | null;
  readonly numberSource?: string | null;
  readonly portInStatus?: string | null;
  readonly supportedCustomerActions?: readonly string[];
  readonly reverseNumberLookupOptions?: readonly string[];
}

/** `telephoneNumberLongRunningOperationDetails`. */
export interface TelephoneNumberLongRunningOperationDetails {
  readonly resourceLocation?: string | null;
  readonly status?: string | null;
  readonly statusDetail?: string | null;
}

/** `telephoneNumberLongRunningOperation` (`createdDateTime` is a string in the schema). */
export interface TelephoneNumberLongRunningOperation {
  readonly id: string;
  readonly createdDateTime?: string | null;
  readonly status: string;
  readonly numbers?: readonly TelephoneNumberLongRunningOperationDetails[];
}

/** `policyIdentifierDetail` (`getPolicyId` result). */
export interface PolicyIdentifierDetail {
  readonly name: string;
  readonly policyId: string;
}

/** `policyAssignment`. */
export interface PolicyAssignment {
  readonly assignmentType: string;
  readonly displayName: string;
  readonly policyId: string;
  readonly groupId?: string | null;
}

/** `effectivePolicyAssignment`. */
export interface EffectivePolicyAssignment {
  readonly policyType: string;
  readonly policyAssignment: PolicyAssignment;
}

/** `assignedTelephoneNumber`. */
export interface AssignedTelephoneNumber {
  readonly telephoneNumber: string;
  readonly assignmentCategory: string;
}

/** `teamsUserConfiguration`. */
export interface TeamsUserConfiguration {
  readonly id: string;
  readonly tenantId: string;
  readonly userPrincipalName: string;
  readonly accountType: string;
  readonly createdDateTime: string;
  readonly modifiedDateTime: string;
  readonly isEnterpriseVoiceEnabled?: boolean | null;
  readonly featureTypes?: readonly string[];
  readonly telephoneNumbers?: readonly AssignedTelephoneNumber[];
  readonly effectivePolicyAssignments?: readonly EffectivePolicyAssignment[];
}
