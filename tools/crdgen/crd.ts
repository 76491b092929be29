/**
 * Builds the apiextensions.k8s.io/v1 CustomResourceDefinition of one kind from its ApiKind entry.
 */
import { Category, Group, Version, crdName } from '../../pkg/apis/teamssync/v1alpha1/group.ts';
import type { ApiKind } from '../../pkg/apis/teamssync/v1alpha1/kinds.ts';
import type { KindName } from '../../pkg/apis/teamssync/v1alpha1/group.ts';
import { toStructural } from './structural.ts';

/** The CRD object (plain JSON) for `kind`. */
export function buildCrd(kind: ApiKind): Record<string, unknown> {
  const { names } = kind;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(names.kind as KindName) },
    spec: {
      group: Group,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [Category],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: Version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: rootSchema(kind) },
        },
      ],
    },
  };
}

function rootSchema(kind: ApiKind): Record<string, unknown> {
  return {
    description: kind.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      metadata: { type: 'object' },
      spec: toStructural(kind.spec, 'spec'),
      status: toStructural(kind.status, 'status'),
    },
  };
}
