import type { V1StatefulSet } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { isDeepStrictEqual } from 'node:util';
import type { AdmissionOutcome, AdmissionRequest } from './admission/review.js';
import {
  findBinding,
  managementApiSecretOf,
  missingConfigurationWarning,
  MissingConfiguration,
  resolveConfiguration,
} from './binding.js';
import {
  awaitingConfigurationAnnotation,
  cassandraApiAnnotation,
  cassandraApis,
  type CassandraApi,
  type MedusaConfigurationSpec,
} from '../crds/index.js';
import type { ClusterReader, KubeObject } from './cluster.js';
import { planInjection, type InjectionPlan } from './inject/plan.js';
import { statefulSetShapeProblem } from './inject/shape.js';
import { InjectionError, injectMedusa } from './inject/statefulset.js';

const { compare } = fastJsonPatch;

/**
 * How the agent reaches Cassandra: the annotation when set (on the StatefulSet, else its
 * CassandraDatacenter), else cass-operator's management API for a CassandraDatacenter and Jolokia
 * for a plain StatefulSet, which has no management API.
 */
export function cassandraApiOf(sts: V1StatefulSet, datacenter: KubeObject | undefined): CassandraApi {
  const chosen =
    sts.metadata?.annotations?.[cassandraApiAnnotation] ??
    datacenter?.metadata?.annotations?.[cassandraApiAnnotation];
  if (chosen !== undefined) {
    if (!(cassandraApis as readonly string[]).includes(chosen)) {
      throw new InjectionError(
        `metadata.annotations[${cassandraApiAnnotation}]`,
        `must be one of ${cassandraApis.join(', ')}, not "${chosen}"`,
      );
    }
    return chosen as CassandraApi;
  }
  return datacenter ? 'management-api' : 'jolokia';
}

/** The injection plan; a configuration that cannot be rendered is the binding's fault, not a bug. */
function planFor(
  spec: MedusaConfigurationSpec,
  prefix: string,
  cluster: string,
  configuration: string,
  datacenter: KubeObject | undefined,
  sts: V1StatefulSet,
): InjectionPlan {
  const managementApiSecret = managementApiSecretOf(datacenter);
  try {
    return planInjection(spec, {
      cluster,
      prefix,
      cassandraApi: cassandraApiOf(sts, datacenter),
      configuration,
      ...(managementApiSecret ? { managementApiSecret } : {}),
    });
  } catch (error) {
    throw new InjectionError(
      `MedusaConfiguration ${configuration}`,
      error instanceof Error ? error.message : String(error),
    );
  }
}

/** The StatefulSet with the awaiting-configuration mark on its pod template set (or removed). */
function withTemplateAnnotation(sts: V1StatefulSet, configuration: string | undefined): V1StatefulSet {
  const template = sts.spec?.template;
  const current = template?.metadata?.annotations?.[awaitingConfigurationAnnotation];
  if (!template || current === configuration) return sts;
  const result = structuredClone(sts);
  const metadata = (result.spec!.template.metadata ??= {});
  const annotations = { ...metadata.annotations };
  if (configuration === undefined) delete annotations[awaitingConfigurationAnnotation];
  else annotations[awaitingConfigurationAnnotation] = configuration;
  metadata.annotations = annotations;
  return result;
}

/**
 * Mutating admission of StatefulSets: on creation, and on updates that change the pod template,
 * a StatefulSet bound to a MedusaConfiguration gets the medusa containers. Anything else is allowed
 * untouched, with the reason it was skipped.
 */
export async function mutateStatefulSet(
  request: AdmissionRequest,
  reader: ClusterReader,
): Promise<AdmissionOutcome> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return { allowed: true, skipped: `operation ${request.operation}` };
  }
  if (request.kind.kind !== 'StatefulSet' || request.subResource) {
    return {
      allowed: true,
      skipped: `not a StatefulSet (${request.kind.kind}${request.subResource ? `/${request.subResource}` : ''})`,
    };
  }
  const object = request.object;
  if (!object) return { allowed: true, skipped: 'no object in the request' };
  const problem = statefulSetShapeProblem(object);
  if (problem) {
    return {
      allowed: false,
      code: 400,
      reason: 'BadRequest',
      message: `not a usable apps/v1 StatefulSet: ${problem}`,
    };
  }
  const sts = object as V1StatefulSet;
  if (request.operation === 'UPDATE') {
    const old = request.oldObject as V1StatefulSet | null | undefined;
    if (old && isDeepStrictEqual(old.spec?.template, sts.spec?.template)) {
      return { allowed: true, skipped: 'pod template unchanged' };
    }
  }
  const namespace = request.namespace ?? sts.metadata?.namespace ?? 'default';
  const lookup = await findBinding(sts, namespace, reader);
  if (!lookup.bound) return { allowed: true, skipped: lookup.reason };
  const name = sts.metadata?.name ?? sts.metadata?.generateName ?? '';
  try {
    const { spec, prefix } = await resolveConfiguration(lookup.binding, lookup.source, namespace, reader);
    const plan = planFor(spec, prefix, lookup.cluster, lookup.binding.configuration, lookup.datacenter, sts);
    const injected = withTemplateAnnotation(injectMedusa(sts, plan), undefined);
    return { allowed: true, patch: compare(object, injected as Record<string, unknown>) };
  } catch (error) {
    if (error instanceof MissingConfiguration) {
      // Stored without Medusa, marked: the controller lifts the mark once the configuration exists
      // (controller/reconcilers/awaiting-configuration.ts), which re-runs this injection.
      const marked = withTemplateAnnotation(sts, error.configuration);
      return {
        allowed: true,
        patch: compare(object, marked as Record<string, unknown>),
        warnings: [missingConfigurationWarning(error.configuration, namespace)],
      };
    }
    if (!(error instanceof InjectionError)) throw error;
    return {
      allowed: false,
      code: 422,
      reason: 'Invalid',
      message: `StatefulSet "${name}" opts in to Medusa but cannot receive it: ${error.field}: ${error.message}`,
      causes: [{ field: error.field, message: error.message }],
    };
  }
}
